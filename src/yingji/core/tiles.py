"""Offline base map: raster tiles read from one MBTiles or PMTiles file (YINGJI_MAP_TILES_FILE) and served by
the app at /map/tiles/<z>/<x>/<y>.<ext>, for intranets without a tile server.

- MBTiles (.mbtiles): SQLite, table `tiles(zoom_level, tile_column, tile_row, tile_data)` with rows counted from
  the south (TMS): row = 2^z − 1 − y. `metadata(name, value)` gives format, minzoom, maxzoom, attribution.
- PMTiles v3 (.pmtiles): read with the `pmtiles` package (pure Python, memory-mapped).

Raster only (png, jpg, webp): Leaflet draws raster tiles natively; vector tiles (pbf/MVT) would need a
vector-tile renderer in the browser, which Yingji does not ship, so such a file is refused with a message.
"""

import gzip
import hashlib
import mmap
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

RASTER = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_ALIASES = {"jpeg": "jpg", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class TileFileError(Exception):
    """The configured file is missing, unreadable or not raster (message in Chinese for the page)."""


@dataclass(frozen=True)
class TileInfo:
    format: str  # png / jpg / webp
    min_zoom: int
    max_zoom: int
    attribution: str
    bounds: tuple | None  # (w, s, e, n) in degrees, when the file says


def _format(value: str, path: Path) -> str:
    value = (value or "").strip().lower()
    value = _ALIASES.get(value, value)
    if value in ("pbf", "mvt", "application/x-protobuf"):
        raise TileFileError(f"{path.name} 是矢量瓦片（pbf）：地图只能显示栅格瓦片（png/jpg/webp），请改用栅格瓦片包。")
    if value not in RASTER:
        raise TileFileError(f"{path.name} 的瓦片格式“{value or '未注明'}”不受支持（支持 png、jpg、webp）。")
    return value


def _bounds(value):
    try:
        west, south, east, north = (float(part) for part in str(value).split(","))
    except (TypeError, ValueError):
        return None
    return west, south, east, north


class MBTiles:
    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()  # one read-only connection per server thread
        metadata = dict(self._connection().execute("SELECT name, value FROM metadata").fetchall())
        zooms = self._connection().execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        self.info = TileInfo(
            format=_format(metadata.get("format", "png"), path),
            min_zoom=int(metadata.get("minzoom", zooms[0] or 0)), max_zoom=int(metadata.get("maxzoom", zooms[1] or 18)),
            attribution=metadata.get("attribution", ""), bounds=_bounds(metadata.get("bounds")))

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
                connection.execute("SELECT 1 FROM tiles LIMIT 1")
            except sqlite3.Error as exc:
                raise TileFileError(f"无法读取瓦片文件 {self.path.name}：{exc}") from exc
            self._local.connection = connection
        return connection

    def get(self, z: int, x: int, y: int) -> bytes | None:
        row = self._connection().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row else None


class PMTiles:
    def __init__(self, path: Path):
        from pmtiles.reader import Reader
        from pmtiles.tile import Compression, TileType

        self.path = path
        try:
            self._file = open(path, "rb")
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            self.reader = Reader(lambda offset, length: self._map[offset:offset + length])
            header = self.reader.header()
            metadata = self.reader.metadata()
        except Exception as exc:  # the pmtiles reader raises several types for a damaged file
            raise TileFileError(f"无法读取瓦片文件 {path.name}：{exc}") from exc
        kind = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp", TileType.MVT: "pbf"}.get(
            header["tile_type"], str(header["tile_type"].name).lower())
        self.gzipped = header["tile_compression"] == Compression.GZIP
        e7 = 10_000_000
        self.info = TileInfo(
            format=_format(kind, path), min_zoom=header["min_zoom"], max_zoom=header["max_zoom"],
            attribution=metadata.get("attribution", "") if isinstance(metadata, dict) else "",
            bounds=(header["min_lon_e7"] / e7, header["min_lat_e7"] / e7, header["max_lon_e7"] / e7,
                    header["max_lat_e7"] / e7))

    def get(self, z: int, x: int, y: int) -> bytes | None:
        data = self.reader.get(z, x, y)
        if data and self.gzipped:
            data = gzip.decompress(data)
        return data


_open: dict = {}
_lock = threading.Lock()


def tile_file(path: str | Path):
    """The reader of the configured file, opened once per (path, size, mtime): replacing the file takes effect
    without a restart."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise TileFileError(f"找不到瓦片文件 {path}。") from exc
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key not in _open:
            _open.clear()
            suffix = path.suffix.lower()
            if suffix == ".mbtiles":
                _open[key] = MBTiles(path)
            elif suffix == ".pmtiles":
                _open[key] = PMTiles(path)
            else:
                raise TileFileError(f"瓦片文件须为 .mbtiles 或 .pmtiles：{path.name}")
        return _open[key]


def configured():
    """The reader of YINGJI_MAP_TILES_FILE, or None when the setting is empty."""
    from django.conf import settings

    path = getattr(settings, "YINGJI_MAP_TILES_FILE", "")
    return tile_file(path) if path else None


def etag(data: bytes) -> str:
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
