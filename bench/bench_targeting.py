"""Warning targeting at county scale: 1,000,000 recipients into a warning's area (target ≤ 1 s).

A synthetic county the size of 乐至县 (≈ 1,424 km² around 105.02 E, 30.28 N): 25 townships (a Voronoi of 25
seeds clipped to a wiggly county outline, edges densified to ~100 m and bent by a smooth displacement, so each
township has hundreds of vertices and neighbours share their borders), ~16 villages per township, 1,000,000
recipients (90 % with a position, clustered around villages, 10 % known only by home village). The warning's
area is 3 adjacent townships plus a drawn 6 km circle.

Each pair, on the same input, interleaved:
- engine: the whole targeting of one warning with yingji.warnings.targeting — AreaSet (union, grid), villages
  in the area, reach() for all 1,000,000 recipients, coverage per township;
- naive loop: per recipient a shapely Point and `covers` against each area part (unprepared), else a set look-up
  of the home village, as a hand-written loop would. It runs on a sample (--sample, default 20,000 recipients)
  and is EXTRAPOLATED linearly to 1,000,000; the engine's answer on the sample is checked to be identical.
Then, once each and for information, other shapely 2 strategies for the same 900,000 located points:
intersects_xy on the prepared union without the grid, and STRtree queries over point geometries.

    .venv/bin/python bench/bench_targeting.py [--recipients 1000000] [--sample 20000] [--pairs 7]
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point, Polygon

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from yingji.warnings import targeting as T  # noqa: E402

LON, LAT, AREA_KM2 = 105.02, 30.28, 1424.0
KM_PER_DEG_LAT = 110.9
KM_PER_DEG_LON = 111.32 * np.cos(np.radians(LAT))


def bend(geometry):
    """A smooth displacement (|gradient| < 1, so shapes stay valid and shared borders stay shared) that makes
    straight Voronoi edges look like surveyed boundaries."""
    def move(xy):
        x, y = xy[:, 0], xy[:, 1]
        dx = 0.002 * np.sin(2 * np.pi * y / 0.03) + 0.0004 * np.sin(2 * np.pi * (x + y) / 0.006)
        dy = 0.002 * np.sin(2 * np.pi * x / 0.03) + 0.0004 * np.cos(2 * np.pi * (x - y) / 0.006)
        return np.c_[x + dx, y + dy]

    return shapely.transform(geometry, move)


def county_outline(rng):
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    r = 1 + 0.12 * np.sin(3 * t + 1) + 0.06 * np.sin(7 * t) + 0.02 * rng.standard_normal(len(t)).cumsum() / 10
    shape = Polygon(np.c_[np.cos(t) / KM_PER_DEG_LON, np.sin(t) / KM_PER_DEG_LAT] * r[:, None]).buffer(0)
    scale = np.sqrt(AREA_KM2 / shape.area / KM_PER_DEG_LON / KM_PER_DEG_LAT)
    return shapely.affinity.translate(shapely.affinity.scale(shape, scale, scale, origin=(0, 0)), LON, LAT)


def random_points_in(polygon, n, rng):
    west, south, east, north = polygon.bounds
    shapely.prepare(polygon)
    out = np.empty((0, 2))
    while len(out) < n:
        xy = np.c_[rng.uniform(west, east, 2 * n), rng.uniform(south, north, 2 * n)]
        out = np.r_[out, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]]
    return out[:n]


def voronoi_cells(seeds, clip):
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=clip))
    cells = shapely.intersection(cells, clip)
    # order the cells like their seeds (voronoi_polygons does not promise it)
    order = STRtree(cells).query(shapely.points(seeds), predicate="intersects")
    first = np.unique(order[0], return_index=True)[1]
    return cells[order[1][first]]


def synthetic_county(n_recipients, rng):
    county = county_outline(rng)
    seeds = random_points_in(county, 25, rng)
    townships = shapely.make_valid(bend(shapely.segmentize(voronoi_cells(seeds, county), 0.001)))
    county = bend(shapely.segmentize(county, 0.001))
    village_geoms, village_township, village_centres = [], [], []
    for t, township in enumerate(townships):
        centres = random_points_in(township, 16, rng)
        for cell, centre in zip(voronoi_cells(centres, township), centres, strict=True):
            village_geoms.append(cell)
            village_township.append(t)
            village_centres.append(centre)
    village_centres = np.asarray(village_centres)
    village_township = np.asarray(village_township)
    n_villages = len(village_geoms)
    # recipients: 70 % around their village's centre, 30 % anywhere in the county; 10 % have no position
    home = rng.integers(0, n_villages, n_recipients)
    xy = village_centres[home] + rng.normal(0, 0.006, (n_recipients, 2))
    spread = rng.random(n_recipients) < 0.3
    xy[spread] = random_points_in(county, int(spread.sum()), rng)
    unknown = rng.random(n_recipients) < 0.1
    xy[unknown] = np.nan
    return {"county": county, "townships": townships, "villages": village_geoms,
            "village_ids": np.arange(n_villages) + 1000, "village_township": village_township,
            "lon": xy[:, 0], "lat": xy[:, 1], "home": home + 1000, "township": village_township[home]}


def warning_area(data):
    """Township 0 and two of its neighbours, plus a 6 km circle around another township's centroid."""
    townships = data["townships"]
    neighbours = [i for i in STRtree(townships).query(townships[0], predicate="intersects") if i != 0][:2]
    chosen = [0, *(int(i) for i in neighbours)]
    far = max(range(len(townships)), key=lambda i: townships[i].centroid.distance(townships[0].centroid))
    centre = townships[far].centroid
    circle = T.validate_circle(centre.x, centre.y, 6.0)
    return chosen, [townships[i] for i in chosen] + [circle]


def engine(data, parts, township_ids):
    area = T.AreaSet(parts)
    villages = T.villages_in(area, data["villages"], data["village_ids"])
    reached = T.reach(data["lon"], data["lat"], data["home"], area, villages)
    stats = T.coverage(reached, data["township"], township_ids)
    return reached, stats


def naive(lon, lat, home, parts, villages_in_area):
    """Per recipient: Point + covers on each part, else the home village in a set."""
    villages = set(villages_in_area.tolist())
    out = []
    for x, y, v in zip(lon.tolist(), lat.tolist(), home.tolist(), strict=True):
        if x == x and y == y:  # not NaN
            point = Point(x, y)
            out.append(any(part.covers(point) for part in parts))
        else:
            out.append(v in villages)
    return np.asarray(out, dtype=bool)


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=7)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"(1/5/15 min) on {os.cpu_count()} cores", flush=True)
    rng = np.random.default_rng(15)
    print(f"building the synthetic county and {args.recipients:,} recipients …", file=sys.stderr, flush=True)
    data = synthetic_county(args.recipients, rng)
    chosen, parts = warning_area(data)
    township_ids = range(len(data["townships"]))
    vertices = shapely.get_num_coordinates(data["townships"])
    county_km2 = data["county"].area * KM_PER_DEG_LON * KM_PER_DEG_LAT
    located = np.isfinite(data["lon"])
    print(f"county ≈ {county_km2:,.0f} km², {len(data['townships'])} townships of {vertices.min()}–{vertices.max()} "
          f"vertices (median {int(np.median(vertices))}), {len(data['villages'])} villages; "
          f"{args.recipients:,} recipients, {located.sum():,} with a position, {(~located).sum():,} village only")
    print(f"warning area: townships {chosen} ({shapely.get_num_coordinates(parts[:3]).sum():,} vertices) + a 6 km "
          f"circle ({shapely.get_num_coordinates(parts[3])} vertices)")

    sample = rng.choice(args.recipients, min(args.sample, args.recipients), replace=False)
    reached, stats = engine(data, parts, township_ids)
    area = T.AreaSet(parts)
    villages = T.villages_in(area, data["villages"], data["village_ids"])
    slow = naive(data["lon"][sample], data["lat"][sample], data["home"][sample], parts, villages)
    assert np.array_equal(slow, reached[sample]), "the engine and the per-recipient loop disagree"
    assert sum(r for r, _, _ in stats.values()) == reached.sum()
    print(f"reached {reached.sum():,} of {args.recipients:,} ({reached.mean():.1%}); {len(villages)} villages in "
          f"the area; grid {area._nx}×{area._ny} cells, {area.crossed_cells:,} crossed by an edge; the engine "
          f"matches the loop on all {len(sample):,} sampled recipients")

    scale = args.recipients / len(sample)
    rows = []
    for i in range(args.pairs):
        fast, _ = timed(engine, data, parts, township_ids)
        contains_only, _ = timed(area.contains, data["lon"], data["lat"])
        loop, _ = timed(naive, data["lon"][sample], data["lat"][sample], data["home"][sample], parts, villages)
        loop *= scale
        rows.append((fast, contains_only, loop))
        print(f"  pair {i + 1}: engine {fast * 1000:7.1f} ms (contains alone {contains_only * 1000:6.1f} ms)   "
              f"loop {loop * 1000:9.0f} ms (extrapolated ×{scale:g})   ratio {loop / fast:7.0f}×", flush=True)
    fast = statistics.median(r[0] for r in rows)
    contains_only = statistics.median(r[1] for r in rows)
    loop = statistics.median(r[2] for r in rows)
    ratios = [r[2] / r[0] for r in rows]
    print(f"median for {args.recipients:,} recipients: engine {fast * 1000:.1f} ms (AreaSet + villages + reach + "
          f"coverage; contains() alone {contains_only * 1000:.1f} ms), naive loop {loop:.1f} s extrapolated from "
          f"{len(sample):,}, ratio {statistics.median(ratios):.0f}× (min {min(ratios):.0f}×, max {max(ratios):.0f}×)")
    print(f"target ≤ 1,000 ms for 1,000,000 recipients: {'met' if fast * 1e6 / args.recipients <= 1 else 'NOT MET'}")

    x, y = data["lon"][located], data["lat"][located]
    union = shapely.union_all(parts)
    shapely.prepare(union)
    print(f"other strategies, once each, the {located.sum():,} located points:")
    grid, expected = timed(area.contains, x, y)
    print(f"  engine grid + exact test of crossed cells        {grid * 1000:8.1f} ms")
    plain, mask = timed(shapely.intersects_xy, union, x, y)
    assert np.array_equal(mask, expected)
    print(f"  intersects_xy on the prepared union, every point {plain * 1000:8.1f} ms")
    build, points = timed(shapely.points, x, y)
    query, hits = timed(STRtree(shapely.get_parts(union)).query, points, "intersects")
    assert np.array_equal(np.isin(np.arange(len(x)), hits[0]), expected)
    print(f"  STRtree(area parts).query(points, intersects)    {query * 1000:8.1f} ms "
          f"+ {build * 1000:.0f} ms to make the point geometries")
    tree_build, tree = timed(STRtree, points)
    query, hits = timed(tree.query, union, "intersects")
    assert len(hits) == expected.sum()
    print(f"  STRtree(points).query(area, intersects)          {query * 1000:8.1f} ms "
          f"+ {tree_build * 1000:.0f} ms to build the tree (+ the point geometries)")
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")


if __name__ == "__main__":
    main()
