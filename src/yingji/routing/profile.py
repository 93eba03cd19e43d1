"""Vehicle speed profile (消防车 by default): which OSM ways are drivable and how fast, urban and rural.

The profile lives in a TOML file (`data/fire_truck_profile.toml`, commented with its sources and
assumptions) so a bureau can calibrate it without touching code. `parse_maxspeed` turns an OSM
`maxspeed` value ("50", "50 mph", "RU:urban", "none", "walk", "30;50" …) into km/h.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PROFILE = Path(__file__).parent / "data" / "fire_truck_profile.toml"
PROFILE_FILENAME = "fire_truck_profile.toml"

MPH = 1.609344
KNOT = 1.852

# Implicit limits ("CC:type", see the OSM wiki page Key:maxspeed). Country-specific values first,
# then a generic value by type for any country not listed. km/h; None means "no limit" (→ the truck's max).
IMPLICIT_MAXSPEED: dict[str, float | None] = {
    "CN:urban": 50, "CN:rural": 70, "CN:motorway": 120, "CN:trunk": 100, "CN:living_street": 20,
    "RU:urban": 60, "RU:rural": 90, "RU:motorway": 110, "RU:living_street": 20,
    "DE:urban": 50, "DE:rural": 100, "DE:motorway": None, "DE:living_street": 7, "DE:bicycle_road": 30,
    "FI:urban": 50, "FI:rural": 80, "FI:motorway": 120,
    "FR:urban": 50, "FR:rural": 80, "FR:motorway": 130,
    "GB:nsl_single": 60 * MPH, "GB:nsl_dual": 70 * MPH, "GB:motorway": 70 * MPH,
    "US:urban": 25 * MPH, "US:rural": 55 * MPH,
    "JP:urban": 60, "JP:rural": 60, "JP:motorway": 100,
}
GENERIC_IMPLICIT: dict[str, float | None] = {
    "urban": 50, "rural": 80, "motorway": 120, "trunk": 100, "living_street": 20, "walk": 5,
    "nsl_single": 60 * MPH, "nsl_dual": 70 * MPH, "bicycle_road": 30, "school": 30,
}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")
_ZONE = re.compile(r"^[A-Za-z]{2}:zone:?(\d+)$")


def parse_maxspeed(value: str | None, *, no_limit: float | None = None) -> float | None:
    """An OSM maxspeed value in km/h, or None when absent or not a usable number.

    "50" → 50; "50 mph" → 80.47; "10 knots" → 18.52; "RU:urban" → 60; "XX:urban" → 50 (generic);
    "DE:zone30" / "DE:zone:30" → 30; "walk" → 5; "none" / "DE:motorway" → `no_limit`;
    "signals" / "variable" → None; "30;50" (several values) → the lowest.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if ";" in text or "|" in text:
        parsed = [parse_maxspeed(part, no_limit=no_limit) for part in re.split(r"[;|]", text)]
        numbers = [p for p in parsed if p is not None]
        return min(numbers) if numbers else None
    match = _NUMBER.match(text.lower())
    if match:
        speed = float(match.group(1))
        unit = match.group(2)
        if unit == "mph":
            speed *= MPH
        elif unit == "knots":
            speed *= KNOT
        return speed if speed > 0 else None
    lowered = text.lower()
    if lowered == "none":
        return no_limit
    if lowered == "walk":
        return 5.0
    zone = _ZONE.match(text)
    if zone:
        return float(zone.group(1))
    if ":" in text:
        country, kind = text.split(":", 1)
        key = f"{country.upper()}:{kind.lower()}"
        if key in IMPLICIT_MAXSPEED:
            speed = IMPLICIT_MAXSPEED[key]
            return no_limit if speed is None else float(speed)
        if kind.lower() in GENERIC_IMPLICIT:
            speed = GENERIC_IMPLICIT[kind.lower()]
            return no_limit if speed is None else float(speed)
    return None  # "signals", "variable", typos: fall back to the class speed


def area_hint(tags) -> str | None:
    """'urban' or 'rural' when the way says so (source:maxspeed=DE:urban, maxspeed:type, zone:traffic, maxspeed)."""
    for key in ("source:maxspeed", "maxspeed:type", "zone:traffic", "maxspeed"):
        value = tags.get(key)
        if value:
            lowered = str(value).lower()
            if "urban" in lowered:
                return "urban"
            if "rural" in lowered:
                return "rural"
    return None


@dataclass(frozen=True)
class Profile:
    """Speeds by highway class, urban and rural (km/h), and the rules around them."""

    name: str
    speeds_kmh: dict[str, tuple[float, float]]
    max_speed_kmh: float = 90.0
    maxspeed_factor: float = 0.8
    access_speed_kmh: float = 15.0
    respect_oneway: bool = True
    blocked_access: tuple[str, ...] = ("no",)
    urban_density_km_per_km2: float = 8.0
    traffic_signal_delay_s: float = 0.0  # added to every edge entering a highway=traffic_signals node
    emergency_oneway: bool = True  # oneway:emergency=no opens the other direction
    below_default_maxheight_m: float = 3.0  # maxheight=below_default: the clearance taken (unknown, < legal max)
    source: str = ""
    digest: str = field(default="", compare=False)

    @property
    def classes(self) -> list[str]:
        return list(self.speeds_kmh)

    def class_speed(self, highway: str, urban: bool) -> float:
        urban_kmh, rural_kmh = self.speeds_kmh[highway]
        return float(urban_kmh if urban else rural_kmh)

    def speed_kmh(self, highway: str, urban: bool, maxspeed: str | None = None) -> float:
        """The speed on one way: the tagged limit × factor when tagged, else the class speed; never above the truck's max."""
        limit = parse_maxspeed(maxspeed, no_limit=self.max_speed_kmh / self.maxspeed_factor)
        speed = limit * self.maxspeed_factor if limit is not None else self.class_speed(highway, urban)
        return float(min(speed, self.max_speed_kmh))

    def as_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "digest": self.digest,
                "max_speed_kmh": self.max_speed_kmh, "maxspeed_factor": self.maxspeed_factor,
                "access_speed_kmh": self.access_speed_kmh, "respect_oneway": self.respect_oneway,
                "blocked_access": list(self.blocked_access),
                "urban_density_km_per_km2": self.urban_density_km_per_km2,
                "traffic_signal_delay_s": self.traffic_signal_delay_s, "emergency_oneway": self.emergency_oneway,
                "below_default_maxheight_m": self.below_default_maxheight_m,
                "speeds_kmh": {k: list(v) for k, v in self.speeds_kmh.items()}}


class ProfileError(ValueError):
    """A profile file that cannot be used; the message is for the user (Chinese)."""


def load_profile(path: str | Path | None = None) -> Profile:
    """Read a profile TOML file (the bundled 消防车 profile when `path` is None)."""
    path = Path(path) if path is not None else DEFAULT_PROFILE
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"找不到速度配置文件 {path}。") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"速度配置文件 {path} 格式有误：{exc}") from None
    speeds = {}
    for highway, pair in (data.get("speeds_kmh") or {}).items():
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(v, int | float) and math.isfinite(v) and v > 0 for v in pair)):
            raise ProfileError(f"速度配置文件 {path}：speeds_kmh.{highway} 应为 [城区 km/h, 乡村 km/h] 两个正数，"
                               f"实际为 {pair!r}。")
        speeds[highway] = (float(pair[0]), float(pair[1]))
    if not speeds:
        raise ProfileError(f"速度配置文件 {path} 没有 [speeds_kmh] 表，至少需要一个道路等级。")
    numbers = {}
    for key, default in (("max_speed_kmh", 90.0), ("maxspeed_factor", 0.8), ("access_speed_kmh", 15.0),
                         ("urban_density_km_per_km2", 8.0), ("below_default_maxheight_m", 3.0)):
        value = data.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
            raise ProfileError(f"速度配置文件 {path}：{key} 应为正数，实际为 {value!r}。")
        numbers[key] = float(value)
    delay = data.get("traffic_signal_delay_s", 0.0)
    if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 600:
        raise ProfileError(f"速度配置文件 {path}：traffic_signal_delay_s 应为 0～600 之间的秒数，实际为 {delay!r}。")
    numbers["traffic_signal_delay_s"] = float(delay)
    return Profile(name=str(data.get("name", path.stem)), speeds_kmh=speeds,
                   respect_oneway=bool(data.get("respect_oneway", True)),
                   emergency_oneway=bool(data.get("emergency_oneway", True)),
                   blocked_access=tuple(str(v) for v in data.get("blocked_access", ["no"])),
                   source=str(path), digest=hashlib.sha256(raw).hexdigest()[:16], **numbers)


def find_profile(var_dir: str | Path | None) -> Path:
    """The profile an import uses by default: `<var>/roads/fire_truck_profile.toml` if present, else the bundled one."""
    if var_dir is not None:
        local = Path(var_dir) / "roads" / PROFILE_FILENAME
        if local.exists():
            return local
    return DEFAULT_PROFILE
