"""Checks beyond the XSD: the CAP 1.2 data dictionary's rules and the GB/T 35965.1 profile.

Every message names the element and says why, in Chinese. ``check(alert)`` returns them all (empty = good).
The GB/T 35965.1 profile (identifier format, zh-CN, a GB/T 35561 event code, +08:00, references on
Update/Cancel) applies when the sender is a 14-digit 发布单位代码, i.e. a Chinese CAP message such as ours;
messages of other senders (the OASIS examples, foreign feeds) get the CAP rules only.
"""

import math
from datetime import timedelta
from decimal import Decimal

import shapely

from .. import event_codes
from .model import Alert, Area, Info
from .profile import (
    EVENT_CODE_NAME,
    LANGUAGE,
    LEVEL_PARAMETER,
    SENDER_CODE,
    level_from_colour,
    parse_identifier,
)

URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
FORBIDDEN = (" ", ",", "<", "&")  # CAP 1.2: identifier and sender contain no spaces, commas, < or &


def _is_number(value) -> bool:
    """A finite int, float or Decimal (database coordinates often arrive as Decimal); not a bool or text."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and math.isfinite(value)


def _at(element: str, where: str) -> str:
    return f"<{element}>（{where}）" if where else f"<{element}>"


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def is_profile(alert: Alert) -> bool:
    return bool(SENDER_CODE.match(alert.sender or ""))


def _plain(value: str, element: str) -> list[str]:
    if not value:
        return [f"<{element}>：不能为空。"]
    bad = [c for c in FORBIDDEN if c in value]
    if bad:
        shown = "、".join("空格" if c == " " else c for c in bad)
        return [f"<{element}>“{value}”：CAP 1.2 不允许含有{shown}。"]
    return []


def polygon_errors(ring, where: str = "") -> list[str]:
    """A CAP polygon: ≥ 4 (lat, lon) points, first == last, in range, not crossing itself."""
    name = _at("polygon", where)
    points = [tuple(p) for p in ring]
    if len(points) < 4:
        return [f"{name}：多边形至少需要 4 个坐标点（首尾相同），实际 {len(points)} 个。"]
    if any(len(p) != 2 or not all(_is_number(v) for v in p) for p in points):
        return [f"{name}：每个坐标点应为（纬度, 经度）两个数。"]
    if any(not (-90 <= lat <= 90 and -180 <= lon <= 180) for lat, lon in points):
        return [f"{name}：坐标超出范围（纬度 −90～90，经度 −180～180）。"]
    if points[0] != points[-1]:
        return [f"{name}：多边形未闭合，第一个点 {points[0]} 与最后一个点 {points[-1]} 应相同。"]
    polygon = shapely.Polygon([(lon, lat) for lat, lon in points])
    if not shapely.is_valid(polygon):
        reason = shapely.is_valid_reason(polygon)
        what = "边自相交（如“8”字形）" if "Self-intersection" in reason or "Ring Self" in reason else "不是有效的多边形"
        return [f"{name}：{what}（{reason}）。"]
    if polygon.area == 0:
        return [f"{name}：面积为零。"]
    return []


def circle_errors(circle, where: str = "") -> list[str]:
    name = _at("circle", where)
    if len(circle) != 3 or not all(_is_number(v) for v in circle):
        return [f"{name}：圆应为（纬度, 经度, 半径 km）。"]
    lat, lon, radius = circle
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return [f"{name}：圆心坐标超出范围（纬度 −90～90，经度 −180～180）。"]
    if radius < 0:
        return [f"{name}：半径不能为负数（{radius} km）。"]
    return []


def _area(area: Area, where: str, profile: bool) -> list[str]:
    errors = [] if area.desc.strip() else [f"{_at('areaDesc', where)}：区域描述不能为空。"]
    for i, ring in enumerate(area.polygons, 1):
        errors += polygon_errors(ring, _join(where, f"第 {i} 个多边形"))
    for i, circle in enumerate(area.circles, 1):
        errors += circle_errors(circle, _join(where, f"第 {i} 个圆"))
    for name, value in area.geocodes:
        if name == "GB/T 2260" and (len(value) not in (6, 9, 12) or not value.isdigit()):
            errors.append(f"{_at('geocode', where)}：GB/T 2260 区划代码“{value}”应为 6、9 或 12 位数字。")
    if profile and not (area.polygons or area.circles or area.geocodes):
        errors.append(f"{_at('area', where)}：应至少给出多边形、圆或区划代码之一，否则无法确定发布范围。")
    return errors


def _times(alert: Alert, info: Info, where: str, profile: bool) -> list[str]:
    named = [("sent", alert.sent), ("effective", info.effective), ("onset", info.onset), ("expires", info.expires)]
    naive = [f"{_at(n, where)}：时间“{t}”缺少时区，CAP 时间必须带时区（北京时间 +08:00）。"
             for n, t in named if t is not None and (t.tzinfo is None or t.utcoffset() is None)]
    if naive:
        return naive
    errors = []
    if profile:
        errors += [f"{_at(n, where)}：须为北京时间（+08:00），实际时区 {t.utcoffset()}。"
                   for n, t in named if t is not None and t.utcoffset() != timedelta(hours=8)]
    if info.expires is not None:
        for name, when in named[:3]:
            if when is not None and info.expires <= when:
                errors.append(f"{_at('expires', where)}：失效时间 {info.expires.isoformat()} 应晚于 <{name}> "
                              f"{when.isoformat()}。")
    return errors


def _info(alert: Alert, info: Info, where: str, profile: bool) -> list[str]:
    errors = []
    if not info.event.strip():
        errors.append(f"{_at('event', where)}：事件类型不能为空。")
    for element, value, allowed in (("urgency", info.urgency, URGENCY), ("severity", info.severity, SEVERITY),
                                    ("certainty", info.certainty, CERTAINTY)):
        if value is None:
            errors.append(f"{_at(element, where)}：缺少取值，请给出预警级别（1–4）或直接填写 {'/'.join(allowed)} 之一。")
        elif value not in allowed:
            errors.append(f"{_at(element, where)}：“{value}”不是 CAP 1.2 的取值（{'/'.join(allowed)}）。")
    codes = [value for name, value in info.event_codes if name == EVENT_CODE_NAME]
    for value in codes:
        if value.strip().upper() not in event_codes.table():
            errors.append(f"{_at('eventCode', where)}：“{value}”不在 GB/T 35561 事件分类表中。")
    if profile:
        if not codes:
            errors.append(f"{_at('eventCode', where)}：缺少 valueName 为“{EVENT_CODE_NAME}”的事件代码。")
        if not info.areas:
            errors.append(f"{_at('area', where)}：缺少发布区域。")
    if any(name == LEVEL_PARAMETER for name, _ in info.parameters):
        errors.append(f"{_at('parameter', where)}：“{LEVEL_PARAMETER}”应由 Info.level 给出，不要放在 parameters 中。")
    if info.level is not None and info.level not in (1, 2, 3, 4):
        errors.append(f"{_at('parameter', where)}：预警级别“{info.level}”应为 1–4（红/橙/黄/蓝）。")
    errors += _times(alert, info, where, profile)
    for i, area in enumerate(info.areas, 1):
        errors += _area(area, _join(where, f"第 {i} 个区域“{area.desc}”"), profile)
    return errors


def check(alert: Alert) -> list[str]:
    """Every rule the XSD cannot express. Empty list: the message may be built or accepted."""
    profile = is_profile(alert)
    errors = _plain(alert.identifier, "identifier") + _plain(alert.sender, "sender")
    if profile and not errors:
        try:
            parts = parse_identifier(alert.identifier)
        except ValueError as exc:
            errors.append(str(exc))
        else:
            if parts.sender_code != alert.sender:
                errors.append(f"<identifier>“{alert.identifier}”：前 14 位应为发布单位代码 <sender>“{alert.sender}”。")
    if alert.scope == "Restricted" and not alert.restriction:
        errors.append("<restriction>：scope 为 Restricted 时必须说明限制规则。")
    if alert.scope == "Private" and not alert.addresses:
        errors.append("<addresses>：scope 为 Private 时必须给出接收方。")
    if alert.msg_type in ("Update", "Cancel") and profile and not alert.references:
        errors.append(f"<references>：{alert.msg_type} 消息必须引用被更新或撤销的原消息。")
    for ref in alert.references:
        errors += [e.replace("<identifier>", "<references> 中的标识").replace("<sender>", "<references> 中的发送方")
                   for e in _plain(ref.identifier, "identifier") + _plain(ref.sender, "sender")]
        if ref.identifier == alert.identifier and ref.sender == alert.sender:
            errors.append("<references>：消息不能引用它自己。")
    if profile and alert.infos and not any(info.language == LANGUAGE for info in alert.infos):
        found = "、".join(info.language for info in alert.infos)
        errors.append(f"<language>：至少一个 info 应为 {LANGUAGE}（GB/T 35965.1），实际 {found}。")
    for i, info in enumerate(alert.infos, 1):
        errors += _info(alert, info, f"第 {i} 个 info" if len(alert.infos) > 1 else "", profile)
    return errors


def level_of(parameters) -> int | None:
    """The level from a 预警级别 parameter ("橙色" → 2), None if absent; ValueError if unreadable."""
    for name, value in parameters:
        if name == LEVEL_PARAMETER:
            try:
                return level_from_colour(value)
            except ValueError:
                raise ValueError(f"<parameter>“{LEVEL_PARAMETER}”的值“{value}”无效：应为红色、橙色、黄色或蓝色。") from None
    return None
