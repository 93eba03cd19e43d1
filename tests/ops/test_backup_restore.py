"""`yingji backup` of the demo while it is written to, and `yingji restore` of it: the same data, or a Chinese
refusal that leaves the target as it was (truncated, tampered, newer-release archives; a non-empty target)."""

import hashlib
import json
import shutil

from tests.ops.conftest import PROBE, members, probes, rewrite, rows, yingji
from yingji.ops.archive import sha256_tree


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def without_probes(table):
    return [row for row in table if not str(row[1]).startswith(PROBE)]


def test_backup_taken_while_writing_restores_the_same_data_and_files(demo_backup, tmp_path):
    source, archive, output, (before, after) = demo_backup
    assert "已备份到" in output and "原生副本 database/sqlite3.db" in output
    target = tmp_path / "var"
    result = yingji("restore", str(archive), var=target)
    assert result.returncode == 0, result.stderr
    assert "sqlite → sqlite" in result.stdout and "行数与清单一致" in result.stdout

    # One moment of the database: the probe rows it holds are exactly the count committed with them, and that
    # moment lies between the writer's commits seen just before and just after the backup.
    held, count = probes(target / "yingji.sqlite3")
    assert held == count and before <= held <= after

    restored, original = rows(target / "yingji.sqlite3"), rows(source / "yingji.sqlite3")
    assert restored.keys() == original.keys() and len(restored) > 100
    for table in original:
        if table == "django_content_type":  # the writer went on after the backup: compare the rest of it
            assert without_probes(restored[table]) == without_probes(original[table])
        else:
            assert restored[table] == original[table], table
    assert sum(map(len, original.values())) > 80_000

    files = sha256_tree(source / "media")
    assert len(files) >= 20 and sha256_tree(target / "media") == files

    manifest = json.loads(members(archive)["manifest.json"])
    assert manifest["engine"] == "sqlite" and manifest["migrations"]["core"][0] == "0001_initial"
    assert manifest["tables"]["core_region"] == len(original["core_region"])
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_restore_refuses_a_non_empty_database_unless_forced(demo_backup, demo_var_dir, tmp_path):
    _, archive, _, _ = demo_backup
    database = demo_var_dir / "yingji.sqlite3"
    untouched = digest(database)
    refused = yingji("restore", str(archive), var=demo_var_dir)
    assert refused.returncode != 0 and "目标数据库不是空的" in refused.stderr and "--force" in refused.stderr
    assert digest(database) == untouched

    forced = yingji("restore", str(archive), "--force", var=demo_var_dir)
    assert forced.returncode == 0, forced.stderr
    held, count = probes(database)
    assert held == count > 0  # the archive's data replaced the target's


def refused_and_untouched(archive, target, message):
    """Restore archive --force over target: refused with message, target's database and files unchanged."""
    database, files = target / "yingji.sqlite3", sha256_tree(target / "media")
    before = digest(database)
    result = yingji("restore", str(archive), "--force", var=target)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert digest(database) == before and sha256_tree(target / "media") == files
    assert not [p.name for p in target.iterdir() if p.name.startswith(".")]  # no staging left behind
    return result.stderr


def test_truncated_archive_is_refused(demo_backup, demo_var_dir, tmp_path):
    _, archive, _, _ = demo_backup
    data = archive.read_bytes()
    for cut in (len(data) // 2, len(data) - 200):
        truncated = tmp_path / f"cut-{cut}.tar.gz"
        truncated.write_bytes(data[:cut])
        refused_and_untouched(truncated, demo_var_dir, "截断")


def test_tampered_file_is_refused(demo_backup, demo_var_dir, tmp_path):
    _, archive, _, _ = demo_backup
    victim = next(name for name in members(archive) if name.startswith("media/"))
    tampered = rewrite(archive, tmp_path / "tampered.tar.gz",
                       lambda name, data: data + b"\0" if name == victim else data)
    error = refused_and_untouched(tampered, demo_var_dir, "校验失败")
    assert victim in error
    dropped = rewrite(archive, tmp_path / "dropped.tar.gz", lambda name, data: None if name == victim else data)
    refused_and_untouched(dropped, demo_var_dir, "不完整")


def test_archive_from_a_newer_release_is_refused(demo_backup, demo_var_dir, tmp_path):
    _, archive, _, _ = demo_backup

    def newer(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["core"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    error = refused_and_untouched(rewrite(archive, tmp_path / "newer.tar.gz", newer), demo_var_dir, "更新的 Yingji 版本")
    assert "core.9999_from_the_future" in error


def test_a_failure_after_loading_leaves_the_target_as_it_was(demo_backup, demo_var_dir, tmp_path):
    """The counts are checked once the new database is built: a mismatch (here a manifest edited to claim one more
    user) throws the new database away; the old one and its files stay."""
    _, archive, _, _ = demo_backup

    def more_users(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["core_user"] += 1
        return json.dumps(manifest).encode()

    refused_and_untouched(rewrite(archive, tmp_path / "counts.tar.gz", more_users), demo_var_dir, "core_user")


def test_not_an_archive(tmp_path):
    (tmp_path / "var").mkdir()
    junk = tmp_path / "junk.tar.gz"
    junk.write_text("不是归档")
    result = yingji("restore", str(junk), var=tmp_path / "var")
    assert result.returncode != 0 and "截断或损坏" in result.stderr
    missing = yingji("restore", str(tmp_path / "none.tar.gz"), var=tmp_path / "var")
    assert missing.returncode != 0 and "找不到备份归档" in missing.stderr
    assert not (tmp_path / "var" / "yingji.sqlite3").exists()
    shutil.rmtree(tmp_path / "var")
