"""The backup archive: one gzip-compressed tar holding the database dumps, the uploaded files, the road networks
and, as its last member, manifest.json (the SHA-256 and size of every other member). Pure: no Django.

Why tar.gz rather than zip: it is written in one pass with no seeking (the manifest, made from the hashes taken
while writing, goes last), every server has `tar -tzf` to look inside one by hand, and file modes and times of the
uploads survive. A reader cannot trust anything before it has seen the manifest, so `extract_verified` unpacks
into a staging folder while hashing and compares at the end: a truncated file (no manifest, or a gzip stream that
ends early), a changed or extra member, or a missing one is refused before anything is restored.
"""

import hashlib
import io
import json
import os
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from .errors import BackupError

FORMAT = "yingji-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1 << 20
MANIFEST_LIMIT = 64 << 20  # a manifest lists files and tables; anything larger is not ours


class _HashingReader:
    """Hands tarfile the bytes of a file while hashing them (one read of each file)."""

    def __init__(self, stream):
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Writes PATH.partial and renames it to PATH once the manifest is in: PATH is never a half-written archive."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.files: dict[str, dict] = {}
        # 0600: the archive holds password hashes, tokens and phone numbers.
        self.raw = os.fdopen(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
        self.tar = tarfile.open(fileobj=self.raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT)

    def add_file(self, source: Path, name: str):
        info = self.tar.gettarinfo(str(source), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with open(source, "rb") as stream:
            reader = _HashingReader(stream)
            self.tar.addfile(info, reader)
        self.files[name] = {"sha256": reader.digest.hexdigest(), "size": reader.size}

    def add_tree(self, root: Path, prefix: str) -> int:
        """Every regular file under root as prefix/relative/path (symlinks are not followed); returns the count."""
        root, count = Path(root), 0
        if not root.is_dir():
            return 0
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                self.add_file(path, f"{prefix}/{path.relative_to(root).as_posix()}")
                count += 1
        return count

    def finish(self, manifest: dict) -> dict:
        manifest = {"format": FORMAT, **manifest, "files": self.files}
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o644
        info.mtime = int(os.path.getmtime(self.partial))
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        os.replace(self.partial, self.path)
        return manifest

    def abort(self):
        try:
            self.tar.close()
            self.raw.close()
        finally:
            self.partial.unlink(missing_ok=True)


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"备份归档含有不安全的路径“{name}”，已拒绝（归档被改动过？）。")
    return path


def extract_verified(archive: Path, staging: Path) -> dict:
    """Unpack every member under staging (hashing it), then check it all against the manifest; returns the
    manifest. Raises BackupError (Chinese) on a truncated, damaged, tampered or foreign archive."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份归档：{archive}")
    seen, manifest = {}, None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                _safe_name(member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"备份归档含有非普通文件“{member.name}”（链接或设备），已拒绝。")
                stream = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest = _read_manifest(stream, member.size)
                    continue
                seen[member.name] = _unpack(stream, staging / member.name, member.mtime)
            # Read the gzip stream to its end: its length and CRC-32 trailer catch a cut in the last bytes, which
            # tarfile alone takes for the end of the archive.
            while tar.fileobj.read(CHUNK):
                pass
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"备份归档已截断或损坏，无法读完（{exc}）。请换一个完整的备份文件。") from exc
    if manifest is None:
        raise BackupError("备份归档不完整：缺少清单 manifest.json（文件被截断，或不是 Yingji 的备份）。")
    _compare(manifest, seen)
    return manifest


def _read_manifest(stream, size: int) -> dict:
    if size > MANIFEST_LIMIT:
        raise BackupError("备份清单 manifest.json 大得异常，已拒绝。")
    try:
        manifest = json.loads(stream.read())
    except ValueError as exc:
        raise BackupError(f"备份清单 manifest.json 不是有效的 JSON（{exc}）。") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"不是 Yingji 备份归档，或格式版本不受支持（需要 {FORMAT}）。")
    return manifest


def _unpack(stream, target: Path, mtime) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    os.utime(target, (mtime, mtime))
    return {"sha256": digest.hexdigest(), "size": size}


def _compare(manifest: dict, seen: dict):
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise BackupError("备份清单缺少文件校验值（files）。")
    missing = sorted(set(listed) - set(seen))
    if missing:
        raise BackupError(f"备份归档不完整：清单中的 {len(missing)} 个文件不在归档里（如 {missing[0]}）。")
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(f"备份归档含有清单之外的文件（如 {extra[0]}），归档被改动过，已拒绝。")
    for name in sorted(listed):
        expected = listed[name]
        if not isinstance(expected, dict) or expected.get("sha256") != seen[name]["sha256"]:
            raise BackupError(f"校验失败：{name} 的 SHA-256 与清单不符（归档被改动或损坏），未做任何恢复。")
        if expected.get("size") != seen[name]["size"]:
            raise BackupError(f"校验失败：{name} 的大小与清单不符，未做任何恢复。")


def sha256_tree(root: Path) -> dict[str, str]:
    """{relative posix path: sha256} of every regular file under root (tests and the restore report)."""
    root = Path(root)
    result = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                result[path.relative_to(root).as_posix()] = _sha256(path)
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
