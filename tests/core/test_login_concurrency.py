"""A burst of parallel wrong passwords checks at most AXES_FAILURE_LIMIT of them, on PostgreSQL and SQLite.

PostgreSQL (the suite's PG pass, YINGJI_TEST_DATABASE_URL=postgres://…): threads of test clients against
the test database; they need real commits, so this module does not share the demo county. SQLite: the
test database is in memory with a shared cache, whose table locks fail at once instead of waiting, so
the burst goes to a live server (`runserver`, threaded) on a WAL database file as deployed.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from yingji.core import services
from yingji.core.models import User

PASSWORD = "Burst#Target2026"
LIMIT = 5  # settings.AXES_FAILURE_LIMIT
WRONG = "用户名或密码错误。"


def _summary(results, right):
    """How many passwords were checked: every "wrong password" answer, plus the right guess if it got a token."""
    checked = sum(1 for status, body in results if status == 400 and body["error"]["message"] == WRONG)
    locked = sum(1 for status, body in results if status == 400 and "已锁定" in body["error"]["message"])
    return checked, locked


def _burst(post, reserved, n=20):
    """n wrong passwords at once; the right one follows once `LIMIT` attempts are under way."""
    results, right = [], []
    start = threading.Barrier(n)

    def wrong(index):
        start.wait()
        try:
            results.append(post(f"Wrong#{index:02d}xyz"))
        except Exception as exc:  # a time-out or a reset: recorded, so the assertion says what happened
            results.append((0, {"error": {"message": repr(exc)}}))

    threads = [threading.Thread(target=wrong, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while reserved() < LIMIT and time.monotonic() < deadline:
        time.sleep(0.005)
    guess = threading.Thread(target=lambda: right.append(post(PASSWORD)))
    guess.start()
    for thread in [*threads, guess]:
        thread.join()
    return results, right[0]


def _assert_throttled(results, right, counted=0):
    """`counted`: failures the server recorded (a check that was answered with the lock message counts too)."""
    checked, locked = _summary(results, right)
    checked = max(checked, counted)
    assert len(results) == 20
    assert all(status for status, _ in results), [body for status, body in results if not status]
    assert checked <= LIMIT, f"{checked} wrong passwords checked in one burst"
    assert locked >= 20 - LIMIT
    status, body = right
    assert status == 400 and "token" not in body and "已锁定" in body["error"]["message"], body


# --- PostgreSQL: threads against the test database ------------------------------------------

@pytest.mark.argon2  # a real ~0.1 s per check widens the race
@pytest.mark.django_db(transaction=True)
def test_burst_on_postgresql(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test database is in shared-cache memory; SQLite is proved on a live server below")
    counter, lock = {"n": 0}, threading.Lock()
    original = User.check_password

    def counting(user, raw):
        with lock:
            counter["n"] += 1
        return original(user, raw)

    monkeypatch.setattr(User, "check_password", counting)
    services.save_user(None, User(username="target"), {"is_superuser": True}, password=PASSWORD)

    def post(password):
        try:
            response = APIClient(REMOTE_ADDR="192.0.2.50").post(
                "/api/auth/token/", {"username": "target", "password": password})
            return response.status_code, response.json()
        finally:
            connections.close_all()

    results, right = _burst(post, reserved=lambda: counter["n"])
    assert counter["n"] <= LIMIT, f"{counter['n']} passwords checked"
    _assert_throttled(results, right)


# --- SQLite: a live server on a WAL file ----------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_sqlite_server(demo_var_dir, django_db_blocker):
    yingji = str(Path(sys.executable).parent / "yingji")
    # The server uses a copy of the demo's SQLite file (migrated once for the whole run), not the test database.
    env = {**os.environ, "YINGJI_VAR_DIR": str(demo_var_dir)}
    env.pop("PYTEST_VERSION", None)
    env.pop("YINGJI_TEST_DATABASE_URL", None)
    env.pop("YINGJI_DATABASE_URL", None)
    subprocess.run([yingji, "manage", "shell", "-c",
                    "from yingji.core import services; from yingji.core.models import User; "
                    f"services.save_user(None, User(username='target'), {{'is_superuser': True}}, password='{PASSWORD}')"],
                   env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(demo_var_dir / "server.log", "w")  # read back when an answer is a 5xx
    server = subprocess.Popen([yingji, "manage", "runserver", "--noreload", f"127.0.0.1:{port}"], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/login/", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        yield url, demo_var_dir / "yingji.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_burst_on_sqlite(live_sqlite_server):
    url, database = live_sqlite_server

    def post(password):
        request = urllib.request.Request(url + "/api/auth/token/", method="POST",
                                         data=json.dumps({"username": "target", "password": password}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def reserved() -> int:  # attempts counted so far, read from the server's database file
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            try:
                return db.execute("SELECT COALESCE(SUM(failures_since_start), 0) FROM axes_accessattempt").fetchone()[0]
            except sqlite3.OperationalError:
                return 0

    results, right = _burst(post, reserved)
    errors = [status for status, _ in results + [right] if status >= 500]
    assert not errors, (database.parent / "server.log").read_text()[-4000:]
    _assert_throttled(results, right, counted=reserved())
