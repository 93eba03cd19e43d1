"""Chinese web-map coordinate systems → CGCS2000/WGS84 (vectorised with numpy).

GCJ-02 (国测局坐标, used by AMap/Tencent and most phone map SDKs in China) shifts WGS84 by a
published polynomial; BD-09 (Baidu) adds a further rotation to GCJ-02. The reverse of the
GCJ-02 shift has no closed form: `gcj02_to_wgs84` inverts it by fixed-point iteration to
about 1e-9° (≈0.1 mm), far below GPS precision. For practical purposes CGCS2000 and WGS84
agree to a few centimetres, so Yingji treats them as one.

Points outside China's bounding box are not shifted (the shift only applies in China).
"""

import numpy as np

SYSTEMS = ("wgs84", "gcj02", "bd09")
SYSTEM_LABELS = {"wgs84": "CGCS2000/WGS84", "gcj02": "GCJ-02（高德、腾讯等）", "bd09": "BD-09（百度）"}
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 algorithm
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


def _in_china(lon, lat):
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _shift(lon, lat):
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 point(s)."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _shift(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, iterations=8):
    gcj_lon, gcj_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wgs_lon, wgs_lat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(iterations):  # converges by ~1e-3 per step: 8 steps reach float precision
        dlon, dlat = _shift(wgs_lon, wgs_lat)
        wgs_lon, wgs_lat = gcj_lon - dlon, gcj_lat - dlat
    return wgs_lon, wgs_lat


def bd09_to_gcj02(lon, lat):
    x, y = np.asarray(lon, dtype=float) - 0.0065, np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def to_wgs84(lon, lat, system: str):
    """Convert from `system` ("wgs84", "gcj02", "bd09") to WGS84; arrays in, arrays out."""
    if system == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if system == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    raise ValueError(f"未知坐标系“{system}”，可选：{'、'.join(SYSTEMS)}")


def from_wgs84(lon, lat, system: str):
    if system == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if system == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if system == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    raise ValueError(f"未知坐标系“{system}”，可选：{'、'.join(SYSTEMS)}")
