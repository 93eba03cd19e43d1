"""GB 18218-2018 over a registry: 10,000 enterprises' units × 20 inventory lines identified and graded.

Prints the median time of the vectorised grader (standards.major_hazard.assess_many: numpy over the whole
matrix, exact Decimal only for units on a boundary) and of the naive baseline run in the same process on the
same input (assess() unit by unit, Decimal line by line, as a form-by-form tool would), their ratio, and
checks that both give the same level for every unit.

    .venv/bin/python bench/bench_major_hazard.py [--units 10000] [--lines 20]
"""

import argparse
from decimal import Decimal

import numpy as np
from common import median_ms

from yingji.standards import major_hazard as gb18218


def registry(units: int, lines: int, seed: int = 2026):
    rng = np.random.default_rng(seed)
    subs = [gb18218.substance(name) for name in gb18218.table1_names()]
    pick = rng.integers(0, len(subs), size=(units, lines))
    critical = np.array([float(s.critical_t) for s in subs])[pick]
    beta = np.array([float(s.beta) for s in subs])[pick]
    # Most lines small, one in fifty a tank farm's worth: about a third of the units come out major, over all levels.
    share = rng.exponential(0.015, size=(units, lines)) * np.where(rng.random((units, lines)) < 0.02, 60, 1)
    tonnes = np.round(critical * share, 3)
    people = rng.integers(0, 200, size=units)
    return tonnes, critical, beta, people


def naive(tonnes, critical, beta, people):
    levels = []
    for i in range(tonnes.shape[0]):
        items = [(gb18218.Substance("", Decimal(str(critical[i, j])), Decimal(str(beta[i, j])), "", ""),
                  Decimal(str(tonnes[i, j]))) for j in range(tonnes.shape[1]) if tonnes[i, j]]
        result = gb18218.assess(items, int(people[i]))
        levels.append(gb18218.LEVEL_NAMES.index(result.level) + 1 if result.major else 0)
    return np.array(levels)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=20)
    args = parser.parse_args()
    data = registry(args.units, args.lines)
    fast = gb18218.assess_many(*data)
    slow = naive(*data)
    assert (fast.level == slow).all(), "the vectorised grader disagrees with the one-by-one one"
    counts = {name: int((fast.level == k + 1).sum()) for k, name in enumerate(gb18218.LEVEL_NAMES)}
    print(f"{args.units:,} units × {args.lines} lines: major {int(fast.major.sum()):,} "
          f"({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
    vectorised = median_ms(lambda: gb18218.assess_many(*data), runs=7)
    baseline = median_ms(lambda: naive(*data), runs=3)
    print(f"assess_many (numpy, exact on boundaries): {vectorised:8.1f} ms")
    print(f"assess() unit by unit (Decimal)         : {baseline:8.1f} ms")
    print(f"ratio naive / vectorised                : {baseline / vectorised:8.1f}×")


if __name__ == "__main__":
    main()
