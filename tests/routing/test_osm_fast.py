"""The fast OSM reader (issue 17 item 6) gives exactly what the per-way pyosmium loop gave: same nodes, edges,
seconds and metres on the fixtures; and the compiled PBF decoder reads what pyosmium reads."""

import numpy as np
import pytest

from yingji.routing import osmread
from yingji.routing.osm import read_osm
from yingji.routing.pbf import PbfError
from yingji.routing.profile import load_profile

from .conftest import osm_xml
from .legacy_osm import read_osm_legacy
from .test_osm import NODES, WAYS

FIELDS = ("osm_id", "lon", "lat", "src", "dst", "time_ms", "length_dm", "urban")


def assert_same(new, old):
    for name in FIELDS:
        assert np.array_equal(getattr(new, name), getattr(old, name)), name
    assert (new.ways_read, new.ways_used, new.skipped, new.segments_outside) == \
        (old.ways_read, old.ways_used, old.skipped, old.segments_outside)


@pytest.mark.parametrize("bbox", [None, (24.940, 60.166, 24.950, 60.176)])
@pytest.mark.parametrize("fixture", ["helsinki_pbf", "test_pbf"])
def test_pbf_reader_matches_the_legacy_loop(fixture, bbox, request):
    path = request.getfixturevalue(fixture)
    new, old = read_osm(path, load_profile(), bbox=bbox), read_osm_legacy(path, load_profile(), bbox=bbox)
    assert len(new.src) > 0 or fixture == "test_pbf"  # test.osm.pbf lies outside the Helsinki box
    assert_same(new, old)


def test_xml_reader_matches_the_legacy_loop(tmp_path):
    path = tmp_path / "toy.osm"
    path.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    for area in ("urban", "auto"):
        assert_same(read_osm(path, load_profile(), area=area), read_osm_legacy(path, load_profile(), area=area))


def test_polygon_import_matches_the_legacy_loop(helsinki_pbf):
    box = (24.940, 60.166, 24.950, 60.176)
    polygon = {"type": "Polygon", "coordinates": [[[box[0], box[1]], [box[2], box[1]], [box[2], box[3]],
                                                   [box[0], box[1]]]]}  # a triangle: the polygon test matters
    assert_same(read_osm(helsinki_pbf, load_profile(), polygon=polygon),
                read_osm_legacy(helsinki_pbf, load_profile(), polygon=polygon))


def test_compiled_pbf_decoder_reads_what_pyosmium_reads(helsinki_pbf):
    fast, slow = osmread.read_pbf(helsinki_pbf), osmread.read_osmium(helsinki_pbf)
    for name in ("node_id", "node_x", "node_y", "way_id", "way_count", "refs"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert len(fast.node_id) == 24260 and len(fast.way_id) == 2650
    fast_tags = {(int(w), fast.pairs[p]) for w, p in zip(fast.tag_way, fast.tag_pair, strict=True)}
    slow_tags = {(int(w), slow.pairs[p]) for w, p in zip(slow.tag_way, slow.tag_pair, strict=True)}
    assert fast_tags == slow_tags and len(fast_tags) > 4000
    assert fast.node_tags == slow.node_tags and len(fast.node_tags) > 150  # barriers, signals


def test_combos_group_equal_tag_sets():
    raw = osmread.RawOsm(node_id=np.zeros(0, np.int64), node_x=np.zeros(0, np.int32), node_y=np.zeros(0, np.int32),
                         way_id=np.arange(4), way_count=np.zeros(4, np.int64), refs=np.zeros(0, np.int64),
                         tag_way=np.array([0, 0, 1, 1, 2, 3, 3]), tag_pair=np.array([0, 1, 1, 0, 2, 2, 1]),
                         pairs=[("highway", "primary"), ("oneway", "yes"), ("highway", "service")])
    sets, inverse = osmread.combos(raw)
    assert inverse[0] == inverse[1] != inverse[2] != inverse[3]  # tag order within a way does not matter
    assert sets[inverse[0]] == {"highway": "primary", "oneway": "yes"}
    assert sets[inverse[3]] == {"highway": "service", "oneway": "yes"} and len(sets) == 3


def test_a_broken_pbf_is_refused_in_chinese(tmp_path, helsinki_pbf):
    from yingji.routing.graph import GraphError
    from yingji.routing.osm import import_osm

    broken = tmp_path / "broken.osm.pbf"
    data = helsinki_pbf.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(GraphError, match="无法读取 OSM 文件"):
        import_osm(broken, "broken", var_dir=tmp_path)
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"\x00\x00\xff\xffnot a pbf at all")
    with pytest.raises(GraphError, match="无法读取 OSM 文件"):
        import_osm(junk, "junk", var_dir=tmp_path)
    assert issubclass(PbfError, ValueError)


def test_negative_coordinates_round_like_osmium(tmp_path):
    """West and south of 0°: the decoder truncates toward zero as libosmium does."""
    import osmium
    from osmium.osm import mutable

    path = tmp_path / "west.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    points = [(-73.9857123, 40.7484405), (-0.0000001, -0.0000001), (-179.9999999, -89.9999999), (151.2093, -33.8688)]
    for i, (lon, lat) in enumerate(points, start=1):
        writer.add_node(mutable.Node(id=i, location=(lon, lat), tags={"barrier": "gate"} if i == 2 else {}))
    writer.add_way(mutable.Way(id=1, nodes=[1, 2, 3, 4], tags={"highway": "residential"}))
    writer.close()
    fast, slow = osmread.read_pbf(path), osmread.read_osmium(path)
    for name in ("node_id", "node_x", "node_y", "refs"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert fast.node_tags == slow.node_tags == {2: {"barrier": "gate"}}
    assert fast.node_x[0] == -739857123 and fast.node_y[2] == -899999999


def test_corrupt_blocks_never_read_out_of_bounds(helsinki_pbf):
    """The compiled decoder does not check array bounds itself: every length is checked against its message,
    so random damage gives an error flag or garbage values, never a read or write outside the arrays."""
    from yingji.routing import pbf

    data = next(pbf._inflate(blob) for kind, blob in pbf._blobs(helsinki_pbf) if kind == "OSMData")
    rng = np.random.default_rng(17)
    outcomes = set()
    for trial in range(300):
        buf = np.frombuffer(data, dtype=np.uint8).copy()
        if trial % 3 == 0:
            buf = buf[: rng.integers(1, len(buf))]  # cut anywhere
        else:
            spots = rng.integers(0, len(buf), size=rng.integers(1, 40))
            buf[spots] = rng.integers(0, 256, size=len(spots))
        result = pbf.decode_block(buf)
        outcomes.add(bool(result[-1]))
        if not result[-1]:  # whatever was decoded stays within the block
            assert len(result[4]) <= len(buf) and len(result[10]) <= len(buf)
    assert outcomes == {True, False}


def test_a_pbf_with_damaged_blocks_is_refused_not_crashed(tmp_path, helsinki_pbf):
    """Valid zlib around damaged block content: a Chinese GraphError, whatever the damage."""
    import struct
    import zlib

    from yingji.routing import pbf
    from yingji.routing.graph import GraphError
    from yingji.routing.osm import import_osm

    rng = np.random.default_rng(5)
    failures = 0
    for trial in range(12):
        out = bytearray()
        for kind, blob in pbf._blobs(helsinki_pbf):
            data = bytearray(pbf._inflate(blob))
            if kind == "OSMData":
                spots = rng.integers(0, len(data), size=20)
                data[spots[0]:spots[0] + 1] = bytes([rng.integers(0, 256)])
                for spot in spots[1:]:
                    data[spot] = rng.integers(0, 256)
            body = b"\x10" + _varint(len(data)) + b"\x1a" + _varint(len(packed := zlib.compress(bytes(data))))
            body += packed
            name = kind.encode()
            header = b"\x0a" + _varint(len(name)) + name + b"\x18" + _varint(len(body))
            out += struct.pack(">I", len(header)) + header + body
        path = tmp_path / f"damaged{trial}.osm.pbf"
        path.write_bytes(bytes(out))
        try:
            import_osm(path, f"damaged{trial}", var_dir=tmp_path)
        except GraphError as exc:
            failures += 1
            assert "OSM 文件" in str(exc) or "没有可通行的道路" in str(exc)
    assert failures > 0


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_restrictions_read_in_the_same_pass_match_pyosmium(helsinki_pbf):
    """turns.py's relations from the compiled reader's pass equal its own pyosmium reading (Helsinki: 45)."""
    from yingji.routing.restrictions import read_relations, relations_from_raw

    fast = relations_from_raw(osmread.read_pbf(helsinki_pbf))
    slow = read_relations(helsinki_pbf)
    assert fast[0] == slow[0] and len(fast[0]) > 30 and fast[2] == slow[2] and fast[2]["relations"] == 45
    assert fast[1] == slow[1] and len(fast[1]) == 80  # every way they name is a highway way here


def test_pbf_import_applies_the_same_restrictions_as_before(helsinki_pbf, tmp_path, monkeypatch):
    from yingji.routing import osm
    from yingji.routing.osm import import_osm

    fast = import_osm(helsinki_pbf, "fast", var_dir=tmp_path)
    real = osm.read_osm

    def without_relations(*args, **kwargs):  # the reader as before: turns.py reads the file itself
        edges = real(*args, **kwargs)
        edges.raw = None
        return edges

    monkeypatch.setattr(osm, "read_osm", without_relations)
    slow = import_osm(helsinki_pbf, "slow", var_dir=tmp_path)
    assert fast.turns == slow.turns and fast.turns["applied"] >= 25
