"""CAP 1.2 (OASIS Common Alerting Protocol) with the GB/T 35965.1-2018 profile: pure, no Django.

The warnings app builds its messages, validates them and imports external ones through exactly this API:

Codes and time (GB/T 35965.1 附录A):
- ``sender_code(region_code, institution="000", unit="000", ext="00") -> str``: 发布单位代码 ZZZZZZDDDUUUXX
  (14 digits; a 9/12-digit 统计用区划代码 gives its first 6 digits). Chinese ValueError otherwise.
- ``identifier(sender_code, when, n) -> str``: ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N, Beijing time, N 0–9.
- ``parse_identifier(text) -> IdentifierParts`` (sender_code, region_code, institution, unit, ext, when, n).
- ``format_time(dt) -> "YYYY-MM-DDThh:mm:ss+08:00"`` (aware datetimes only); ``BEIJING`` tzinfo.
- ``level_profile(level) -> LevelProfile`` (level, roman Ⅰ–Ⅳ, warning_level 一级–四级, colour 红色…, colour_en,
  urgency, severity, certainty) from data/gbt35965_1_2018_levels.csv.
- ``category_for(event_code) -> str``: the CAP <category> for a GB/T 35561 code (11B03 → "Met").

Model (dataclasses, model.py): ``Alert`` (identifier, sender, sent, status, msg_type, scope, …, references:
list[Reference], infos: list[Info]) → ``Info`` (event, categories, level 1–4, urgency/severity/certainty — None
means "from the level", language "zh-CN", event_codes [("GB/T 35561", "11B03")], effective/onset/expires,
sender_name, headline, description, instruction, web, contact, parameters, resources, areas) → ``Area`` (desc,
polygons: [[(lat, lon), …, first point again]], circles: [(lat, lon, radius_km)], geocodes [("GB/T 2260",
"512022")]). ``alert.reference()`` gives the Reference a later Update/Cancel lists.

XML:
- ``build(alert) -> bytes``: CAP 1.2 XML, deterministic; raises ``CapError`` (a ValueError whose ``errors`` lists
  every reason in Chinese, naming the element) rather than emit a message that fails the checks or the XSD.
  The level travels as parameter 预警级别 = 红色/橙色/黄色/蓝色 and sets urgency/severity/certainty.
- ``validate(xml) -> list[str]``: XML safety, OASIS XSD (data/cap/CAP-v1.2.xsd, lxml only), then ``check``:
  identifier/sender characters, GB/T 35965.1 identifier and +08:00 and zh-CN and a GB/T 35561 eventCode when the
  sender is a 14-digit 发布单位代码, eventCode values in the GB/T 35561 table, polygons closed, ≥ 4 points and not
  crossing themselves (shapely), circles in range, expires after sent/effective/onset, references on our
  Update/Cancel. Empty list = valid.
- ``parse(xml, *, certificates=()) -> Alert``: import; refuses bad XML, DOCTYPE/entities (XXE, billion laughs),
  wrong namespaces (CAP 1.1/1.0 too), XSD or check failures with CapError. An XML-DSig <Signature> is verified
  with signxml against the given PEM certificates; unverifiable or broken signatures are refused.
- ``check(alert) -> list[str]``, ``polygon_errors(ring)``, ``circle_errors(circle)`` for form validation.
"""

from .checks import check, circle_errors, polygon_errors
from .model import Alert, Area, Info, Reference, Resource
from .profile import (
    BEIJING,
    EVENT_CODE_NAME,
    GEOCODE_NAME,
    LANGUAGE,
    LEVEL_PARAMETER,
    IdentifierParts,
    LevelProfile,
    category_for,
    format_time,
    identifier,
    level_from_severity,
    level_profile,
    parse_identifier,
    sender_code,
)
from .xmlio import NS, CapError, build, parse, validate

__all__ = [
    "BEIJING", "EVENT_CODE_NAME", "GEOCODE_NAME", "LANGUAGE", "LEVEL_PARAMETER", "NS",
    "Alert", "Area", "CapError", "IdentifierParts", "Info", "LevelProfile", "Reference", "Resource",
    "build", "category_for", "check", "circle_errors", "format_time", "identifier", "level_from_severity",
    "level_profile", "parse", "parse_identifier", "polygon_errors", "sender_code", "validate",
]
