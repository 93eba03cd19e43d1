"""Load test of the duty room (issue 18 §5): 50 people at once on gunicorn + PostgreSQL, measured with locust.

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python bench/load_duty_room.py [--minutes 5] [--users 50] [--workers 3]
        [--server postgres://postgres@127.0.0.1:5432] [--keep]

The runner (this file run as a script) creates a scratch database h_load_<random> on the PostgreSQL server, loads
the demo county into it (`yingji demo --no-serve`), starts `yingji serve` (gunicorn, --workers) and `yingji worker`
as deployed, runs locust headless against it, prints p50/p95/p99 per group of requests, the slowest requests and
the errors, the CPU each side used and per request, checks the targets, then stops the servers and drops the
database (--keep leaves both for a look). Exit status 0 only when every target is met. The --minutes measured start
once every user has logged in and opened its screen (50 argon2 logins at once are not the duty room's day).

The same file is the locustfile (locust imports it). Who the 50 are, out of each 50 (--users scales the mix):
- 20 command-board screens (指挥调度台): the board of an active incident, its live part every 5 s (board.js);
- 10 one-map screens (一张图): the page, its default layers for the county's extent, the point layers again every
  30 s (onemap.js, background), now and then a pan to a smaller view;
- 15 people working through list and detail pages (首页, 事件, 信息报告, 队伍, 报警, 值班 …), 3–10 s apart;
- 5 intake clients on the API (token): POST /api/incidents/ (a drill), the active list, one incident, 10–30 s apart.
Every browser also polls the bell (/notifications/) every 20 s, as base.html does. Static files are not fetched:
nginx serves them in production (deploy/) and browsers cache them.

Groups and targets (issue 18): page p95 ≤ 300 ms, board (the 5-s poll) p95 ≤ 100 ms, no errors at all (any status
but the expected one, a redirect to the login page, a refused connection). The one-map layers (layer), the bell
(poll) and the API (api) are reported with the same p95 ≤ 300 ms as pages; logins (argon2, slow on purpose) are
reported without a target.

Settings for the run, all documented ones: each simulated user sends its own X-Forwarded-For (10.18.x.y) and the
server runs with YINGJI_TRUSTED_PROXIES=1, as behind nginx, so that 50 people do not share one address for the
login throttling (django-axes counts per (user, IP) and per IP, and counts an attempt before checking it). Idle
timeout (30 min) and token lifetime (12 h) outlast the run; polls send X-Yingji-Background as the pages do.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from locust import HttpUser, between, constant, events, task

YINGJI = str(Path(sys.executable).parent / "yingji")
DEMO_PASSWORD = "Yingji@2026"  # yingji.core.demo.DEMO_PASSWORD (not imported: locust runs without Django)
TARGETS_MS = {"page": 300, "board": 100, "layer": 300, "poll": 300, "api": 300}
MIX = {"BoardScreen": 20, "OneMapScreen": 10, "ListWorker": 15, "IntakeClient": 5}  # out of 50
SCALE = int(os.environ.get("YINGJI_LOAD_USERS", "50")) / 50  # the runner's --users
BACKGROUND = {"X-Yingji-Background": "1"}
NOTIFY_EVERY_S = 20
# Intake points inside the demo county (乐至县), jittered by up to ±0.004° (about 400 m).
INTAKE_POINTS = [(104.935, 30.378), (105.031, 30.283), (105.118, 30.226), (105.02, 30.30)]

# --- the locustfile ------------------------------------------------------------------------------------------
_samples: dict[str, list[float]] = {}
_by_name: dict[str, list[float]] = {}
_errors: dict[str, int] = {}
_error_examples: list[str] = []
_ip_counter = iter(range(1, 65_000))


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    group = name.split(" ", 1)[0]
    _samples.setdefault(group, []).append(response_time)
    _by_name.setdefault(name, []).append(response_time)
    if exception is not None:
        _errors[name] = _errors.get(name, 0) + 1
        if len(_error_examples) < 20:
            _error_examples.append(f"{request_type} {name}: {str(exception)[:300]}")


_window = {"start": time.time(), "ready": 0, "steady": False, "environment": None}


@events.init.add_listener
def _keep_environment(environment, **kwargs):
    _window["environment"] = environment


def _ready() -> None:
    """Called at the end of each user's on_start. Once every user is logged in and has opened its screen, the
    measurement starts: the ramp-up (50 argon2 logins queued at once) is not what the duty room sees all day.
    Logins and errors are kept from the start."""
    _window["ready"] += 1
    if _window["ready"] != sum(user.fixed_count for user in (BoardScreen, OneMapScreen, ListWorker, IntakeClient)):
        return
    for group in list(_samples):
        if group != "login":
            del _samples[group]
    _by_name.clear()
    _window.update(start=time.time(), steady=True)
    seconds = float(os.environ.get("YINGJI_LOAD_SECONDS", "0"))
    if seconds and _window["environment"] is not None:  # measure this long from now, then stop
        import gevent

        gevent.spawn_later(seconds, _window["environment"].runner.quit)
    if os.environ.get("YINGJI_LOAD_STEADY"):  # tells the runner to start counting CPU
        Path(os.environ["YINGJI_LOAD_STEADY"]).touch()


@events.quitting.add_listener
def _write_result(environment, **kwargs):
    path = os.environ.get("YINGJI_LOAD_RESULT")
    if not path:
        return
    seconds = max(time.time() - _window["start"], 1)
    groups = {group: summarise(times, seconds) for group, times in _samples.items()}
    names = {name: summarise(times, seconds) for name, times in _by_name.items() if not name.startswith("login")}
    result = {"groups": groups, "names": names, "errors": _errors, "error_examples": _error_examples,
              "seconds": round(seconds, 1), "steady": _window["steady"], "ready": _window["ready"]}
    Path(path).write_text(json.dumps(result, ensure_ascii=False, indent=1))


def summarise(times: list[float], seconds: float) -> dict:
    ordered = sorted(times)

    def pct(p):  # nearest rank
        return round(ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))], 1)

    return {"count": len(ordered), "per_s": round(len(ordered) / seconds, 2), "p50": pct(50), "p95": pct(95),
            "p99": pct(99), "max": round(ordered[-1], 1), "mean": round(statistics.fmean(ordered), 1)}


class DutyRoomUser(HttpUser):
    """A logged-in browser (session cookie + CSRF), from its own workstation address."""

    abstract = True
    accounts = ("duty", "commander", "dispatcher", "leader")

    def on_start(self):
        self.ip = f"10.18.{(n := next(_ip_counter)) // 250}.{n % 250 + 1}"
        self.client.headers.update({"X-Forwarded-For": self.ip, "Accept-Language": "zh-hans"})
        self.username = random.choice(self.accounts)
        self.login()
        self.next_bell = time.monotonic() + random.uniform(0, NOTIFY_EVERY_S)

    def login(self):
        self.client.get("/login/", name="login /login/ (form)")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post("/login/", name="login /login/ (post)", allow_redirects=False, catch_response=True,
                              data={"username": self.username, "password": DEMO_PASSWORD,
                                    "csrfmiddlewaretoken": token},
                              headers={"Referer": self.host + "/login/"}) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.username} from {self.ip}: {response.status_code} "
                                 f"{response.text[:200]}")

    def get(self, url: str, group: str, name: str | None = None, background=False, expect="html"):
        """GET url, an error unless it answers 200 with the expected kind of body (not a redirect to /login/)."""
        headers = dict(BACKGROUND) if background else {}
        if expect == "json":
            headers["Accept"] = "application/json"
        with self.client.get(url, name=f"{group} {name or url}", headers=headers, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')} "
                                 f"{response.text[:200]}")
            elif expect == "json" and not response.headers.get("Content-Type", "").startswith("application/json"):
                response.failure(f"not JSON: {response.headers.get('Content-Type')}")
            return response

    def bell(self):
        """The header bell polls /notifications/ every YINGJI_NOTIFY_SECONDS (20) on every page."""
        if time.monotonic() >= self.next_bell:
            self.next_bell = time.monotonic() + NOTIFY_EVERY_S
            self.get("/notifications/", "poll", background=True, expect="json")

    def active_incidents(self) -> list[int]:
        response = self.get("/api/incidents/?active=1&ordering=id", "api", "/api/incidents/?active=1", expect="json")
        try:
            return [row["id"] for row in response.json()["results"]]
        except (ValueError, KeyError):
            return []


class BoardScreen(DutyRoomUser):
    """The command board of one active incident, its live part fetched every 5 s (board.js, background)."""

    wait_time = constant(5)
    fixed_count = max(1, round(MIX["BoardScreen"] * SCALE))
    accounts = ("commander", "dispatcher", "duty")

    def on_start(self):
        super().on_start()
        ids = self.active_incidents()[:2]  # the demo's two: the room watches the incidents it handles
        self.incident = random.choice(ids) if ids else 1
        self.open_board()
        _ready()

    def open_board(self):
        self.get(f"/incidents/{self.incident}/board/", "page", "/incidents/<id>/board/")
        self.reopen_at = time.monotonic() + random.uniform(90, 150)

    @task
    def poll(self):
        if time.monotonic() >= self.reopen_at:  # someone reloads the board now and then
            self.open_board()
        self.get(f"/incidents/{self.incident}/board/live/", "board", "/incidents/<id>/board/live/",
                 background=True)
        self.bell()


class OneMapScreen(DutyRoomUser):
    """The one-map: its page, its default layers, the point layers again every 30 s; a pan now and then."""

    wait_time = constant(30)
    fixed_count = max(1, round(MIX["OneMapScreen"] * SCALE))
    accounts = ("leader", "commander", "duty")

    def on_start(self):
        super().on_start()
        page = self.get("/map/", "page")
        self.layers, self.extent = [], [104.78, 30.04, 105.27, 30.63]
        for block in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', page.text, re.S):
            config = json.loads(block)
            if isinstance(config, dict) and "layers" in config:
                self.layers = [layer for layer in config["layers"] if layer.get("default_on")]
                self.extent = config.get("extent") or self.extent
        self.load_layers(self.extent, 10, background=False)
        _ready()

    def load_layers(self, bbox, zoom, background, points_only=False):
        for layer in self.layers:
            if points_only and layer["kind"] != "points":
                continue
            params = {**layer["params"], "bbox": ",".join(f"{v:.5f}" for v in bbox)}
            if layer["kind"] == "points":
                params["zoom"] = str(zoom)
            query = "&".join(f"{key}={value}" for key, value in params.items())
            self.get(f"{layer['url']}?{query}", "layer", f"{layer['url']} ({layer['key']})",
                     background=background, expect="json")

    @task
    def refresh(self):
        if random.random() < 0.2:  # a pan/zoom into part of the county: every layer, as user activity
            west, south, east, north = self.extent
            x, y = random.uniform(west, east - 0.1), random.uniform(south, north - 0.1)
            self.load_layers([x, y, x + 0.1, y + 0.1], 13, background=False)
        else:
            self.load_layers(self.extent, 10, background=True, points_only=True)
        self.bell()
        self.get("/notifications/", "poll", background=True, expect="json")  # 30 s apart here: one more bell


class ListWorker(DutyRoomUser):
    """Someone working through lists and detail pages, a few seconds on each."""

    wait_time = between(3, 10)
    fixed_count = max(1, round(MIX["ListWorker"] * SCALE))
    accounts = ("duty", "commander", "leader")
    pages = ["/", "/incidents/", "/incidents/?active=1", "/incidents/reports/", "/incidents/inbox/", "/forces/",
             "/vehicles/", "/warehouses/", "/monitoring/alarms/", "/duty/", "/warnings/", "/hazards/", "/plans/"]

    def on_start(self):
        super().on_start()
        self.incidents = self.active_incidents() or [1]
        _ready()

    @task(6)
    def list_page(self):
        url = random.choice(self.pages)
        self.get(url, "page")
        self.bell()

    @task(2)
    def incident_page(self):
        self.get(f"/incidents/{random.choice(self.incidents)}/", "page", "/incidents/<id>/")
        self.bell()


class IntakeClient(HttpUser):
    """A client of the intake API (a phone-system integration or a mobile app) with an API token."""

    wait_time = between(10, 30)
    fixed_count = max(1, round(MIX["IntakeClient"] * SCALE))

    def on_start(self):
        self.ip = f"10.19.{(n := next(_ip_counter)) // 250}.{n % 250 + 1}"
        self.client.headers.update({"X-Forwarded-For": self.ip, "Accept": "application/json"})
        self.username = random.choice(("duty", "commander"))
        self.created = []
        try:
            self.token_login()
        finally:
            _ready()

    def token_login(self):
        with self.client.post("/api/auth/token/", name="login /api/auth/token/", catch_response=True,
                              json={"username": self.username, "password": DEMO_PASSWORD}) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            self.client.headers["Authorization"] = f"Token {response.json()['token']}"

    @task(2)
    def intake(self):
        lon, lat = random.choice(INTAKE_POINTS)
        body = {"title": f"压测演练·{uuid.uuid4().hex[:6]} 厂房火灾", "source": "duty_phone", "event_code": "12G03",
                "longitude": round(lon + random.uniform(-0.004, 0.004), 6),
                "latitude": round(lat + random.uniform(-0.004, 0.004), 6),
                "reporter_phone": f"1380000{random.randint(0, 9999):04d}", "production_activity": "yes",
                "is_drill": True, "description": "负载测试生成的演练接报。"}
        with self.client.post("/api/incidents/", name="api POST /api/incidents/", json=body,
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:300]}")
            else:
                self.created.append(response.json()["id"])

    @task(3)
    def read(self):
        self.client.get("/api/incidents/?active=1", name="api /api/incidents/?active=1")
        if self.created:
            self.client.get(f"/api/incidents/{random.choice(self.created)}/", name="api /api/incidents/<id>/")


# --- the runner ----------------------------------------------------------------------------------------------

def _env(url: str, var_dir: Path) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    # YINGJI_TRUSTED_PROXIES=1: the simulated users' X-Forwarded-For is their address, as behind nginx.
    return {**clean, "YINGJI_DATABASE_URL": url, "YINGJI_VAR_DIR": str(var_dir), "YINGJI_TRUSTED_PROXIES": "1",
            "YINGJI_DEBUG": "0", "YINGJI_LOG_LEVEL": "WARNING"}


def _database(server: str, name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(server.rstrip("/") + "/postgres", autocommit=True) as connection:
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')
        else:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A server in its own process group (so that _stop ends it and its children, nothing else)."""
    with open(log, "wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_up(url: str, process: subprocess.Popen, seconds: float) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn 已退出（{process.returncode}），见其日志")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"gunicorn 在 {seconds:.0f} 秒内未就绪")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the process group we started: gunicorn and its workers
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _cpu(processes: dict, database: str) -> dict:
    """CPU seconds so far, by process id, of each server (its process and children) and of the PostgreSQL
    backends serving this database. On a shared machine the latencies depend on the neighbours; the CPU the
    duty room costs does not."""
    import psutil

    def seconds(process):
        try:
            return sum(process.cpu_times()[:2])
        except psutil.Error:
            return None

    found = {}
    for side, process in processes.items():
        if process is not None and process.poll() is None:
            root = psutil.Process(process.pid)
            found[side] = {p.pid: seconds(p) for p in [root, *root.children(recursive=True)]}
    found["postgres"] = {p.pid: seconds(p) for p in psutil.process_iter(["cmdline"])
                         if " ".join(p.info["cmdline"] or []).startswith("postgres:")
                         and f" {database} " in " ".join(p.info["cmdline"] or [])}
    return {side: {pid: t for pid, t in times.items() if t is not None} for side, times in found.items()}


def _cores(before: dict, after: dict, seconds: float) -> dict:
    """Average cores used between two _cpu() snapshots (a process that ended in between is not counted)."""
    return {side: round(sum(t - before.get(side, {}).get(pid, 0.0) for pid, t in after[side].items()) / seconds, 2)
            for side in after}


def _run_locust(args, base: str, var_dir: Path, servers: dict, database: str) -> dict:
    """locust headless on this file; the result with the CPU each side used once every user was logged in."""
    result_path, steady_path = var_dir / "result.json", var_dir / "steady"
    args.users = sum(max(1, round(n * args.users / 50)) for n in MIX.values())  # as the user classes round it
    measured = max(int(args.minutes * 60), 10)
    # The locustfile stops `measured` s after every user is in; -t only bounds a ramp-up that never ends.
    seconds = measured + int(args.users / args.spawn_rate) + 300
    print(f"{args.users} 个用户，每秒登录 {args.spawn_rate:g} 个，全部就绪后测量 {measured} 秒，gunicorn {args.workers} 个进程，"
          f"{base}", file=sys.stderr)
    command = [sys.executable, "-m", "locust", "-f", __file__, "--headless", "--only-summary", "-u", str(args.users),
               "-r", str(args.spawn_rate), "-t", f"{seconds}s", "--host", base, "--stop-timeout", "10"]
    env = {**os.environ, "YINGJI_LOAD_RESULT": str(result_path), "YINGJI_LOAD_STEADY": str(steady_path),
           "YINGJI_LOAD_USERS": str(args.users), "YINGJI_LOAD_SECONDS": str(measured)}
    locust = _start(command, env, var_dir / "locust.log")
    servers = {**servers, "locust": locust}
    before = started = None
    while locust.poll() is None:
        if before is None and steady_path.exists():
            before, started = _cpu(servers, database), time.monotonic()
        if before is not None:
            after, elapsed = _cpu(servers, database), time.monotonic() - started
        try:
            locust.wait(1)
        except subprocess.TimeoutExpired:
            pass
    if not result_path.exists():
        raise SystemExit(f"locust 没有给出结果（退出码 {locust.returncode}）：\n"
                         + (var_dir / "locust.log").read_text()[-3000:])
    result = json.loads(result_path.read_text())
    result["cores"] = _cores(before, after, elapsed) if before is not None else {}
    return result


def report(result: dict) -> bool:
    """Print the table; True when every target is met."""
    if not result.get("steady"):
        print(f"注意：只有 {result.get('ready')} 个用户就绪，测量窗口从开始算起（含登录阶段）")
    print(f"\n{'组':<7}{'请求数':>8}{'每秒':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'最大 ms':>9}  目标 p95")
    ok = True
    for group in ("page", "board", "layer", "poll", "api", "login"):
        row = result["groups"].get(group)
        if row is None:
            if group in ("page", "board"):
                print(f"{group:<7} 没有请求")
                ok = False
            continue
        target = TARGETS_MS.get(group)
        met = target is None or row["p95"] <= target
        ok &= met
        mark = "—（登录含 argon2，不设目标）" if target is None else f"≤ {target} {'达标' if met else '未达标'}"
        print(f"{group:<7}{row['count']:>8}{row['per_s']:>8}{row['p50']:>9}{row['p95']:>9}{row['p99']:>9}"
              f"{row['max']:>9}  {mark}")
    slowest = sorted(result.get("names", {}).items(), key=lambda item: -item[1]["p95"])[:8]
    print("\n最慢的请求（按 p95）：")
    for name, row in slowest:
        print(f"  {row['p95']:>8} ms  p50 {row['p50']:>7}  ×{row['count']:<5} {name}")
    errors = sum(result["errors"].values())
    print(f"\n错误：{errors}（目标 0）")
    for name, count in sorted(result["errors"].items()):
        print(f"  {count:>5}  {name}")
    for example in result["error_examples"][:10]:
        print(f"  例：{example}")
    cores, requests = result["cores"], sum(row["count"] for g, row in result["groups"].items() if g != "login")
    if cores:
        per_request = 1000 * cores.get("gunicorn", 0) * result["seconds"] / max(requests, 1)
        print(f"\n稳定阶段平均占用 CPU（核）：{'，'.join(f'{k} {v}' for k, v in cores.items())}；"
              f"gunicorn 每个请求 {per_request:.1f} ms CPU")
    print(f"机器负载（1/5/15 分钟）：{' '.join(f'{x:.2f}' for x in os.getloadavg())}，{os.cpu_count()} 核"
          "（与其他进程共用时延迟偏高）")
    return ok and errors == 0


def main() -> int:
    parser = argparse.ArgumentParser(description="值班室负载测试（gunicorn + PostgreSQL + locust）")
    parser.add_argument("--minutes", type=float, default=5, help="测量时长（分钟，不含登录阶段）")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=2, help="每秒登录的用户数（argon2，较慢）")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn 工作进程数")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL 服务器（不含库名）")
    parser.add_argument("--port", type=int, default=18700 + os.getpid() % 200)
    parser.add_argument("--no-worker", action="store_true", help="不启动 yingji worker")
    parser.add_argument("--keep", action="store_true", help="结束后保留数据库、目录和服务（排查用）")
    parser.add_argument("--json", help="把结果另存为 JSON 文件")
    args = parser.parse_args()

    name = f"h_load_{uuid.uuid4().hex[:8]}"
    url = urlunparse(urlparse(args.server)._replace(path=f"/{name}"))
    var_dir = Path(tempfile.mkdtemp(prefix="yingji-load-"))
    env, base = _env(url, var_dir), f"http://127.0.0.1:{args.port}"
    servers = {"gunicorn": None, "worker": None}
    _database(args.server, name, create=True)
    try:
        started = time.monotonic()
        subprocess.run([YINGJI, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"演示数据已载入 {name}（{time.monotonic() - started:.0f} 秒）", file=sys.stderr)
        servers["gunicorn"] = _start([YINGJI, "serve", "--bind", f"127.0.0.1:{args.port}", "--workers",
                                      str(args.workers)], env, var_dir / "gunicorn.log")
        if not args.no_worker:
            servers["worker"] = _start([YINGJI, "worker"], env, var_dir / "worker.log")
        _wait_up(base, servers["gunicorn"], 300)  # collectstatic compresses every file first
        result = _run_locust(args, base, var_dir, servers, name)
        result.update(users=args.users, workers=args.workers, minutes=args.minutes, load=os.getloadavg())
        if args.json:
            Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1))
        ok = report(result)
        print("全部达标" if ok else "未全部达标")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"保留：数据库 {name}，目录 {var_dir}，gunicorn 进程 {servers['gunicorn'].pid}", file=sys.stderr)
        else:
            for process in servers.values():
                _stop(process)
            _database(args.server, name, create=False)
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
