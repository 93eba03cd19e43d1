"""OSM tags that decide whether a fire engine gets through: maxheight / maxwidth / maxweight values, and barrier
nodes (rules in data/barriers.toml, with the source of each).

A value that cannot be read is never turned into a number: it is reported as a warning (counted by kind in the
import report) and the limit stays unknown (NaN, no limit), except `below_default`, whose clearance is known to
be below the legal maximum but not by how much: it takes the profile's `below_default_maxheight_m`.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BARRIERS_FILE = Path(__file__).parent / "data" / "barriers.toml"

FOOT = 0.3048
INCH = 0.0254
POUND_T = 0.00045359237
SHORT_TON_T = 0.90718474
# Plausible ranges: a value outside is a tagging error, not a limit (a 40 m "maxheight" is centimetres typed as m).
RANGES = {"height": (0.5, 10.0), "width": (0.5, 10.0), "weight": (0.1, 200.0)}
NO_LIMIT = {"none", "no", "default", "unsigned", "no_sign", "no_indications"}

_METRIC = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|cm|meters?|metres?)?$")
_FEET = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:'|ft|feet|′)\s*(?:(\d+(?:\.\d+)?)\s*(?:\"|in|inch|inches|″|''))?$")
_WEIGHT = re.compile(r"^(\d+(?:\.\d+)?)\s*(t|kg|lbs?|st|tonnes?|tons?)?$")


@dataclass(frozen=True)
class Parsed:
    """A limit value: metres or tonnes (NaN: no limit or unknown) and, when the text was not usable, why."""

    value: float
    warning: str | None = None


def _value(text: str | None) -> str | Parsed:
    """The tag's value, lower-cased; or the answer itself when there is none, it is empty, or it means no limit."""
    if text is None:
        return Parsed(math.nan)
    value = str(text).strip().lower()
    if not value:
        return Parsed(math.nan, "空值")
    return Parsed(math.nan) if value in NO_LIMIT else value


def parse_length_m(text: str | None, kind: str = "height", below_default_m: float = 3.0) -> Parsed:
    """maxheight / maxwidth: "3.5", "3.5 m", "350 cm", "12'6\\"", "12 ft" → metres; "none" / "default" → no limit;
    "below_default" → below_default_m, with a warning; anything else → NaN with a warning."""
    value = _value(text)
    if isinstance(value, Parsed):
        return value
    if value == "below_default":
        return Parsed(below_default_m, f"below_default（按 {below_default_m:g} 米计）")
    metres = None
    match = _METRIC.match(value)
    if match:
        metres = float(match.group(1)) / (100.0 if match.group(2) == "cm" else 1.0)
    else:
        match = _FEET.match(value.replace(" ", ""))
        if match:
            metres = float(match.group(1)) * FOOT + float(match.group(2) or 0) * INCH
    if metres is None:
        return Parsed(math.nan, "无法识别")
    return _checked(metres, kind)


def parse_weight_t(text: str | None) -> Parsed:
    """maxweight: "7.5", "7.5 t", "7500 kg", "20000 lbs", "10 st" (short tons) → tonnes; "none" → no limit."""
    value = _value(text)
    if isinstance(value, Parsed):
        return value
    match = _WEIGHT.match(value)
    if not match:
        return Parsed(math.nan, "无法识别")
    number, unit = float(match.group(1)), match.group(2) or "t"
    factor = {"kg": 0.001, "lb": POUND_T, "lbs": POUND_T, "st": SHORT_TON_T}.get(unit, 1.0)
    return _checked(number * factor, "weight")


def _checked(number: float, kind: str) -> Parsed:
    low, high = RANGES[kind]
    if not low <= number <= high:
        return Parsed(math.nan, f"超出合理范围（{low:g}～{high:g}）")
    return Parsed(number)


KEY_KINDS = {"maxheight": "height", "maxheight:physical": "height", "maxwidth": "width",
             "maxwidth:physical": "width", "maxweight": "weight"}
LIMIT_NAMES = ("maxheight", "maxweight", "maxwidth")


def limits(tags, below_default_m: float = 3.0) -> tuple[tuple[float, float, float], list[str]]:
    """(maxheight m, maxweight t, maxwidth m) of a way or node (NaN: no limit; the legal and the :physical
    value, the lower counts) and its warnings as "key=value：why" strings."""
    found = {"height": math.nan, "weight": math.nan, "width": math.nan}
    warnings = []
    for key, kind in KEY_KINDS.items():
        text = tags.get(key)
        if text is None:
            continue
        parsed = parse_weight_t(text) if kind == "weight" else parse_length_m(text, kind, below_default_m)
        if parsed.warning:
            warnings.append(f"{key}={text}：{parsed.warning}")
        if not math.isnan(parsed.value):
            found[kind] = parsed.value if math.isnan(found[kind]) else min(found[kind], parsed.value)
    return (found["height"], found["weight"], found["width"]), warnings


# --- barriers ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BarrierRules:
    blocked_access: frozenset[str]
    open_access: frozenset[str]
    types: dict  # barrier value → (passable, delay_s)
    default: tuple[bool, float]


@lru_cache(maxsize=4)
def barrier_rules(path: str | Path = BARRIERS_FILE) -> BarrierRules:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    types = {name: (bool(rule["passable"]), float(rule.get("delay_s", 0))) for name, rule in data["types"].items()}
    default = data.get("default", {})
    return BarrierRules(frozenset(data.get("blocked_access", [])), frozenset(data.get("open_access", [])), types,
                        (bool(default.get("passable", False)), float(default.get("delay_s", 0))))


def barrier(tags, rules: BarrierRules | None = None) -> tuple[bool, float]:
    """(passable by a fire engine, delay seconds) of a barrier node's tags (see data/barriers.toml)."""
    rules = rules or barrier_rules()
    kind = tags.get("barrier")
    passable, delay = rules.types.get(kind, rules.default)
    emergency = tags.get("emergency")
    if emergency in ("yes", "designated", "permissive"):
        return True, delay
    if emergency == "no":
        return False, 0.0
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        value = tags.get(key)
        if value is not None:
            if value in rules.blocked_access:
                return False, 0.0
            if value in rules.open_access:
                return True, delay
            break
    return passable, delay if passable else 0.0
