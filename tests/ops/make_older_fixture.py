"""Makes fixtures/older-release.tar.gz: an archive of a database at the migration state of an earlier release.

    PYTHONPATH=src python tests/ops/make_older_fixture.py tests/ops/fixtures/older-release.tar.gz

What is honest about it: the database is built by this code's own migrations, stopped short of the ones the last
release did not have (OLDER below: incidents 0007 report workflow, safety 0008, warnings 0002, and the apps whose
first migration depends on them, planning and monitoring, left out whole), unapplied newest first, and filled through the historical models of that state, as that release's code wrote
its tables. The archive format is this commit's (yingji-backup/1, the first): an archive written by an earlier
release of Yingji itself cannot exist, since releases before this one had no backup command. It holds the
logical dump only (as from a PostgreSQL server without pg_dump), so restoring it rebuilds the old schema, loads
the rows and migrates them forward: the path every later release must keep working.
"""

import os
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

OLDER = [("planning", "zero"), ("monitoring", "zero"), ("incidents", "0006_timeline_attachment_meta"),
         ("safety", "0007_major_hazard_register"), ("warnings", "0001_initial")]


def fill(registry):
    Region, Organisation = registry.get_model("core", "Region"), registry.get_model("core", "Organisation")
    User, Incident = registry.get_model("core", "User"), registry.get_model("incidents", "Incident")
    Report = registry.get_model("incidents", "InformationReport")
    province = Region.objects.create(code="510000", name="四川省", level="province", path="510000")
    city = Region.objects.create(code="512000", name="资阳市", level="city", parent=province, path="510000/512000")
    county = Region.objects.create(code="512022", name="乐至县", level="county", parent=city,
                                   path="510000/512000/512022", longitude=105.03, latitude=30.28,
                                   boundary={"type": "Point", "coordinates": [105.03, 30.28]},
                                   area_km2=Decimal("1424.00"))
    bureau = Organisation.objects.create(name="乐至县应急管理局", type="bureau", region=county)
    User.objects.create(username="duty", password="!", region=county, organisation=bureau, is_active=True)
    at = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    incident = Incident.objects.create(number="512022-20260601-001", title="回澜镇化工厂储罐泄漏",
                                       source="duty_phone", occurred_at=at, reported_at=at, region=county,
                                       event_code="12D02")
    Report.objects.create(incident=incident, kind="initial", due_at=at)


def main(out: Path):
    var = Path(tempfile.mkdtemp(prefix="older-release-"))
    os.environ.update(YINGJI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="yingji.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from yingji.ops.backup import backup

    call_command("migrate", verbosity=0)
    for app, name in OLDER:
        call_command("migrate", app, name, verbosity=0)
    loader = MigrationLoader(connection)
    applied = sorted(loader.applied_migrations)
    fill(loader.project_state(applied, at_end=True).apps)
    (var / "media" / "incidents").mkdir(parents=True)
    (var / "media" / "incidents" / "现场照片说明.txt").write_text("储罐区东侧，2026-06-01 08:30。\n")
    report = backup(out.resolve(), native=False)
    print(f"{report.path}: {report.size} bytes, {report.rows} rows, {report.files} files")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
