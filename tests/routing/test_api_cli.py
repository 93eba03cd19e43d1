"""The public API's fallback and loading, and the `yingji roads` commands (click's CliRunner)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from yingji import routing
from yingji.routing.cli import roads
from yingji.routing.graph import haversine_m


def test_straight_line_fallback_is_labelled(monkeypatch):
    lons, lats = np.array([104.01, 104.1]), np.array([30.0, 30.1])
    estimate = routing.straight_line(104.0, 30.0, lons, lats)
    assert estimate.method == "估算(直线)" == routing.STRAIGHT_LINE
    metres = haversine_m(lons, lats, 104.0, 30.0) * 1.4
    np.testing.assert_allclose(estimate.metres, metres)
    np.testing.assert_allclose(estimate.seconds, metres / (40 / 3.6))
    monkeypatch.setenv("YINGJI_DETOUR_FACTOR", "1.2")
    monkeypatch.setenv("YINGJI_STRAIGHT_LINE_SPEED_KMH", "60")
    again = routing.straight_line(104.0, 30.0, lons, lats)
    np.testing.assert_allclose(again.metres, metres / 1.4 * 1.2)
    np.testing.assert_allclose(again.seconds, again.metres / (60 / 3.6))
    for result in (routing.travel_to(None, 104.0, 30.0, lons, lats), routing.travel_from(None, 104.0, 30.0, lons, lats),
                   routing.estimator(None)(104.0, 30.0, lons, lats)):
        assert result.method == "估算(直线)" and result.reasons[0] == routing.NO_NETWORK
    assert routing.estimator(None)(104.0, 30.0, lons, lats).as_dict()["targets"][0]["method"] == "估算(直线)"


def test_load_returns_none_then_the_cached_graph(helsinki_pbf, tmp_path):
    assert routing.load("absent", tmp_path) is None
    routing.import_osm(helsinki_pbf, "h", var_dir=tmp_path, bbox=(24.94, 60.166, 24.95, 60.176))
    first = routing.load("h", tmp_path)
    assert first is routing.load("h", tmp_path)  # cached per process
    routing.import_osm(helsinki_pbf, "h", var_dir=tmp_path)  # re-import: the next load sees the new network
    second = routing.load("h", tmp_path)
    assert second is not first and second.n_nodes > first.n_nodes and second.version != first.version
    assert [n["name"] for n in routing.networks(tmp_path)] == ["h"]


def test_the_dispatch_estimator_has_the_dispatch_shape(helsinki):
    # incidents.services.dispatch calls fn(lon, lat, lons: ndarray, lats: ndarray) → .seconds/.metres/.method
    fn = routing.estimator(helsinki)
    lons, lats = helsinki.lon[:3], helsinki.lat[:3]
    result = fn(float(helsinki.lon[50]), float(helsinki.lat[50]), lons, lats)
    assert result.seconds.shape == result.metres.shape == (3,) and result.method == "路网"
    assert int(result.seconds[0]) >= 0 and int(result.metres[0]) >= 0


@pytest.fixture
def cli(var_dir):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(roads, list(args), env={"YINGJI_VAR_DIR": str(var_dir)}, catch_exceptions=False)

    return run


def test_cli_import_json(cli, test_pbf):
    result = cli("import", str(test_pbf), "--name", "cli-small", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["graph"]["nodes"], data["graph"]["edges"], data["graph"]["dropped_nodes"]) == (779, 1514, 113)
    text = cli("import", str(test_pbf), "--name", "cli-small", "--bbox", "26.93,60.52,26.96,60.54")
    assert text.exit_code == 0 and "节点" in text.stdout and "丢弃" in text.stdout
    bad = cli("import", str(test_pbf), "--name", "x", "--bbox", "26.9,60.5")
    assert bad.exit_code == 1 and "西,南,东,北" in bad.output


def test_cli_import_reports_barriers_signals_memory_and_progress(cli, helsinki_pbf):
    result = cli("import", str(helsinki_pbf), "--name", "cli-helsinki")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "路障阻断：gate 7、block 2、lift_gate 2" in out and "路障可通行（加延时）：gate 16、lift_gate 3" in out
    assert "信号灯路口 133 个" in out and "maxheight 122" in out and "内存峰值" in out
    assert "· 读取 OSM" in result.stderr and "· 保存" in result.stderr  # stage lines when not on a terminal


def test_cli_eta_json(cli, helsinki):
    origin = f"{helsinki.lon[10]},{helsinki.lat[10]}"
    targets = [f"{helsinki.lon[i]},{helsinki.lat[i]}" for i in (20, 30)]
    result = cli("eta", "--name", "helsinki", "--from", origin, "--to", targets[0], "--to", targets[1], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["method"] == "路网" and len(data["targets"]) == 2
    expected = routing.travel_from(helsinki, helsinki.lon[10], helsinki.lat[10], helsinki.lon[[20, 30]],
                                   helsinki.lat[[20, 30]])
    for row, seconds, metres in zip(data["targets"], expected.seconds, expected.metres, strict=True):
        assert row["seconds"] == round(seconds, 1) and row["metres"] == round(metres, 1)
    towards = json.loads(cli("eta", "--name", "helsinki", "--from", origin, "--to", targets[0], "--towards",
                             "--json").stdout)
    assert towards["direction"] == "to_origin" and towards["targets"][0]["seconds"] > 0
    straight = json.loads(cli("eta", "--from", origin, "--to", targets[0], "--json").stdout)
    assert straight["method"] == "估算(直线)"


def test_cli_eta_refuses_off_network_origin_in_chinese(cli, helsinki):
    result = cli("eta", "--name", "helsinki", "--from", "25.5,60.5", "--to", f"{helsinki.lon[1]},{helsinki.lat[1]}")
    assert result.exit_code == 1 and "超过允许的 2.0 km" in result.output
    missing = cli("eta", "--name", "nowhere", "--from", "25.5,60.5", "--to", "25.5,60.5")
    assert missing.exit_code == 1 and "未找到路网“nowhere”" in missing.output
    bad = cli("eta", "--name", "helsinki", "--from", "abc", "--to", "25.5,60.5")
    assert bad.exit_code == 2 and "经度,纬度" in bad.output


def test_cli_coverage_and_site_json(cli, helsinki, tmp_path):
    station = f"{helsinki.lon[100]},{helsinki.lat[100]},一站"
    result = cli("coverage", "--name", "helsinki", "--minutes", "2", "--station", station, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = routing.coverage(helsinki, [(helsinki.lon[100], helsinki.lat[100])], 2)
    assert data["road_pct"] == expected.road_pct and data["stations"][0]["name"] == "一站"
    assert data["uncovered_total"] == expected.uncovered_total
    townships = tmp_path / "towns.geojson"
    townships.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "全城", "population": 1000}, "geometry": {
            "type": "Polygon", "coordinates": [[[24.9, 60.1], [25.0, 60.1], [25.0, 60.2], [24.9, 60.2],
                                                [24.9, 60.1]]]}}]}), encoding="utf-8")
    with_towns = json.loads(cli("coverage", "--name", "helsinki", "--station", station, "--townships",
                                str(townships), "--json").stdout)
    assert with_towns["townships"][0]["name"] == "全城" and with_towns["population"] == 1000
    none = cli("coverage", "--name", "helsinki")
    assert none.exit_code == 1 and "消防站位置" in none.output
    site = cli("site", "--name", "helsinki", "--k", "2", "--minutes", "1", "--json")
    assert site.exit_code == 0, site.output
    sited = json.loads(site.stdout)
    assert len(sited["exact"]["sites"]) == 2 and len(sited["greedy"]["sites"]) == 2
    assert sited["exact"]["covered"] >= sited["greedy"]["covered"] and sited["best"] in ("exact", "greedy")
    text = cli("site", "--name", "helsinki", "--k", "1", "--no-exact")
    assert text.exit_code == 0 and "精确（HiGHS）：未运行" in text.stdout


def test_cli_isochrone_route_and_list(cli, helsinki):
    at = f"{helsinki.lon[100]},{helsinki.lat[100]}"
    geometry = json.loads(cli("isochrone", "--name", "helsinki", "--at", at, "--minutes", "1").stdout)
    assert geometry["type"] in ("Polygon", "MultiPolygon") and geometry["method"] == "路网"
    feature = json.loads(cli("route", "--name", "helsinki", "--from", at, "--to",
                             f"{helsinki.lon[200]},{helsinki.lat[200]}").stdout)
    assert feature["geometry"]["coordinates"][0] == [helsinki.lon[100], helsinki.lat[100]]
    listed = json.loads(cli("list", "--json").stdout)
    assert "helsinki" in [row["name"] for row in listed]


def test_roads_is_a_yingji_command():
    from yingji.cli import main

    assert "roads" in main.commands
