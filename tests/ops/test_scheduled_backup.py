"""The worker's daily backup (yingji/ops/tasks.py): `yingji backup --schedule` queues it for YINGJI_BACKUP_AT Beijing
time; a run writes an archive into YINGJI_BACKUP_DIR and applies the retention. Run against the demo in a var dir
of its own, as the worker would (an in-process test cannot: SQLite's backup API waits forever on a connection
that holds the test's open transaction)."""

import json
import sqlite3
import tarfile
from contextlib import closing
from datetime import UTC, datetime, timedelta

from tests.ops.conftest import yingji
from yingji.ops.retention import archive_name
from yingji.ops.tasks import next_run

RUN = "from yingji.ops.tasks import scheduled_backup; import json; print(json.dumps(scheduled_backup.func(False)))"


def test_scheduled_backup_is_queued_then_writes_and_prunes(demo_var_dir, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    now = datetime.now(UTC)
    old = [archive_name(now - timedelta(days=days)) for days in (1, 2, 3, 10, 40)]
    for name in old:
        (backups / name).write_bytes(b"old")
    (backups / "before-upgrade.tar.gz").write_bytes(b"mine")  # not a scheduled archive: never deleted
    env = {"YINGJI_BACKUP_DIR": str(backups), "YINGJI_BACKUP_KEEP_DAILY": "2", "YINGJI_BACKUP_KEEP_WEEKLY": "1"}

    queued = yingji("backup", "--schedule", var=demo_var_dir, **env)
    assert queued.returncode == 0, queued.stderr
    assert "已排定每日自动备份" in queued.stdout
    with closing(sqlite3.connect(demo_var_dir / "yingji.sqlite3")) as connection:
        ((run_after,),) = connection.execute(
            "SELECT run_after FROM django_tasks_database_dbtaskresult WHERE status = 'READY' AND task_path = ?",
            ["yingji.ops.tasks.scheduled_backup"]).fetchall()
    assert "18:30:00" in run_after  # 02:30 in Beijing
    again = yingji("backup", "--schedule", var=demo_var_dir, **env)
    assert "已在队列中" in again.stdout  # one chain

    earlier_today = {p.name for p in backups.iterdir()} - set(old) - {"before-upgrade.tar.gz"}
    assert len(earlier_today) == 2  # `yingji backup --schedule` backs up too
    result = yingji("manage", "shell", "-c", RUN, var=demo_var_dir, **env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    made = backups / report["path"].rsplit("/", 1)[1]
    # Kept: today's newest (the new one) and yesterday's (daily = 2); this week's newest is today's (weekly = 1).
    # Today's earlier ones and the older days go; the file that is not ours stays.
    assert set(report["deleted"]) == set(old[1:]) | earlier_today
    assert {p.name for p in backups.iterdir()} == {made.name, old[0], "before-upgrade.tar.gz"}
    with tarfile.open(made, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"]["core_region"] == 85


def test_next_run_is_the_next_0230_beijing_time(settings):
    settings.YINGJI_BACKUP_AT = "02:30"
    before = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 02:00 on 2 December in Beijing
    assert next_run(before) == datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    after = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # 03:00: tomorrow's
    assert next_run(after) == datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
