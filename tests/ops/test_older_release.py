"""An archive from an earlier release (fixtures/older-release.tar.gz, made by make_older_fixture.py: a database at
the previous release's migration state, logical dump only) restores and is migrated forward."""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from tests.ops.conftest import members, yingji
from yingji.ops.snapshot import known_migrations

FIXTURE = Path(__file__).parent / "fixtures" / "older-release.tar.gz"


def test_older_archive_restores_and_migrates_forward(tmp_path):
    manifest = json.loads(members(FIXTURE)["manifest.json"])
    archived = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    missing = known_migrations() - archived
    assert {("incidents", "0007_report_workflow"), ("warnings", "0002_delivery_retry_at"),
            ("planning", "0001_initial")} <= missing
    assert manifest["database"]["native"] is None  # rebuilt from the logical dump at the old state

    var = tmp_path / "var"
    result = yingji("restore", str(FIXTURE), var=var)
    assert result.returncode == 0, result.stderr
    assert "已迁移到本版本" in result.stdout and "incidents.0007_report_workflow" in result.stdout

    with closing(sqlite3.connect(var / "yingji.sqlite3")) as connection:
        applied = set(connection.execute("SELECT app, name FROM django_migrations").fetchall())
        assert known_migrations() <= applied
        # The old rows, with the columns the newer migrations added.
        title, = connection.execute("SELECT title FROM incidents_incident").fetchone()
        assert title == "回澜镇化工厂储罐泄漏"
        report = connection.execute("SELECT kind, return_reason, submitted_by_id FROM incidents_informationreport")
        assert report.fetchall() == [("initial", "", None)]
        assert connection.execute("SELECT count(*) FROM planning_disasterevent").fetchone() == (0,)
        assert connection.execute("SELECT code FROM core_region ORDER BY code").fetchall() == [
            ("510000",), ("512000",), ("512022",)]
    assert (var / "media" / "incidents" / "现场照片说明.txt").read_text().startswith("储罐区东侧")
