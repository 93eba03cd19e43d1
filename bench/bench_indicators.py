"""Plan-indicator computation at scale: 10 years × 1,000 townships × 100,000 incidents, in a scratch SQLite database.

Synthetic data (bulk-inserted: it is the state being measured, not the services that wrote it), in a new
temporary var dir migrated from scratch (no demo): one county with 1,000 townships; 100,000 incidents over
2016–2025 spread over the townships, with the mix the computation has to sort out (drills, merged duplicates,
居民住宅火灾 not in 生产经营活动, 待核实 answers, 道路交通 vs 工矿商贸 classes, 下落不明); the yearly denominators
(常住人口, GDP 亿元, 工矿商贸就业人员) of every township and the county, with ~2 % of them missing.

Each pair, on the same input, interleaved (ABAB) in the same process:
- product: services.indicators.Table for the county and its 1,000 townships × 10 years (one grouped SQL query
  by region and year for the incidents, one for the denominators, the numpy roll-up) and the three
  incident-based figures (死亡人数, 亿元GDP死亡率, 工矿商贸十万人死亡率) for all 1,001 × 10 cells;
- naive loop: every incident of the span loaded as a model instance and judged in Python (drill? merged?
  生产经营活动? excluded class? local year?), added to its township and the county, then the rates computed
  cell by cell from the same denominators.
Both answers are checked to be identical before timing. The loss-report figures use the same roll-up with one
more grouped query; they are not timed here (planning.DisasterLossReport is another area's model).

    .venv/bin/python bench/bench_indicators.py [--incidents 100000] [--townships 1000] [--years 10] [--pairs 7]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

# event class → share of incidents; the production default comes from data/order493_scope.csv at intake
CLASSES = {"12D02": 8, "12C01": 8, "12A01": 2, "12F00": 6, "12H02": 30, "12G03": 16, "12G01": 6, "12Q00": 2,
           "11A01": 12, "12R00": 4, "12Y00": 6}


def setup_site() -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-indicators-"))
    os.environ.update(YINGJI_VAR_DIR=str(workdir), DJANGO_SETTINGS_MODULE="yingji.settings")
    os.environ.pop("YINGJI_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return workdir


def seed(n_incidents: int, n_townships: int, years: list[int]):
    from zoneinfo import ZoneInfo

    from yingji.core.models import Region, RegionGDP
    from yingji.incidents.models import Incident
    from yingji.planning.models import RegionYearStat
    from yingji.standards import accidents

    rng = random.Random(16)
    print(f"seeding 1 county, {n_townships:,} townships, {n_incidents:,} incidents, {len(years)} years …",
          file=sys.stderr)
    county = Region.objects.create(name="压测县", code="519999", level="county")
    Region.objects.filter(pk=county.pk).update(path=f"/{county.pk}/")
    county.refresh_from_db()
    Region.objects.bulk_create([Region(name=f"压测乡镇{i}", code=f"519999{i:03d}"[:12], level="township",
                                       parent=county) for i in range(n_townships)], batch_size=1000)
    townships = list(Region.objects.filter(parent=county).order_by("pk"))
    for township in townships:
        township.path = f"{county.path}{township.pk}/"
    Region.objects.bulk_update(townships, ["path"], batch_size=1000)
    stats, gdp = [], []  # GDP lives in core.RegionGDP (万元), the other denominators in planning.RegionYearStat
    for region in [county, *townships]:
        scale = n_townships if region.pk == county.pk else 1
        for year in years:
            stats.append(RegionYearStat(region=region, year=year, population=20_000 * scale,
                                        industrial_employees=1_500 * scale))
            if rng.random() >= 0.02:  # 2 % not published
                gdp.append(RegionGDP(region=region, year=year,
                                     gdp_wan=round(95_000 * scale * 1.05 ** (year - years[0]), 2)))
    RegionYearStat.objects.bulk_create(stats, batch_size=5000)
    RegionGDP.objects.bulk_create(gdp, batch_size=5000)
    tz, codes = ZoneInfo("Asia/Shanghai"), list(CLASSES)
    weights = list(CLASSES.values())
    start, span = datetime(years[0], 1, 1, tzinfo=tz), (datetime(years[-1] + 1, 1, 1, tzinfo=tz)
                                                        - datetime(years[0], 1, 1, tzinfo=tz)).total_seconds()
    rows = []
    for i in range(n_incidents):
        code = rng.choices(codes, weights)[0]
        answer = accidents.production_default(code)
        if answer == accidents.UNKNOWN and rng.random() < 0.5:
            answer = accidents.YES
        when = start + timedelta(seconds=rng.random() * span)
        rows.append(Incident(number=f"B{i:09d}", title="压测事件", source="duty_phone", occurred_at=when,
                             reported_at=when, region=rng.choice(townships), event_code=code,
                             production_activity=answer, deaths=rng.choice([0] * 12 + [1, 1, 2, 3]),
                             missing=rng.choice([0] * 30 + [1]), is_drill=rng.random() < 0.03))
        if len(rows) == 20_000:
            Incident.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Incident.objects.bulk_create(rows, batch_size=5000)
    first = Incident.objects.order_by("pk").values_list("pk", flat=True)[:n_incidents // 100]
    Incident.objects.filter(pk__in=list(first)[1:]).update(merged_into_id=first[0])  # 1 % merged duplicates
    return county, [county, *townships]


FORMULAS = ("production_deaths", "deaths_per_gdp", "industrial_deaths_per_100k")


def product(county, targets, years):
    from yingji.planning.services.indicators import Table

    table = Table(county, targets, years)
    return {formula: table.values(formula)[0] for formula in FORMULAS}


def naive(county, targets, years):
    """Every incident in Python, one at a time, as a hand-written report would."""
    from zoneinfo import ZoneInfo

    from yingji.core.models import RegionGDP
    from yingji.incidents.models import Incident
    from yingji.planning.models import RegionYearStat
    from yingji.standards import accidents

    tz = ZoneInfo("Asia/Shanghai")
    excluded = {code[:3] for code, row in accidents._scope_rows().items() if row["excluded_as"]}
    industrial = ("12A", "12B", "12C", "12D", "12E", "12F")
    t_index, y_index = {t.pk: i for i, t in enumerate(targets)}, {y: j for j, y in enumerate(years)}
    paths = {t.pk: t.path for t in targets}
    production = np.zeros((len(targets), len(years)))
    industry = np.zeros((len(targets), len(years)))
    for incident in Incident.objects.filter(region__path__startswith=county.path).iterator(chunk_size=5000):
        if incident.is_drill or incident.merged_into_id or incident.production_activity != "yes":
            continue
        if incident.event_code[:3] in excluded:
            continue
        j = y_index.get(incident.occurred_at.astimezone(tz).year)
        if j is None:
            continue
        dead = incident.deaths + incident.missing
        for part in paths.get(incident.region_id, "").strip("/").split("/"):
            i = t_index.get(int(part)) if part else None
            if i is not None:
                production[i, j] += dead
                if incident.event_code.startswith(industrial):
                    industry[i, j] += dead
    stats = {(s.region_id, s.year): s for s in RegionYearStat.objects.filter(region__in=targets, year__in=years)}
    gdp_wan = {(g.region_id, g.year): g.gdp_wan for g in RegionGDP.objects.filter(region__in=targets, year__in=years)}
    out = {f: np.full((len(targets), len(years)), np.nan) for f in FORMULAS}
    for i, target in enumerate(targets):
        for j, year in enumerate(years):
            stat = stats.get((target.pk, year))
            out["production_deaths"][i, j] = production[i, j]
            if gdp_wan.get((target.pk, year)):
                out["deaths_per_gdp"][i, j] = production[i, j] / (float(gdp_wan[target.pk, year]) / 10_000)
            if stat and stat.industrial_employees:
                out["industrial_deaths_per_100k"][i, j] = industry[i, j] * 100_000 / stat.industrial_employees
    return out


def same(a, b):
    for formula in FORMULAS:
        assert np.allclose(a[formula], b[formula], equal_nan=True, rtol=1e-12), f"{formula}: product ≠ naive loop"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--townships", type=int, default=1_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()
    workdir = setup_site()
    years = list(range(2026 - args.years, 2026))
    county, targets = seed(args.incidents, args.townships, years)
    result = product(county, targets, years)
    same(result, naive(county, targets, years))
    counted = int(result["production_deaths"][0].sum())
    times = {"product": [], "naive loop": []}
    for _ in range(args.pairs):  # A B A B …: the same input, the same process, alternating
        for name, fn in (("product", product), ("naive loop", naive)):
            start = time.perf_counter()
            fn(county, targets, years)
            times[name].append((time.perf_counter() - start) * 1000)
    product_ms, naive_ms = np.asarray(times["product"]), np.asarray(times["naive loop"])
    ratio = naive_ms / product_ms
    print(f"scratch SQLite in {workdir}; load average {os.getloadavg()[0]:.2f} (2 cores shared)")
    print(f"{args.incidents:,} incidents, {len(targets):,} regions (county + {args.townships:,} townships) × "
          f"{len(years)} years ({years[0]}–{years[-1]}); {counted:,} production-safety deaths+missing counted")
    print("per pair (ms):  " + "  ".join(f"{p:.0f}/{n:.0f}" for p, n in zip(product_ms, naive_ms, strict=True)))
    print(f"product (grouped SQL + numpy roll-up) {np.median(product_ms):8.1f} ms median, "
          f"naive per-record loop {np.median(naive_ms):8.1f} ms median; ratio per pair naive/product: "
          f"median {np.median(ratio):.1f}× (quartiles {np.percentile(ratio, 25):.1f}–{np.percentile(ratio, 75):.1f}, "
          f"n={len(ratio)})")


if __name__ == "__main__":
    main()
