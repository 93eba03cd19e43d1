"""The archive format and the retention, without Django or a database: what the restore trusts and what the daily
backup deletes."""

import tarfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from yingji.ops.archive import ArchiveWriter, extract_verified
from yingji.ops.errors import BackupError
from yingji.ops.retention import archive_name, parse_name, to_keep

SHANGHAI = ZoneInfo("Asia/Shanghai")


def small_archive(tmp_path):
    source = tmp_path / "source"
    (source / "a").mkdir(parents=True)
    (source / "a" / "照片.jpg").write_bytes(b"\xff\xd8" + bytes(range(256)) * 64)
    (source / "b.txt").write_text("路网")
    writer = ArchiveWriter(tmp_path / "x.tar.gz")
    assert writer.add_tree(source, "media") == 2
    manifest = writer.finish({"engine": "sqlite"})
    assert not (tmp_path / "x.tar.gz.partial").exists()
    return tmp_path / "x.tar.gz", manifest


def test_manifest_is_last_and_lists_every_file(tmp_path):
    archive, manifest = small_archive(tmp_path)
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
    assert names[-1] == "manifest.json" and sorted(names[:-1]) == sorted(manifest["files"])
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes and phone numbers inside
    staged = extract_verified(archive, tmp_path / "staging")
    assert staged["files"] == manifest["files"]
    assert (tmp_path / "staging" / "media" / "a" / "照片.jpg").read_bytes()[:2] == b"\xff\xd8"


@pytest.mark.parametrize("keep", [0, 10, 100, 500, -30, -4])
def test_every_truncation_is_refused(tmp_path, keep):
    archive, _ = small_archive(tmp_path)
    data = archive.read_bytes()
    archive.write_bytes(data[:keep] if keep >= 0 else data[:keep])
    with pytest.raises(BackupError, match="截断|不完整"):
        extract_verified(archive, tmp_path / "staging")


def test_unsafe_member_names_are_refused(tmp_path):
    import io

    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../../etc/cron.d/x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="不安全的路径"):
        extract_verified(archive, tmp_path / "staging")
    assert not (tmp_path.parent / "etc").exists()


def test_a_half_written_archive_never_has_the_final_name(tmp_path):
    writer = ArchiveWriter(tmp_path / "y.tar.gz")
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_names_carry_their_utc_time():
    moment = datetime(2026, 12, 1, 2, 30, 5, tzinfo=UTC)
    assert archive_name(moment) == "yingji-20261201T023005Z.tar.gz"
    assert parse_name(archive_name(moment)) == moment
    assert parse_name("yingji-upgrade.tar.gz") is None and parse_name("notes.txt") is None


def test_retention_keeps_the_newest_of_each_recent_day_and_week():
    # Two backups a day for 60 days, at 02:30 and 14:30 Beijing time.
    start = datetime(2026, 10, 3, 18, 30, tzinfo=UTC)  # 2026-10-04 02:30 in Shanghai
    names = [archive_name(start + timedelta(hours=12 * i)) for i in range(120)]
    keep = to_keep(names + ["my-copy.tar.gz"], daily=7, weekly=4, zone=SHANGHAI)
    kept = sorted(parse_name(n).astimezone(SHANGHAI) for n in keep)
    days = {k.date() for k in kept}
    newest = parse_name(names[-1]).astimezone(SHANGHAI)
    assert {newest.date() - timedelta(days=d) for d in range(7)} <= days
    assert all(k.hour == 14 for k in kept)  # the newest of its day
    weeks = {k.isocalendar()[:2] for k in kept}
    assert len(weeks) == 4 and len(keep) <= 7 + 4
    assert "my-copy.tar.gz" not in keep  # not ours: never listed, never deleted (the caller only sees ours)
    assert to_keep(names, daily=0, weekly=0, zone=SHANGHAI) == set()
    assert to_keep(names[:1], daily=7, weekly=4, zone=SHANGHAI) == {names[0]}


def test_days_are_local_days():
    # 2026-12-01 17:00 UTC is already 2 December in Beijing: a different day from 2026-12-01 15:00 UTC.
    late, early = datetime(2026, 12, 1, 17, 0, tzinfo=UTC), datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    names = [archive_name(late), archive_name(early)]
    assert to_keep(names, daily=2, weekly=0, zone=SHANGHAI) == set(names)
    assert to_keep(names, daily=2, weekly=0, zone=UTC) == {archive_name(late)}
