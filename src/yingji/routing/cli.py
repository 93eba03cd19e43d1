"""`yingji roads …`: import an OSM extract, travel times, isochrones, coverage and siting, without Django.

The engine is imported inside each command, so listing the `yingji` commands stays fast.
"""

import csv
import json
import sys
from pathlib import Path

import click


@click.group("roads")
def roads():
    """路网：导入 OSM、行车时间、等时圈、消防站覆盖、站点选址。"""


def _var_dir():
    from .graph import default_var_dir

    return default_var_dir()


def _point(text: str, option: str) -> tuple[float, float, str | None]:
    parts = [p.strip() for p in str(text).split(",")]
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        raise click.BadParameter(f"“{text}”不是 经度,纬度（英文逗号分隔），如 105.03,30.28。", param_hint=option) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"“{text}”超出范围：经度须在 -180～180，纬度须在 -90～90。", param_hint=option)
    return lon, lat, (",".join(parts[2:]) or None)


def _graph(name: str | None, required: bool = True):
    from .api import load
    from .graph import GraphError

    if name is None:
        if required:
            raise click.ClickException("请用 --name 指定路网名称（yingji roads list 列出已导入的路网）。")
        return None
    try:
        graph = load(name, _var_dir())
    except GraphError as exc:
        raise click.ClickException(str(exc)) from None
    if graph is None:
        raise click.ClickException(f"未找到路网“{name}”（{_var_dir() / 'roads' / name}）。请先运行 "
                                   f"yingji roads import 文件.osm.pbf --name {name}。")
    return graph


def _read_points(path: str, what: str, with_value: bool = False) -> list[tuple]:
    """Points from GeoJSON (FeatureCollection of Points) or CSV with lon/lat (经度/纬度) columns."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise click.ClickException(f"无法读取{what}文件 {path}：{exc.strerror or exc}") from None
    rows = []
    if file.suffix.lower() in (".json", ".geojson"):
        try:
            data = json.loads(text)
            for feature in data["features"]:
                lon, lat = feature["geometry"]["coordinates"][:2]
                props = feature.get("properties") or {}
                value = props.get("population", props.get("count", 1)) if with_value else props.get("name")
                rows.append((float(lon), float(lat), value))
        except (ValueError, KeyError, TypeError) as exc:
            raise click.ClickException(f"{what}文件 {path} 不是点要素的 GeoJSON FeatureCollection：{exc}") from None
        return rows
    reader = csv.DictReader(text.splitlines())
    keys = {k.strip().lower(): k for k in reader.fieldnames or []}
    lon_key = next((keys[k] for k in ("lon", "longitude", "经度", "x") if k in keys), None)
    lat_key = next((keys[k] for k in ("lat", "latitude", "纬度", "y") if k in keys), None)
    value_key = next((keys[k] for k in (("population", "count", "人口") if with_value else ("name", "名称"))
                      if k in keys), None)
    if lon_key is None or lat_key is None:
        raise click.ClickException(f"{what}文件 {path} 须有经度、纬度列（表头 lon,lat 或 经度,纬度）。")
    for line, row in enumerate(reader, start=2):
        try:
            value = row.get(value_key) if value_key else (1 if with_value else None)
            rows.append((float(row[lon_key]), float(row[lat_key]), float(value) if with_value else value))
        except (TypeError, ValueError):
            raise click.ClickException(f"{what}文件 {path} 第 {line} 行的经纬度或数值无效。") from None
    return rows


def _echo_json(data):
    click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=_jsonable))


def _jsonable(value):
    import math

    import numpy as np

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


class _progress:
    """A progress bar on a terminal (stages: reading, building, saving; the reading share of the file in %);
    otherwise plain lines: each stage, and the reading progress every 25 % (logs of a long import)."""

    STAGES = 3

    def __init__(self, label: str):
        self.label = label
        self.stage = None
        self.bar = None
        self.quarter = 0

    def __enter__(self):
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=self.STAGES, label=self.label, file=sys.stderr, show_pos=False,
                                         show_percent=False, item_show_func=lambda item: item or "").__enter__()
        else:
            click.echo(f"{self.label}…", err=True)
        return self

    def __call__(self, stage: str, done: int, total: int | None):
        if stage != self.stage:
            if self.bar is not None and self.stage is not None:
                self.bar.update(1)
            elif self.bar is None:
                click.echo(f"  · {stage}", err=True)
            self.stage = stage
        if self.bar is not None:
            self.bar.update(0, f"{stage} {done:,}" if total is None else f"{stage} {100 * done // max(total, 1)}%")
        elif total and total > 1 and 4 * done // total > self.quarter and done < total:
            self.quarter = 4 * done // total
            click.echo(f"    {stage} {25 * self.quarter}%", err=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            if exc[0] is None:
                self.bar.update(self.STAGES)
            self.bar.__exit__(*exc)


@roads.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="路网名称，保存到 $YINGJI_VAR_DIR/roads/名称/")
@click.option("--bbox", default=None, help="只导入此范围：西,南,东,北（经纬度）")
@click.option("--polygon", default=None, type=click.Path(dir_okay=False), help="只导入此区域：GeoJSON 边界文件")
@click.option("--profile", default=None, type=click.Path(dir_okay=False), help="速度配置 TOML（默认内置消防车配置）")
@click.option("--area", type=click.Choice(["auto", "urban", "rural"]), default="auto", show_default=True,
              help="城区/乡村速度：按路网密度自动判定，或全部按城区/乡村")
@click.option("--no-turn-restrictions", "no_restrictions", is_flag=True, help="不读取转向限制关系（禁左、禁掉头等）")
@click.option("--turn-costs", is_flag=True, help="计入转向耗时（掉头、左转），路网约扩大为 2～3 倍")
@click.option("--u-turn-s", default=30.0, show_default=True, help="掉头耗时（秒，配合 --turn-costs）")
@click.option("--left-turn-s", default=6.0, show_default=True, help="路口左转耗时（秒，穿越对向车流）")
@click.option("--right-turn-s", default=0.0, show_default=True, help="路口右转耗时（秒）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出导入报告")
def import_(file, name, bbox, polygon, profile, area, no_restrictions, turn_costs, u_turn_s, left_turn_s,
            right_turn_s, as_json):
    """导入 OSM 路网文件（.osm.pbf），只保留最大强连通分量。"""
    from .graph import GraphError
    from .osm import import_osm, parse_bbox
    from .profile import ProfileError
    from .turns import TurnOptions

    try:
        box = parse_bbox(bbox) if bbox else None
        turns = TurnOptions(restrictions=not no_restrictions, costs=turn_costs, u_turn_s=u_turn_s,
                            left_turn_s=left_turn_s, right_turn_s=right_turn_s)
        with _progress(f"导入路网 {name}") as progress:
            report = import_osm(file, name, var_dir=_var_dir(), bbox=box, polygon=polygon, profile=profile,
                                area=area, progress=progress, turns=turns)
    except (GraphError, ProfileError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(report.as_dict())
        return
    g = report.graph
    click.echo(f"路网“{name}”：节点 {g.nodes:,} 个，有向边 {g.edges:,} 条，道路 {g.road_km:,.1f} km"
               f"（城区占 {report.urban_share * 100:.0f}%），用时 {report.seconds:.1f} s")
    click.echo(f"读取道路 {report.ways_read:,} 条，采用 {report.ways_used:,} 条；未采用："
               + ("、".join(f"{k} {v:,}" for k, v in report.skipped_ways.items()) or "无"))
    if report.segments_outside:
        click.echo(f"范围外路段 {report.segments_outside:,} 段已剔除")
    click.echo(f"丢弃（不在最大强连通分量内）：节点 {g.dropped_nodes:,} 个，有向边 {g.dropped_edges:,} 条，"
               f"道路 {g.dropped_km:,.2f} km，共 {max(g.components - 1, 0):,} 个分量")
    for part in g.dropped_components[:5]:
        click.echo(f"  · {part['nodes']} 个节点、{part['km']} km，约在 {part['lon']},{part['lat']}")
    _echo_turns(report.turns)
    for kind, label in (("blocked", "阻断"), ("passable", "可通行（加延时）")):
        found = report.barriers.get(kind) or {}
        if found:
            click.echo(f"路障{label}：" + "、".join(f"{k} {v}" for k, v in found.items()))
    if g.split_parallel_edges:
        click.echo(f"并行道路限值不同、保留较慢一条的路段 {g.split_parallel_edges:,} 条（在中点加节点）")
    click.echo(f"信号灯路口 {report.signals:,} 个；有限高/限重/限宽的路段："
               + "、".join(f"{k} {v:,}" for k, v in report.limited_edges.items()))
    if report.warnings:
        click.echo(f"限值标签警告 {sum(report.warnings.values()):,} 处（无法识别的按无限制处理，请核对 OSM 数据）：")
        for text, count in sorted(report.warnings.items(), key=lambda kv: -kv[1])[:10]:
            click.echo(f"  · {text}（{count} 处）")
    click.echo(f"内存峰值 {report.peak_rss_mib:,.0f} MiB；各阶段用时（秒）："
               + "、".join(f"{k} {v}" for k, v in report.stages.items()))
    click.echo(f"已保存到 {report.directory}")


def _echo_turns(turns: dict | None):
    """The import report's turn restriction lines: read, applied, skipped, and warnings with relation ids."""
    if not turns or turns.get("read") is False:
        click.echo("转向限制：未读取（--no-turn-restrictions）")
        return
    if not turns.get("relations"):
        click.echo("转向限制：文件中没有转向限制关系")
        return
    skipped = "、".join(f"{k} {v}" for k, v in turns.get("skipped", {}).items()) or "无"
    click.echo(f"转向限制：关系 {turns['relations']:,} 个，采用 {turns['applied']:,} 个（禁止转向 "
               f"{turns['forbidden_turns']:,} 处）；未采用：{skipped}")
    for label, count in turns.get("warnings", {}).items():
        ids = "、".join(str(i) for i in turns.get("examples", {}).get(label, []))
        click.echo(f"  ⚠ {label} {count} 个（关系 {ids}{' 等' if count > 5 else ''}），已跳过")


@roads.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def list_(as_json):
    """列出已导入的路网。"""
    from .api import networks

    rows = networks(_var_dir())
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("尚未导入路网。用 yingji roads import 文件.osm.pbf --name 名称 导入。")
    for row in rows:
        click.echo(f"{row['name']}  节点 {row['nodes']:,}  边 {row['edges']:,}  道路 {row['road_km']:,.1f} km  "
                   f"来源 {row['source']}  导入于 {row['created']}")


def _vehicle_options(fn):
    """--type/--height/--weight/--width: the vehicle whose size closes roads with lower limits."""
    for option in reversed([
        click.option("--type", "vehicle_type", default=None,
                     help="车型代码（如 ladder 云梯消防车，见 data/vehicles.toml），未给出的尺寸取其典型值"),
        click.option("--height", default=None, type=float, help="车高（米），高于道路限高的路段不走"),
        click.option("--weight", default=None, type=float, help="总质量（吨），超过道路限重的路段不走"),
        click.option("--width", default=None, type=float, help="车宽（米），超过道路限宽的路段不走")]):
        fn = option(fn)
    return fn


def _vehicle(vehicle_type, height, weight, width):
    from .vehicles import VehicleError, for_type, vehicle_size, vehicle_types

    try:
        if vehicle_type is not None:
            if vehicle_type not in vehicle_types():
                raise click.BadParameter(f"未知车型“{vehicle_type}”，可选：{'、'.join(vehicle_types())}。",
                                         param_hint="--type")
            return for_type(vehicle_type, height, weight, width)
        if height is None and weight is None and width is None:
            return None
        return vehicle_size(height, weight, width)
    except VehicleError as exc:
        raise click.BadParameter(str(exc), param_hint="--height/--weight/--width") from None


@roads.command("eta")
@click.option("--name", default=None, help="路网名称（不指定则按直线距离估算）")
@click.option("--from", "origin", required=True, help="出发点 经度,纬度")
@click.option("--to", "targets", multiple=True, required=True, help="目标点 经度,纬度（可重复）")
@click.option("--towards", is_flag=True, help="反向：计算从各目标点到出发点的时间（如各单位赶赴事发地）")
@click.option("--max-snap-m", default=2000.0, show_default=True, help="坐标距路网超过此距离（米）则拒绝")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@_vehicle_options
def eta(name, origin, targets, towards, max_snap_m, as_json, vehicle_type, height, weight, width):
    """行车时间（秒）与里程（米）：从出发点到每个目标点（可按车型尺寸避开限高、限重、限宽路段）。"""
    import numpy as np

    from .api import travel_from, travel_to
    from .graph import GraphError
    from .snap import OffNetworkError

    vehicle = _vehicle(vehicle_type, height, weight, width)
    graph = _graph(name, required=False)
    lon, lat, _ = _point(origin, "--from")
    points = [_point(t, "--to") for t in targets]
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    try:
        estimate = (travel_to if towards else travel_from)(graph, lon, lat, lons, lats, max_snap_m=max_snap_m,
                                                            vehicle=vehicle)
    except (OffNetworkError, GraphError) as exc:
        raise click.ClickException(str(exc)) from None
    data = estimate.as_dict()
    for row, (tlon, tlat, _) in zip(data["targets"], points, strict=True):
        row.update(lon=tlon, lat=tlat)
    data = {"network": name, "from": {"lon": lon, "lat": lat}, "direction": "to_origin" if towards else "from_origin",
            "vehicle": vehicle.__dict__ if vehicle else None, **data}
    if as_json:
        _echo_json(data)
    else:
        click.echo(f"方法：{estimate.method}" + (f"（出发点距路网 {data['origin_snap_m']} m）"
                                               if data["origin_snap_m"] is not None else ""))
        for row in data["targets"]:
            if row["seconds"] is None:
                click.echo(f"  {row['lon']},{row['lat']}：无结果（{row['reason']}）")
            else:
                click.echo(f"  {row['lon']},{row['lat']}：{row['seconds'] / 60:.1f} 分钟，{row['metres'] / 1000:.2f} km"
                           f"（{row['method']}）")


@roads.command("route")
@click.option("--name", default=None, help="路网名称（不指定则为直线）")
@click.option("--from", "origin", required=True, help="起点 经度,纬度")
@click.option("--to", "target", required=True, help="终点 经度,纬度")
@click.option("--max-snap-m", default=2000.0, show_default=True)
@_vehicle_options
def route_(name, origin, target, max_snap_m, vehicle_type, height, weight, width):
    """最快路线，输出 GeoJSON（LineString）；给出车型或尺寸时避开限高、限重、限宽路段。"""
    from .api import route
    from .graph import GraphError

    vehicle = _vehicle(vehicle_type, height, weight, width)
    graph = _graph(name, required=False)
    a, b = _point(origin, "--from")[:2], _point(target, "--to")[:2]
    try:
        result = route(graph, a, b, max_snap_m, vehicle=vehicle)
    except (GraphError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    _echo_json(result.geojson())


@roads.command("isochrone")
@click.option("--name", default=None, help="路网名称（不指定则为直线估算的圆）")
@click.option("--at", "center", required=True, help="中心点（如消防站）经度,纬度")
@click.option("--minutes", default=5.0, show_default=True)
@click.option("--towards", is_flag=True, help="反向：多少分钟内能赶到该点")
def isochrone_(name, center, minutes, towards):
    """等时圈：N 分钟内可到达的范围，输出 GeoJSON。"""
    from .api import isochrone
    from .graph import GraphError

    graph = _graph(name, required=False)
    lon, lat, _ = _point(center, "--at")
    try:
        _echo_json(isochrone(graph, lon, lat, minutes, reverse=towards))
    except (GraphError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


def _stations(station, stations_file):
    items = [_point(s, "--station") for s in station]
    if stations_file:
        items += _read_points(stations_file, "消防站")
    return [(lon, lat, name) for lon, lat, name in items]


@roads.command("coverage")
@click.option("--name", required=True, help="路网名称")
@click.option("--minutes", default=5.0, show_default=True, help="覆盖时间（分钟）")
@click.option("--station", multiple=True, help="消防站 经度,纬度[,名称]（可重复）")
@click.option("--stations", "stations_file", default=None, help="消防站文件：GeoJSON 点或 CSV（lon,lat,name）")
@click.option("--townships", default=None, help="乡镇边界 GeoJSON（properties：name、code、population）")
@click.option("--population", default=None, help="人口点文件：GeoJSON 点或 CSV（lon,lat,population）")
@click.option("--turnout-s", default=0.0, show_default=True, help="出动准备时间（秒），从覆盖时间中扣除")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def coverage_(name, minutes, station, stations_file, townships, population, turnout_s, as_json):
    """消防站覆盖：最近站点 N 分钟内可达的道路里程与人口比例（分乡镇），及未覆盖区域。"""
    from .api import coverage
    from .covering import townships_from_geojson
    from .graph import GraphError

    graph = _graph(name)
    stations = _stations(station, stations_file)
    if not stations:
        raise click.ClickException("请用 --station 经度,纬度 或 --stations 文件 给出消防站位置。")
    try:
        towns = townships_from_geojson(townships) if townships else None
        people = _read_points(population, "人口", with_value=True) if population else None
        report = coverage(graph, stations, minutes, towns, people, turnout_s=turnout_s)
    except GraphError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _echo_json(dict(report.as_dict(), network=name))
        return
    click.echo(f"{minutes:g} 分钟覆盖（出动准备 {turnout_s:g} s）：道路 {report.covered_road_km:,.1f} / "
               f"{report.road_km:,.1f} km（{report.road_pct}%）" + (
                   f"，人口 {report.population_pct}%" if report.population_pct is not None else ""))
    for row in report.stations:
        if not row["ok"]:
            click.echo(f"  ! {row['reason']}")
    for town in report.townships:
        click.echo(f"  {town.name}：道路 {town.road_pct}%" + (
            f"，人口 {town.population_pct}%" if town.population_pct is not None else ""))
    if report.uncovered:
        click.echo(f"未覆盖区域 {report.uncovered_total} 处，最大的几处：")
        for area in report.uncovered[:10]:
            click.echo(f"  · {area.township or ''} 约 {area.lon},{area.lat}：道路 {area.road_km} km，"
                       f"人口 {area.population:g}，最快 {area.nearest_seconds / 60:.1f} 分钟可达")


@roads.command("site")
@click.option("--name", required=True, help="路网名称")
@click.option("--k", "k", required=True, type=int, help="新建站点数")
@click.option("--minutes", default=5.0, show_default=True, help="覆盖时间（分钟）")
@click.option("--existing", multiple=True, help="已有消防站 经度,纬度（可重复），其已覆盖的需求先扣除")
@click.option("--stations", "stations_file", default=None, help="已有消防站文件：GeoJSON 点或 CSV")
@click.option("--candidates", "candidates_file", default=None, help="候选站址文件：GeoJSON 点或 CSV（默认取路口）")
@click.option("--townships", default=None, help="乡镇边界 GeoJSON（有 population 时以人口为需求，否则以道路里程）")
@click.option("--turnout-s", default=0.0, show_default=True, help="出动准备时间（秒）")
@click.option("--time-limit", default=60.0, show_default=True, help="精确求解时限（秒）")
@click.option("--no-exact", is_flag=True, help="只用贪心算法")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def site_(name, k, minutes, existing, stations_file, candidates_file, townships, turnout_s, time_limit, no_exact,
          as_json):
    """站点选址（最大覆盖模型）：选 K 处新站址，使 N 分钟内覆盖的需求最大。"""
    import numpy as np

    from .api import site, township_demand
    from .covering import townships_from_geojson
    from .graph import GraphError
    from .snap import snap

    graph = _graph(name)
    try:
        demand = None
        if townships:
            towns = townships_from_geojson(townships)
            if any(t.get("population") for t in towns):
                demand = township_demand(graph, towns)
        candidates = None
        if candidates_file:
            pts = _read_points(candidates_file, "候选站址")
            placed = snap(graph, [p[0] for p in pts], [p[1] for p in pts])
            if not placed.ok.any():
                raise click.ClickException("候选站址都不在路网附近（2 km 内），无法选址。")
            candidates = np.unique(placed.node[placed.ok])
        result = site(graph, k, minutes, candidates=candidates, demand=demand,
                      existing=_stations(existing, stations_file) or None, turnout_s=turnout_s,
                      time_limit_s=time_limit, run_exact=False if no_exact else None)
    except GraphError as exc:
        raise click.ClickException(str(exc)) from None
    data = dict(result.as_dict(), network=name)
    if as_json:
        _echo_json(data)
        return
    click.echo(f"候选 {result.candidates} 处，需求（{result.demand_label}）共 {result.demand_total:,.1f}，"
               f"已有站点已覆盖 {result.already_covered:,.1f}")
    for key, label in (("exact", "精确（HiGHS）"), ("greedy", "贪心")):
        sol = data[key]
        if sol is None:
            click.echo(f"{label}：未运行" + (f"（{result.exact_skipped}）" if result.exact_skipped else ""))
            continue
        click.echo(f"{label}：覆盖 {sol['covered']:,.2f}（合计 {sol['pct']}%），{sol['status']}，"
                   f"用时 {sol['seconds']:.2f} s")
        for lon, lat in sol["sites"]:
            click.echo(f"  · {lon:.6f},{lat:.6f}")


commands = [roads]
