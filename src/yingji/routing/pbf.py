"""A streaming OSM PBF reader into numpy arrays: blobs inflated in Python (zlib, which releases the GIL), each
decompressed PrimitiveBlock decoded by one compiled (numba) pass over its protobuf bytes.

Why not pyosmium here: its Python objects cost ~1 µs per way and per node reference, and a 131 MB extract has
~10⁶ highway ways and ~10⁷ node references (osm.py's per-way loop took 12 of 13 s). Decoding the wire format
in one compiled loop per block leaves the time to zlib. Only what the road import needs is decoded: dense and
plain nodes (id, fixed-point lon/lat, tags) and ways (id, tags, node refs). Relations are skipped.

Reference: https://wiki.openstreetmap.org/wiki/PBF_Format (fileformat.proto, osmformat.proto). Coordinates are
rounded to osmium's 1e-7° fixed point exactly as libosmium does, so a .pbf read here and by pyosmium gives
the same numbers (tests compare the two).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:  # numba is a dependency; without it (or switched off) .pbf files go through pyosmium instead
    if os.environ.get("YINGJI_ROUTING_NO_NUMBA"):
        raise ImportError("numba switched off by YINGJI_ROUTING_NO_NUMBA")
    from numba import njit

    _NUMBA = True
except ImportError:  # pragma: no cover
    _NUMBA = False

    def njit(*args, **kwargs):
        return lambda fn: fn

try:  # ISA-L inflate: 2.6× less CPU than zlib on OSM blocks (measured, bench_osm_import.py); zlib otherwise
    from isal.isal_zlib import decompress as _zlib_decompress
    from isal.isal_zlib import error as _isal_error

    ZLIB_ERRORS = (zlib.error, _isal_error)
except ImportError:  # pragma: no cover
    _zlib_decompress = zlib.decompress
    ZLIB_ERRORS = (zlib.error,)

SUPPORTED_FEATURES = {"OsmSchema-V0.6", "DenseNodes", "HistoricalInformation"}


class PbfError(ValueError):
    """A file that is not a readable OSM PBF (the message is for the user, Chinese)."""


@njit(cache=True, nogil=True)
def _varint(buf, pos):
    """A protobuf varint at pos → (value, next pos); past the end of buf → (0, len + 1), never reading beyond."""
    n = buf.shape[0]
    result = np.uint64(0)
    shift = np.uint64(0)
    while True:
        if pos >= n or shift > np.uint64(63):
            return np.int64(0), n + 1
        b = buf[pos]
        pos += 1
        result |= np.uint64(b & 0x7F) << shift
        if b < 0x80:
            return np.int64(result), pos
        shift += np.uint64(7)


@njit(cache=True, nogil=True)
def _bad(length, pos, end):
    """A length-delimited field that does not fit in its enclosing message (a corrupt block)."""
    return length < 0 or pos + length > end


@njit(cache=True, nogil=True)
def _failed():
    e1 = np.empty(0, np.int64)
    return (np.empty((0, 2), np.int64), np.int64(0), np.int64(0), np.int64(0), e1, e1.copy(), e1.copy(),
            np.empty((0, 3), np.int64), e1.copy(), np.zeros(1, np.int64), e1.copy(), np.empty((0, 3), np.int64), True)


@njit(cache=True, nogil=True)
def _zigzag(v):
    u = np.uint64(v)
    return np.int64(u >> np.uint64(1)) ^ -np.int64(u & np.uint64(1))


@njit(cache=True, nogil=True)
def _skip(buf, pos, wire):
    if wire == 0:
        _, pos = _varint(buf, pos)
    elif wire == 1:
        pos += 8
    elif wire == 2:
        length, pos = _varint(buf, pos)
        pos = pos + length if length >= 0 else -1
    elif wire == 5:
        pos += 4
    else:
        pos = -1  # groups (3, 4) are not used by the OSM format
    return pos


@njit(cache=True, nogil=True)
def decode_block(buf):
    """One PrimitiveBlock → arrays. Returns (strings (start, end) pairs, granularity, lat_offset, lon_offset,
    nodes (id, lat, lon raw), node tags (node#, key sid, value sid), ways (id, refs start), refs,
    way tags (way#, key sid, value sid), error flag)."""
    n = buf.shape[0]
    cap = n + 1  # no field has more values than the block has bytes
    st = np.empty((cap // 2 + 1, 2), np.int64)
    n_st = 0
    node_id = np.empty(cap, np.int64)
    node_lat = np.empty(cap, np.int64)
    node_lon = np.empty(cap, np.int64)
    n_nodes = 0
    ntag = np.empty((cap // 2 + 1, 3), np.int64)
    n_ntag = 0
    way_id = np.empty(cap // 2 + 1, np.int64)
    way_start = np.empty(cap // 2 + 2, np.int64)
    n_ways = 0
    refs = np.empty(cap, np.int64)
    n_refs = 0
    wtag = np.empty((cap // 2 + 1, 3), np.int64)
    n_wtag = 0
    granularity, lat_offset, lon_offset = 100, 0, 0
    groups = np.empty((cap // 2 + 1, 2), np.int64)
    n_groups = 0
    pos = 0
    while pos < n:
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 1 and wire == 2:  # StringTable
            length, pos = _varint(buf, pos)
            if _bad(length, pos, n):
                return _failed()
            end = pos + length
            while pos < end:
                k2, pos = _varint(buf, pos)
                if (k2 >> 3) == 1 and (k2 & 7) == 2:
                    slen, pos = _varint(buf, pos)
                    if _bad(slen, pos, end):
                        return _failed()
                    st[n_st, 0] = pos
                    st[n_st, 1] = pos + slen
                    n_st += 1
                    pos += slen
                else:
                    pos = _skip(buf, pos, k2 & 7)
                    if pos < 0:
                        return _failed()
        elif field == 2 and wire == 2:  # PrimitiveGroup: decoded after the header fields (granularity …)
            length, pos = _varint(buf, pos)
            if _bad(length, pos, n):
                return _failed()
            groups[n_groups, 0] = pos
            groups[n_groups, 1] = pos + length
            n_groups += 1
            pos += length
        elif field == 17 and wire == 0:
            granularity, pos = _varint(buf, pos)
        elif field == 19 and wire == 0:
            lat_offset, pos = _varint(buf, pos)
        elif field == 20 and wire == 0:
            lon_offset, pos = _varint(buf, pos)
        else:
            pos = _skip(buf, pos, wire)
            if pos < 0:
                return _failed()
    way_start[0] = 0
    for g in range(n_groups):
        pos = groups[g, 0]
        gend = groups[g, 1]
        while pos < gend:
            key, pos = _varint(buf, pos)
            field, wire = key >> 3, key & 7
            if wire != 2:
                pos = _skip(buf, pos, wire)
                if pos < 0:
                    return _failed()
                continue
            length, pos = _varint(buf, pos)
            if _bad(length, pos, gend):
                return _failed()
            end = pos + length
            if field == 2:  # DenseNodes
                first = n_nodes
                kv_start = kv_end = 0
                while pos < end:
                    k2, pos = _varint(buf, pos)
                    f2, w2 = k2 >> 3, k2 & 7
                    if w2 == 2 and f2 in (1, 8, 9, 10):
                        plen, pos = _varint(buf, pos)
                        if _bad(plen, pos, end):
                            return _failed()
                        pend = pos + plen
                        if f2 == 10:
                            kv_start, kv_end = pos, pend
                            pos = pend
                            continue
                        i = first
                        acc = 0
                        while pos < pend:
                            v, pos = _varint(buf, pos)
                            acc += _zigzag(v)
                            if f2 == 1:
                                node_id[i] = acc
                            elif f2 == 8:
                                node_lat[i] = acc
                            else:
                                node_lon[i] = acc
                            i += 1
                        if i > n_nodes:
                            n_nodes = i
                    else:
                        pos = _skip(buf, pos, w2)
                        if pos < 0:
                            return _failed()
                p = kv_start
                node = first
                while p < kv_end:  # keys_vals: k v k v … 0 per node
                    k, p = _varint(buf, p)
                    if k == 0:
                        node += 1
                        continue
                    v, p = _varint(buf, p)
                    ntag[n_ntag, 0] = node
                    ntag[n_ntag, 1] = k
                    ntag[n_ntag, 2] = v
                    n_ntag += 1
            elif field == 1 or field == 3:  # Node or Way
                oid = 0
                lat = lon = 0
                keys_start = keys_end = vals_start = vals_end = 0
                refs_start = n_refs
                while pos < end:
                    k2, pos = _varint(buf, pos)
                    f2, w2 = k2 >> 3, k2 & 7
                    if f2 == 1 and w2 == 0:
                        oid, pos = _varint(buf, pos)
                        if field == 1:
                            oid = _zigzag(oid)
                    elif field == 1 and f2 == 8 and w2 == 0:
                        lat, pos = _varint(buf, pos)
                        lat = _zigzag(lat)
                    elif field == 1 and f2 == 9 and w2 == 0:
                        lon, pos = _varint(buf, pos)
                        lon = _zigzag(lon)
                    elif w2 == 2 and f2 in (2, 3) or (field == 3 and f2 == 8 and w2 == 2):
                        plen, pos = _varint(buf, pos)
                        if _bad(plen, pos, end):
                            return _failed()
                        if f2 == 2:
                            keys_start, keys_end = pos, pos + plen
                        elif f2 == 3:
                            vals_start, vals_end = pos, pos + plen
                        else:
                            pend = pos + plen
                            acc = 0
                            p = pos
                            while p < pend:
                                v, p = _varint(buf, p)
                                acc += _zigzag(v)
                                refs[n_refs] = acc
                                n_refs += 1
                        pos += plen
                    else:
                        pos = _skip(buf, pos, w2)
                        if pos < 0:
                            return _failed()
                if field == 1:
                    owner = n_nodes
                    node_id[n_nodes] = oid
                    node_lat[n_nodes] = lat
                    node_lon[n_nodes] = lon
                    n_nodes += 1
                else:
                    owner = n_ways
                    way_id[n_ways] = oid
                    n_ways += 1
                    way_start[n_ways] = n_refs
                    if refs_start > n_refs:
                        return _failed()
                pk, pv = keys_start, vals_start
                while pk < keys_end and pv < vals_end:
                    k, pk = _varint(buf, pk)
                    v, pv = _varint(buf, pv)
                    if field == 1:
                        ntag[n_ntag, 0] = owner
                        ntag[n_ntag, 1] = k
                        ntag[n_ntag, 2] = v
                        n_ntag += 1
                    else:
                        wtag[n_wtag, 0] = owner
                        wtag[n_wtag, 1] = k
                        wtag[n_wtag, 2] = v
                        n_wtag += 1
            pos = end
    return (st[:n_st].copy(), granularity, lat_offset, lon_offset, node_id[:n_nodes].copy(),
            node_lat[:n_nodes].copy(), node_lon[:n_nodes].copy(), ntag[:n_ntag].copy(), way_id[:n_ways].copy(),
            way_start[:n_ways + 1].copy(), refs[:n_refs].copy(), wtag[:n_wtag].copy(), False)


@njit(cache=True, nogil=True)
def decode_relations(buf, key_sid, value_sid):
    """The relations of one PrimitiveBlock tagged key_sid=value_sid (string-table indices of "type" and
    "restriction"; -1 when the block has no such string: nothing is kept). A second, cheap walk: other
    messages are skipped whole. Returns (ids, tags (relation#, key sid, value sid), member starts, member
    types (0 node, 1 way, 2 relation), member refs, member role sids, error flag)."""
    n = buf.shape[0]
    cap = n // 2 + 2
    rel_id = np.empty(cap, np.int64)
    n_rel = 0
    rtag = np.empty((cap, 3), np.int64)
    n_rtag = 0
    mem_start = np.empty(cap + 1, np.int64)  # empty, not zeros: most blocks hold no relation
    mem_start[0] = 0
    mem_type = np.empty(n + 1, np.int64)
    mem_ref = np.empty(n + 1, np.int64)
    mem_role = np.empty(n + 1, np.int64)
    n_mem = 0
    fail = (rel_id[:0], rtag[:0], mem_start[:1], mem_type[:0], mem_ref[:0], mem_role[:0], True)
    pos = 0
    while pos < n:
        key, pos = _varint(buf, pos)
        if (key >> 3) != 2 or (key & 7) != 2:
            pos = _skip(buf, pos, key & 7)
            if pos < 0:
                return fail
            continue
        length, pos = _varint(buf, pos)
        if _bad(length, pos, n):
            return fail
        gend = pos + length
        while pos < gend:
            k1, pos = _varint(buf, pos)
            if (k1 >> 3) != 4 or (k1 & 7) != 2 or key_sid < 0 or value_sid < 0:
                pos = _skip(buf, pos, k1 & 7)
                if pos < 0:
                    return fail
                continue
            mlen, pos = _varint(buf, pos)
            if _bad(mlen, pos, gend):
                return fail
            end = pos + mlen
            oid = 0
            ks = ke = vs = ve = rs = re_ = ms = me = ts = te = 0
            while pos < end:
                k2, pos = _varint(buf, pos)
                f2, w2 = k2 >> 3, k2 & 7
                if f2 == 1 and w2 == 0:
                    oid, pos = _varint(buf, pos)
                elif w2 == 2 and (f2 == 2 or f2 == 3 or f2 == 8 or f2 == 9 or f2 == 10):
                    plen, pos = _varint(buf, pos)
                    if _bad(plen, pos, end):
                        return fail
                    if f2 == 2:
                        ks, ke = pos, pos + plen
                    elif f2 == 3:
                        vs, ve = pos, pos + plen
                    elif f2 == 8:
                        rs, re_ = pos, pos + plen
                    elif f2 == 9:
                        ms, me = pos, pos + plen
                    else:
                        ts, te = pos, pos + plen
                    pos += plen
                else:
                    pos = _skip(buf, pos, w2)
                    if pos < 0:
                        return fail
            pos = end
            wanted = False
            pk, pv = ks, vs
            while pk < ke and pv < ve:
                k, pk = _varint(buf, pk)
                v, pv = _varint(buf, pv)
                if k == key_sid and v == value_sid:
                    wanted = True
                    break
            if not wanted:
                continue
            pk, pv = ks, vs
            while pk < ke and pv < ve:
                k, pk = _varint(buf, pk)
                v, pv = _varint(buf, pv)
                rtag[n_rtag, 0] = n_rel
                rtag[n_rtag, 1] = k
                rtag[n_rtag, 2] = v
                n_rtag += 1
            acc = 0
            while rs < re_ and ms < me and ts < te:
                role, rs = _varint(buf, rs)
                delta, ms = _varint(buf, ms)
                kind, ts = _varint(buf, ts)
                acc += _zigzag(delta)
                mem_role[n_mem] = role
                mem_ref[n_mem] = acc
                mem_type[n_mem] = kind
                n_mem += 1
            rel_id[n_rel] = oid
            n_rel += 1
            mem_start[n_rel] = n_mem
    return (rel_id[:n_rel].copy(), rtag[:n_rtag].copy(), mem_start[:n_rel + 1].copy(), mem_type[:n_mem].copy(),
            mem_ref[:n_mem].copy(), mem_role[:n_mem].copy(), False)


_RESTRICTION = None


def _restriction_sids(buf, strings) -> tuple[int, int]:
    """String-table indices of "type" and "restriction" in this block (-1 where absent)."""
    global _RESTRICTION
    if _RESTRICTION is None:
        _RESTRICTION = Patterns(["type", "restriction"])
    codes = match_strings(buf, strings, _RESTRICTION.bytes, _RESTRICTION.starts)
    found = [np.flatnonzero(codes == i) for i in (0, 1)]
    return tuple(int(f[0]) if len(f) else -1 for f in found)


@njit(cache=True, nogil=True)
def match_strings(buf, strings, patterns, starts):
    """For each string-table entry, the index of the pattern it equals (patterns[starts[i]:starts[i + 1]]),
    or -1: the block's keys are recognised in one compiled pass, without decoding its strings in Python."""
    out = np.full(strings.shape[0], -1, np.int32)
    n_patterns = starts.shape[0] - 1
    for s in range(strings.shape[0]):
        a, b = strings[s, 0], strings[s, 1]
        for p in range(n_patterns):
            pa, pb = starts[p], starts[p + 1]
            if pb - pa != b - a:
                continue
            same = True
            for k in range(b - a):
                if buf[a + k] != patterns[pa + k]:
                    same = False
                    break
            if same:
                out[s] = p
                break
    return out


class Patterns:
    """A fixed list of strings (keys, a few values) to recognise in every block's string table."""

    def __init__(self, words):
        self.words = list(words)
        encoded = [w.encode("utf-8") for w in self.words]
        self.bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)
        self.starts = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int64)
        self.index = {w: i for i, w in enumerate(self.words)}

    def codes(self, block) -> np.ndarray:
        return match_strings(block.buf, block.strings, self.bytes, self.starts)


@dataclass
class Block:
    """A decoded PrimitiveBlock: strings by index, nodes with osmium's 1e-7° fixed-point coordinates."""

    data: bytes  # the decompressed block; string i is data[strings[i, 0]:strings[i, 1]]
    buf: np.ndarray  # the same bytes as uint8
    strings: np.ndarray
    node_id: np.ndarray
    node_x: np.ndarray  # lon × 1e7, int32 (as osmium.Location.x)
    node_y: np.ndarray
    node_tags: np.ndarray  # (k, 3): node index in this block, key index, value index
    way_id: np.ndarray
    way_start: np.ndarray  # refs of way i: refs[way_start[i]:way_start[i + 1]]
    refs: np.ndarray
    way_tags: np.ndarray  # (k, 3): way index in this block, key index, value index
    compressed_size: int = 0
    relations: tuple | None = None  # decode_relations() without its error flag, when the block has any


def _message(buf, pos: int, end: int) -> dict[int, list]:
    """A small protobuf message (headers, blobs) in plain Python: field → [values] (bytes or int)."""
    fields: dict[int, list] = {}
    while pos < end:
        key, pos = _py_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _py_varint(buf, pos)
        elif wire == 2:
            length, pos = _py_varint(buf, pos)
            value = bytes(buf[pos:pos + length])
            pos += length
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise PbfError(f"无法识别的 protobuf 字段类型 {wire}")
        fields.setdefault(field, []).append(value)
    return fields


def _py_varint(buf, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _blobs(path: Path) -> Iterator[tuple[str, bytes]]:
    """(type, Blob message bytes) of every block in the file, read sequentially."""
    with open(path, "rb") as handle:
        while True:
            head = handle.read(4)
            if not head:
                return
            if len(head) < 4:
                raise PbfError("文件在块头处截断")
            (size,) = struct.unpack(">I", head)
            if size > 64 * 1024:
                raise PbfError("块头长度超过 64 KiB，不是 OSM PBF 文件")
            header = _message(handle.read(size), 0, size)
            kind = header.get(1, [b""])[0].decode("utf-8", "replace")
            datasize = header.get(3, [0])[0]
            data = handle.read(datasize)
            if len(data) < datasize:
                raise PbfError("文件在数据块处截断")
            yield kind, data


def _inflate(blob: bytes) -> bytes:
    fields = _message(blob, 0, len(blob))
    if 1 in fields:
        return fields[1][0]
    if 3 in fields:
        return _zlib_decompress(fields[3][0])
    if 4 in fields:
        import lzma

        return lzma.decompress(fields[4][0])
    raise PbfError("数据块使用了不支持的压缩方式（仅支持 zlib、lzma 或未压缩）")


def _decode(kind_and_blob) -> Block | None:
    kind, blob = kind_and_blob
    data = _inflate(blob)
    if kind == "OSMHeader":
        header = _message(data, 0, len(data))
        missing = {f.decode("utf-8", "replace") for f in header.get(4, [])} - SUPPORTED_FEATURES
        if missing:
            raise PbfError(f"文件需要不支持的特性：{'、'.join(sorted(missing))}")
        return None
    if kind != "OSMData":
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    (st, granularity, lat_offset, lon_offset, node_id, lat, lon, ntag, way_id, way_start, refs, wtag,
     error) = decode_block(buf)
    if error:
        raise PbfError("数据块格式错误")
    n_strings = len(st)
    for rows, owners in ((ntag, len(node_id)), (wtag, len(way_id))):
        if len(rows) and (rows[:, 1:].max() >= n_strings or rows.min() < 0 or rows[:, 0].max() >= owners):
            raise PbfError("数据块中的标签引用了不存在的字符串或对象")
    if len(refs) and (np.diff(way_start) < 0).any():
        raise PbfError("数据块格式错误")
    rels = decode_relations(buf, *_restriction_sids(buf, st))
    if rels[-1]:
        raise PbfError("数据块中的关系格式错误")
    if len(rels[0]) and ((rels[1][:, 1:].max(initial=0) >= n_strings) or rels[5].max(initial=0) >= n_strings):
        raise PbfError("数据块中的关系引用了不存在的字符串")
    return Block(data, buf, st, node_id, _fixed(lon, granularity, lon_offset), _fixed(lat, granularity, lat_offset),
                 ntag, way_id, way_start, refs, wtag, len(blob), rels[:-1] if len(rels[0]) else None)


def string(block: Block, index: int) -> str:
    start, end = block.strings[index]
    return block.data[start:end].decode("utf-8", "replace")


def _fixed(raw: np.ndarray, granularity: int, offset: int) -> np.ndarray:
    """Nanodegrees → osmium's int32 1e-7° (C++ integer division truncates toward zero)."""
    nano = np.int64(offset) + np.int64(granularity) * raw
    return (np.sign(nano) * (np.abs(nano) // 100)).astype(np.int32)


def blocks(path: str | Path, threads: int = 2) -> Iterator[Block]:
    """The file's data blocks in order, decoded `threads` at a time (zlib and the compiled loop release the GIL)."""
    path = Path(path)
    try:
        with ThreadPoolExecutor(max_workers=max(threads, 1)) as pool:
            pending = []
            for item in _blobs(path):
                pending.append(pool.submit(_decode, item))
                if len(pending) > 2 * threads:
                    block = pending.pop(0).result()
                    if block is not None:
                        yield block
            for future in pending:
                block = future.result()
                if block is not None:
                    yield block
    except (*ZLIB_ERRORS, IndexError, struct.error) as exc:
        raise PbfError(f"文件已损坏（{exc}）") from None


def available() -> bool:
    """Whether the compiled decoder can run (numba imported; YINGJI_ROUTING_NO_NUMBA switches it off)."""
    return _NUMBA


def is_pbf(path: str | Path) -> bool:
    return str(path).lower().endswith(".pbf")
