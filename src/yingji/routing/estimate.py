"""The travel estimate every query returns, and the straight-line fallback used when there is no road network.

The fallback is great-circle distance × a detour factor (YINGJI_DETOUR_FACTOR, default 1.4) at a set speed
(YINGJI_STRAIGHT_LINE_SPEED_KMH, default 40): the same environment variables as the Django settings, read
here without Django. Its label is always "估算(直线)", so no one mistakes it for a route.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .graph import haversine_m

NETWORK = "路网"
STRAIGHT_LINE = "估算(直线)"
MIXED = f"{NETWORK}+{STRAIGHT_LINE}"


@dataclass(frozen=True)
class Estimate:
    """Seconds and metres per target (NaN where there is none, with the reason in `reasons`).

    `method` is one label for the whole answer: "路网" when every number comes from the road network,
    "估算(直线)" when none does, "路网+估算(直线)" when some targets fell back (then see `methods`).
    The first three fields match the Django dispatch code's Estimate(seconds, metres, method).
    """

    seconds: np.ndarray
    metres: np.ndarray
    method: str
    methods: tuple[str, ...] = ()
    snap_m: np.ndarray | None = None  # per target: distance from the target to its road node (NaN if not snapped)
    origin_snap_m: float = float("nan")  # the single point's distance to its road node
    reasons: tuple[str | None, ...] = ()
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready: numbers rounded (s to 0.1, m to 1), NaN as None."""
        def num(value, digits):
            return None if value is None or not np.isfinite(value) else round(float(value), digits)

        n = len(self.seconds)
        return {"method": self.method, "origin_snap_m": num(self.origin_snap_m, 1), "targets": [
            {"seconds": num(self.seconds[i], 1), "metres": num(self.metres[i], 1),
             "method": self.methods[i] if self.methods else self.method,
             "snap_m": num(self.snap_m[i], 1) if self.snap_m is not None else None,
             "reason": self.reasons[i] if self.reasons else None} for i in range(n)]}


def straight_line_config() -> tuple[float, float]:
    """(detour factor, speed km/h) from the environment, as the Django settings read them."""
    detour = float(os.environ.get("YINGJI_DETOUR_FACTOR", "1.4"))
    speed = float(os.environ.get("YINGJI_STRAIGHT_LINE_SPEED_KMH", "40"))
    return detour, speed


def straight_line(lon: float, lat: float, lons, lats, detour: float | None = None,
                  speed_kmh: float | None = None, reason: str | None = None) -> Estimate:
    """Great-circle distance × detour factor at a speed: a labelled estimate, not a route."""
    env_detour, env_speed = straight_line_config()
    detour = env_detour if detour is None else detour
    speed_kmh = env_speed if speed_kmh is None else speed_kmh
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    metres = haversine_m(lons, lats, lon, lat) * detour
    seconds = metres / (speed_kmh / 3.6)
    n = len(lons)
    return Estimate(seconds, metres, STRAIGHT_LINE, (STRAIGHT_LINE,) * n, np.full(n, np.nan), float("nan"),
                    (reason,) * n if reason else (None,) * n,
                    {"detour_factor": detour, "speed_kmh": speed_kmh})
