"""The demo's road from the embedded SQLite to PostgreSQL and back: SQLite archive → PostgreSQL (and a failed
--force restore over it, rolled back) → archive (with pg_dump, and without it on PATH) → SQLite. Every table's rows and every file arrive unchanged: the logical dumps
taken at each step are the same bytes (values read through the model fields, JSON keys sorted)."""

import json

from tests.ops.conftest import members, rewrite, yingji


def test_sqlite_to_postgresql_and_back(demo_backup, postgres_database, tmp_path):
    _, archive, _, _ = demo_backup
    original = members(archive)
    url = postgres_database()
    pg_var = tmp_path / "pg-var"

    restored = yingji("restore", str(archive), var=pg_var, YINGJI_DATABASE_URL=url)
    assert restored.returncode == 0, restored.stderr
    assert "sqlite → postgresql，经逻辑转储" in restored.stdout

    # A failure after the old tables were dropped and the new ones loaded (a manifest claiming one more user):
    # the transaction rolls back, and the backups below still find every row the first restore put there.
    def one_more_user(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["core_user"] += 1
        return json.dumps(manifest).encode()

    bad = rewrite(archive, tmp_path / "counts.tar.gz", one_more_user)
    refused = yingji("restore", str(bad), "--force", var=pg_var, YINGJI_DATABASE_URL=url)
    assert refused.returncode != 0 and "已撤销恢复" in refused.stderr, refused.stderr

    with_dump = yingji("backup", str(tmp_path / "pg.tar.gz"), var=pg_var, YINGJI_DATABASE_URL=url)
    assert with_dump.returncode == 0, with_dump.stderr
    # pg_dump missing (a server without the PostgreSQL client): PATH without it, the logical dump alone.
    (tmp_path / "bin").mkdir()
    without = yingji("backup", str(tmp_path / "pg-nodump.tar.gz"), var=pg_var, YINGJI_DATABASE_URL=url,
                     PATH=str(tmp_path / "bin"))
    assert without.returncode == 0, without.stderr
    assert "未找到 pg_dump" in without.stdout

    native, logical_only = members(tmp_path / "pg.tar.gz"), members(tmp_path / "pg-nodump.tar.gz")
    assert native["database/postgres.dump"][:5] == b"PGDMP"  # pg_dump's custom format
    assert "database/postgres.dump" not in logical_only
    assert json.loads(logical_only["manifest.json"])["database"]["native"] is None
    for copy in (native, logical_only):
        assert copy["database/logical.jsonl"] == original["database/logical.jsonl"]
        assert {n: d for n, d in copy.items() if n.startswith("media/")} == \
            {n: d for n, d in original.items() if n.startswith("media/")}

    back_var = tmp_path / "back-var"
    back = yingji("restore", str(tmp_path / "pg-nodump.tar.gz"), var=back_var)
    assert back.returncode == 0, back.stderr
    assert "postgresql → sqlite，经逻辑转储" in back.stdout
    again = yingji("backup", str(tmp_path / "back.tar.gz"), var=back_var)
    assert again.returncode == 0, again.stderr
    final = members(tmp_path / "back.tar.gz")
    assert final["database/logical.jsonl"] == original["database/logical.jsonl"]
    assert json.loads(final["manifest.json"])["tables"] == json.loads(original["manifest.json"])["tables"]
