"""Django settings. Everything a deployment changes comes from YINGJI_* environment variables."""

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("YINGJI_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """YINGJI_SECRET_KEY, else a key generated once and kept in var/ so sessions survive restarts."""
    if os.environ.get("YINGJI_SECRET_KEY"):
        return os.environ["YINGJI_SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("YINGJI_DEBUG", False)
ALLOWED_HOSTS = env_list("YINGJI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Behind a TLS-terminating proxy in production; plain http on localhost for the demo.
HTTPS = env_bool("YINGJI_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",  # failed-login counting per (username, IP) and per IP; see core/security.py
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    # Yingji apps: each may add cli.py (command groups) and demo.py (demo data).
    "yingji.core",
    "yingji.resources",
    "yingji.incidents",
    "yingji.plans",
    "yingji.safety",
    "yingji.monitoring",
    "yingji.warnings",
    "yingji.planning",
    "yingji.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yingji.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "yingji.core.middleware.BodyLimitMiddleware",  # before CSRF, which reads form bodies
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yingji.core.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yingji.urls"
WSGI_APPLICATION = "yingji.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yingji.web.context.navigation",
                "yingji.core.notifications.context",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
SQLITE_OPTIONS = {
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # "database is locked" on lock upgrades. Django turns foreign keys on for SQLite. A writer waits up to 20 s
    # for the lock: a burst of writes (20 logins at once) on a busy machine queues rather than answering 500.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    "transaction_mode": "IMMEDIATE",
}


def database_config(url: str | None) -> dict:
    if not url:
        url = f"sqlite:///{VAR_DIR / 'yingji.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = "yingji.core.sqlite"  # the same backend, keeping planner statistics fresh
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        config["CONN_MAX_AGE"] = 0
        # Tests: an in-memory database per test process. Said explicitly so that pytest-django, which does
        # not recognise this backend as SQLite, leaves the name alone under xdist instead of making a path.
        config["TEST"] = {"NAME": ":memory:"}
    elif config["ENGINE"].endswith("postgresql"):
        # An unreachable server fails a request (and /readyz) in seconds rather than after the OS's TCP time-out.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return config


# pytest sets PYTEST_VERSION: the suite runs on SQLite unless YINGJI_TEST_DATABASE_URL names another server.
if "PYTEST_VERSION" in os.environ:
    DATABASES = {"default": database_config(os.environ.get("YINGJI_TEST_DATABASE_URL"))}
else:
    DATABASES = {"default": database_config(os.environ.get("YINGJI_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and security -----------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["yingji.core.security.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "yingji.core.security.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "yingji.core.security.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Supplies expiring within this many days are listed for rotation (轮换).
YINGJI_EXPIRY_HORIZON_DAYS = int(os.environ.get("YINGJI_EXPIRY_HORIZON_DAYS", "90"))
# Effective shelter area per person (m²) by shelter type. The seeds and GB 21734-2008 5.4 ask for
# more than 1.5 m²; GB 51143-2015's per-type values could not be verified, so 1.5 for every type
# until a deployment sets its own.
YINGJI_SHELTER_AREA_PER_PERSON = {
    "emergency": 1.5, "fixed_short": 1.5, "fixed_medium": 1.5, "fixed_long": 1.5, "central": 1.5,
}
# Login throttling (django-axes, made atomic by core/security.py): this many failed logins within the
# cool-off lock that username from that IP, and that IP for every username, for the cool-off.
YINGJI_LOCKOUT_FAILURES = env_int("YINGJI_LOCKOUT_FAILURES", 5)
YINGJI_LOCKOUT_MINUTES = env_int("YINGJI_LOCKOUT_MINUTES", 15)
# The per-IP counter's own limit (all usernames from one address): raise it where many staff share one
# NAT address, so that a few typos across the office do not lock everyone out.
YINGJI_LOCKOUT_IP_FAILURES = env_int("YINGJI_LOCKOUT_IP_FAILURES", YINGJI_LOCKOUT_FAILURES)
AXES_FAILURE_LIMIT = YINGJI_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=YINGJI_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "yingji.core.security.ReservingHandler"
AXES_LOCKOUT_CALLABLE = "yingji.core.security.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused attempt does not prolong the lock
AXES_ENABLE_ACCESS_FAILURE_LOG = False  # failed logins are in the audit trail (core/audit.py)
AXES_DISABLE_ACCESS_LOG = True  # so are logins and logouts
AXES_VERBOSE = False
# Behind a reverse proxy REMOTE_ADDR is the proxy's: say how many proxies append to X-Forwarded-For,
# or every user shares one IP (one per-IP lock, one public-report limit). YINGJI_HTTPS implies one.
YINGJI_TRUSTED_PROXIES = env_int("YINGJI_TRUSTED_PROXIES", 1 if HTTPS else 0)
AXES_CLIENT_IP_CALLABLE = "yingji.core.security.client_ip"
# API tokens (POST /api/auth/token/) expire this many hours after issue; a password change or a
# deactivation deletes them at once.
YINGJI_TOKEN_HOURS = env_int("YINGJI_TOKEN_HOURS", 12)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# 30 idle minutes. Every request of the user renews it (core.middleware.IdleTimeoutMiddleware writes the
# time of the last activity, which saves the session); background polls (X-Yingji-Background: 1) do not,
# so saving on every request must stay off.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "yingji.core.errors.csrf_failure"  # a Chinese page, not Django's English one
CSRF_TRUSTED_ORIGINS = env_list("YINGJI_CSRF_TRUSTED_ORIGINS", "")

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: everything served by the app, nothing from a CDN ----------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic has run
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders until collectstatic has run (demo, tests).
WHITENOISE_USE_FINDERS = True
# Apache ECharts (ES module build) as shipped inside the `instaui-echarts` wheel from PyPI: served as
# /static/vendor/echarts/echarts.esm.min.js (web/echarts.js makes it the global `echarts`); found without importing
# the package. It replaced `vizly`, which shipped the same file but pulled in pandas and SQLAlchemy (~120 MB).
STATICFILES_DIRS = [
    ("vendor/echarts", importlib.util.find_spec("instaui_echarts").submodule_search_locations[0] + "/static")]
# Leaflet 1.9 (leaflet.js, leaflet.css, images/) as shipped inside the `django-leaflet` wheel from PyPI: served as
# /static/vendor/leaflet/…; only its static folder is used (not an installed app, none of its widgets or settings).
STATICFILES_DIRS.append(
    ("vendor/leaflet", importlib.util.find_spec("leaflet").submodule_search_locations[0] + "/static/leaflet"))
MEDIA_ROOT = VAR_DIR / "media"
# Uploads (public-report photos, note attachments, plan documents) are read back through
# scoped views only; MEDIA_URL is never served as a public folder.
FILE_UPLOAD_PERMISSIONS = 0o640
MAX_UPLOAD_MB = env_int("YINGJI_MAX_UPLOAD_MB", 10)
# Request bodies: views that take uploads refuse more than MAX_UPLOAD_MB + 1 MB, every other request more
# than YINGJI_MAX_REQUEST_MB, by Content-Length before anything is read (core.middleware.BodyLimitMiddleware);
# form and JSON data outside file parts is capped by Django at DATA_UPLOAD_MAX_MEMORY_SIZE.
YINGJI_MAX_REQUEST_MB = env_int("YINGJI_MAX_REQUEST_MB", 2 * MAX_UPLOAD_MB)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB (Django's default, said here on purpose)

# --- Incident reporting deadlines --------------------------------------------------------------------------
# 493号令第九条's 1 hour binds the accident unit's 单位负责人 (reporting to the county's safety department), not
# the bureau. The bureau's own duty is 第十条 (report up level by level, and to 本级人民政府) and 第十一条 (each
# level ≤ 2 h). The 60-minute 首报 is a local 信息报送 rule (often 30–60 min by phone): set it to yours.
YINGJI_INITIAL_REPORT_MINUTES = env_int("YINGJI_INITIAL_REPORT_MINUTES", 60)  # 首报 after the bureau learns (local)
YINGJI_RELAY_REPORT_MINUTES = env_int("YINGJI_RELAY_REPORT_MINUTES", 120)  # each relay up one level (第十一条 ≤ 2 h)
YINGJI_FOLLOW_UP_REPORT_MINUTES = env_int("YINGJI_FOLLOW_UP_REPORT_MINUTES", 60)  # 续报 after a change
# Who does what in the report workflow (拟稿 → 审核 → 签发 → 送达上级签收; role names, comma-separated).
YINGJI_REPORT_DRAFTERS = env_list("YINGJI_REPORT_DRAFTERS", "值班员,指挥长,乡镇用户")
YINGJI_REPORT_REVIEWERS = env_list("YINGJI_REPORT_REVIEWERS", "值班员,指挥长,领导")
YINGJI_REPORT_SIGNERS = env_list("YINGJI_REPORT_SIGNERS", "领导")
# At night the duty officer may sign too (empty: nobody extra); the hours are local (Asia/Shanghai), "HH:MM-HH:MM".
YINGJI_NIGHT_SIGNERS = env_list("YINGJI_NIGHT_SIGNERS", "值班员")
YINGJI_NIGHT_HOURS = os.environ.get("YINGJI_NIGHT_HOURS", "22:00-07:00").strip()
YINGJI_REPORT_RECEIVERS = env_list("YINGJI_REPORT_RECEIVERS", "值班员")  # 签收 at the receiving level
YINGJI_REPORT_URGERS = env_list("YINGJI_REPORT_URGERS", "值班员,指挥长,领导")  # 催报 from a level above
YINGJI_RECEIPT_MINUTES = env_int("YINGJI_RECEIPT_MINUTES", 30)  # 签收 due this long after delivery
# Road network for dispatch ranking, coverage and isochrones: a name imported with `yingji roads import`
# (under var/roads/); empty = the first one there.
YINGJI_ROAD_NETWORK = os.environ.get("YINGJI_ROAD_NETWORK", "").strip()
# Dispatch ranking without a road network: straight line × detour factor at this speed, labelled 估算(直线).
YINGJI_DETOUR_FACTOR = float(os.environ.get("YINGJI_DETOUR_FACTOR", "1.4"))
YINGJI_STRAIGHT_LINE_SPEED_KMH = float(os.environ.get("YINGJI_STRAIGHT_LINE_SPEED_KMH", "40"))
# Fires (12G) and hazardous chemicals (12D): a volunteer team ranks before a fire station only when nearer
# by more than this (s), so a team 2 minutes closer does not take the call from the station.
YINGJI_VOLUNTEER_MARGIN_SECONDS = env_int("YINGJI_VOLUNTEER_MARGIN_SECONDS", 300)
# Public reporting (no login): at most this many reports per IP and per phone per hour.
YINGJI_PUBLIC_REPORTS_PER_HOUR = env_int("YINGJI_PUBLIC_REPORTS_PER_HOUR", 5)
# One-map (应急一张图) base map: a tile URL template, e.g. 天地图 with your key
# "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default
# &TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY", or an intranet tile server.
# Empty: no base map, the vector layers (region boundaries and centres, records) alone.
YINGJI_MAP_TILES = os.environ.get("YINGJI_MAP_TILES", "").strip()
# Which datum the tiles are drawn in: "wgs84" (天地图, CGCS2000 and most intranet servers) or "gcj02"
# (AMap/Tencent-style tiles; the one-map then shifts every overlay WGS84→GCJ-02 before drawing it).
YINGJI_MAP_TILES_CRS = os.environ.get("YINGJI_MAP_TILES_CRS", "wgs84").strip().lower()
YINGJI_MAP_TILES_ATTRIBUTION = os.environ.get("YINGJI_MAP_TILES_ATTRIBUTION", "").strip()
# Offline base map: a raster .mbtiles or .pmtiles file served by the app itself at /map/tiles/{z}/{x}/{y}.png
# (logged-in users, like the map pages); set, it replaces YINGJI_MAP_TILES. Its datum is YINGJI_MAP_TILES_CRS.
YINGJI_MAP_TILES_FILE = os.environ.get("YINGJI_MAP_TILES_FILE", "").strip()
# The one-map fetches its visible layers again every this many seconds (0: only when the view changes).
YINGJI_MAP_REFRESH_SECONDS = env_int("YINGJI_MAP_REFRESH_SECONDS", 30)
# The bell in the page header asks for new public reports, reports due, … every this many seconds (a hidden tab
# less often); core/notifications.py.
YINGJI_NOTIFY_SECONDS = max(1, env_int("YINGJI_NOTIFY_SECONDS", 20))

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not logged in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yingji.core.security.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["yingji.core.api_policy.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "yingji.core.api_policy.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "yingji.core.schema.AutoSchema",  # GeoJSON and extra-action answers, see there
    "EXCEPTION_HANDLER": "yingji.core.errors.api_exception_handler",
    # One FilterSet per model (each app's filtersets.py), shared with the list pages and exports.
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yingji 应急管理综合应用平台 API",
    "DESCRIPTION": "所有 4xx 错误的形状：{\"error\": {\"code\", \"message\", \"fields\"}}。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several registries have a "status": name each choice set so clients get stable enum names.
    "ENUM_NAME_OVERRIDES": {
        "ForceStatusEnum": "yingji.resources.models.RescueForce.STATUS_CHOICES",
        "ShelterStatusEnum": "yingji.resources.models.Shelter.STATUS_CHOICES",
        "HydrantStatusEnum": "yingji.resources.models.Hydrant.STATUS_CHOICES",
        "VehicleStatusEnum": "yingji.resources.models.Vehicle.STATUS_CHOICES",
        "WarehouseLevelEnum": "yingji.resources.models.Warehouse.LEVEL_CHOICES",
        "IncidentStatusEnum": "yingji.incidents.models.Incident.STATUS_CHOICES",
        "IncidentSourceEnum": "yingji.incidents.models.Incident.SOURCE_CHOICES",
        "IncidentLevelEnum": "yingji.incidents.models.Incident.LEVEL_CHOICES",
        "AssignmentStatusEnum": "yingji.incidents.models.Assignment.STATUS_CHOICES",
        "ReportStatusEnum": "yingji.incidents.models.InformationReport.STATUS_CHOICES",
        "PublicReportStatusEnum": "yingji.incidents.models.PublicReport.STATUS_CHOICES",
        "AssetSourceEnum": "yingji.resources.models.LifecycleAsset.SOURCE_CHOICES",
        "PlanTypeEnum": "yingji.plans.models.Plan.TYPE_CHOICES",
        "PlanStatusEnum": "yingji.plans.models.Plan.STATUS_CHOICES",
        "ResponseLevelEnum": "yingji.plans.models.LEVEL_CHOICES",
        "ResponseGradeEnum": "yingji.plans.models.GRADE_CHOICES",
        "WarningColourEnum": "yingji.plans.models.COLOUR_CHOICES",
        "ResponseTaskStatusEnum": "yingji.plans.models.Task.STATUS_CHOICES",
        "ResponseTaskSettableStatusEnum": "yingji.plans.models.SETTABLE_STATUS_CHOICES",
        "SensorKindEnum": "yingji.monitoring.filtersets.KIND_CHOICES",
    },
}

# --- Background tasks (Django 6 tasks API through the django-tasks backport) --
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
if "PYTEST_VERSION" in os.environ:
    # Tests run tasks inline; the "database" alias lets a test drive the real worker.
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}, "database": TASKS["default"]}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YINGJI_LOG_LEVEL", "INFO")},
}

# Safety supervision: licences are flagged this many days before they expire.
YINGJI_LICENCE_WARNING_DAYS = int(os.environ.get("YINGJI_LICENCE_WARNING_DAYS", "90"))
# Major hazard sources: 备案 within this many days of the safety assessment, reassessed after this many years
# (《危险化学品重大危险源监督管理暂行规定》第二十三条, 第十一条).
YINGJI_MAJOR_HAZARD_FILING_DAYS = int(os.environ.get("YINGJI_MAJOR_HAZARD_FILING_DAYS", "15"))
YINGJI_MAJOR_HAZARD_REASSESS_YEARS = int(os.environ.get("YINGJI_MAJOR_HAZARD_REASSESS_YEARS", "3"))

# Monitoring (监测预警): the MQTT broker `yingji ingest mqtt` reads from, and how long readings are kept.
YINGJI_MQTT_HOST = os.environ.get("YINGJI_MQTT_HOST", "127.0.0.1")
YINGJI_MQTT_PORT = env_int("YINGJI_MQTT_PORT", 1883)
YINGJI_MQTT_SHARE_GROUP = os.environ.get("YINGJI_MQTT_SHARE_GROUP", "yingji")  # $share/<group>/… (MQTT 5)
# A reading stamped further ahead than this is refused (device clocks drift; the future is a bad clock).
YINGJI_READINGS_FUTURE_SECONDS = env_int("YINGJI_READINGS_FUTURE_SECONDS", 300)
# Raw readings are kept this many days (PostgreSQL drops whole months); 1-minute rollups this many days,
# 1-hour rollups forever.
YINGJI_READINGS_RAW_DAYS = env_int("YINGJI_READINGS_RAW_DAYS", 90)
YINGJI_ROLLUP_MINUTE_DAYS = env_int("YINGJI_ROLLUP_MINUTE_DAYS", 730)

# --- Warnings (预警发布) ---------------------------------------------------------------------------------------
# Who drafts, reviews (审核) and signs (签发) a warning (role names, comma-separated); the reviewer is never the drafter.
YINGJI_WARNING_DRAFTERS = env_list("YINGJI_WARNING_DRAFTERS", "值班员,指挥长,乡镇用户")
YINGJI_WARNING_REVIEWERS = env_list("YINGJI_WARNING_REVIEWERS", "指挥长,值班员,领导")
YINGJI_WARNING_SIGNERS = env_list("YINGJI_WARNING_SIGNERS", "领导")
# GB/T 35965.1 A.1.2 发布单位代码 = GB/T 2260 region code (from the issuing region) + DDD institution code (GB/T 4657)
# + UUU sub-unit code + XX extension; and the CAP <sender> (empty: the sender code).
YINGJI_CAP_INSTITUTION_CODE = os.environ.get("YINGJI_CAP_INSTITUTION_CODE", "000").strip()
YINGJI_CAP_UNIT_CODE = os.environ.get("YINGJI_CAP_UNIT_CODE", "000").strip()
YINGJI_CAP_EXTENSION_CODE = os.environ.get("YINGJI_CAP_EXTENSION_CODE", "00").strip()
YINGJI_CAP_SENDER = os.environ.get("YINGJI_CAP_SENDER", "").strip()
# A PEM file of the certificates whose XML signatures on imported CAP messages are trusted (a signed message from
# anyone else, or any signed message while this is empty, is refused: its signature cannot be checked).
YINGJI_CAP_TRUSTED_CERTIFICATES = os.environ.get("YINGJI_CAP_TRUSTED_CERTIFICATES", "").strip()
# Channels a warning goes out on when the signer chooses none (sms, email, loudspeaker, webhook).
YINGJI_WARNING_DEFAULT_CHANNELS = env_list("YINGJI_WARNING_DEFAULT_CHANNELS", "sms,email,loudspeaker,webhook")
# How often the worker's chain ends expired warnings (s); `yingji warnings expire` does it at once.
YINGJI_WARNING_EXPIRY_CHECK_SECONDS = env_int("YINGJI_WARNING_EXPIRY_CHECK_SECONDS", 60)
# Webhook subscribers (URLs, comma-separated) that receive every published message as signed JSON.
YINGJI_WARNING_WEBHOOK_URLS = env_list("YINGJI_WARNING_WEBHOOK_URLS", "")
# The public address of this site, for the links in SMS, e-mail and webhook bodies (e.g. https://yj.example.gov.cn).
YINGJI_WARNING_PUBLIC_URL = os.environ.get("YINGJI_WARNING_PUBLIC_URL", "").strip().rstrip("/")
# Channel settings come from YINGJI_SMS_* / YINGJI_SMTP_* / YINGJI_BROADCAST_* / YINGJI_WEBHOOK_* (warnings/channels);
# this dict, {"sms": {...}, ...}, overrides them per channel (tests point the channels at local stubs).
YINGJI_WARNING_CHANNELS: dict = {}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "WarningStateEnum": "yingji.warnings.models.Warning.STATE_CHOICES",
    "WarningMsgTypeEnum": "yingji.warnings.models.Warning.MSG_TYPE_CHOICES",
    "WarningStatusEnum": "yingji.warnings.models.Warning.STATUS_CHOICES",
    "WarningScopeEnum": "yingji.warnings.models.Warning.SCOPE_CHOICES",
    "WarningSourceEnum": "yingji.warnings.models.Warning.SOURCE_CHOICES",
    "WarningLevelEnum": "yingji.warnings.models.LEVEL_CHOICES",
    "DeliveryChannelEnum": "yingji.warnings.models.Delivery.CHANNEL_CHOICES",
    "DeliveryStateEnum": "yingji.warnings.models.Delivery.STATE_CHOICES",
    "RecipientKindEnum": "yingji.warnings.models.Recipient.KIND_CHOICES",
    # Named here because the warnings' "state" fields made its name ambiguous.
    "AlarmStateEnum": "yingji.monitoring.models.Alarm.STATE_CHOICES",
})
# --- end of warnings -------------------------------------------------------------------------------------------

# --- planning (规划实施) ----------------------------------------------------------------------------------------
# planning · losses
# 灾情报告时限，依《自然灾害情况统计调查制度》（应急管理部、国家统计局，应急〔2020〕19号，2020年3月8日）
# “一、总说明（六）报送要求 1.自然灾害快报”。核对情况（2026-12，仅能查到转载的文本，未见部网原文）：
# - 初报 2 小时：已核对。制度修订稿转载本（m.bingdoc.com/p-5312391.html）“(1)初报。本行政区域内发生自然灾害后，
#   县级应急管理部门应在灾害发生后的2小时内，将反映灾害基本情况的主要指标向地（市）级应急管理部门报告（含分乡镇
#   数据）”。
# - 续报 每日 9 时前报截至前一日 24 时、灾情稳定前 24 小时零报告：未能在制度文本中核对；所见依据为民政时期各地
#   救灾预案的同一表述（如 code.fabao365.com/law_497780_3.html“县市区民政部门每天9时之前将截至前一天24小时的
#   灾情向市州民政部门报告”）。
# - 核报 灾情稳定后 5 日内：未能核对。民政时期各地预案写的是“2个工作日内核定灾情”，与此不同；启用前请按制度原文
#   （或省级实施办法）核定 YINGJI_LOSS_FINAL_DAYS。
# 乡镇报县的时限由县里定（制度未规定）：比县级上报时限提前 YINGJI_LOSS_TOWNSHIP_LEAD_MINUTES 分钟，留出审核汇总时间。
YINGJI_LOSS_INITIAL_HOURS = int(os.environ.get("YINGJI_LOSS_INITIAL_HOURS", "2"))
YINGJI_LOSS_FOLLOWUP_BY = os.environ.get("YINGJI_LOSS_FOLLOWUP_BY", "09:00")  # 本地时间（Asia/Shanghai）
YINGJI_LOSS_FINAL_DAYS = int(os.environ.get("YINGJI_LOSS_FINAL_DAYS", "5"))
YINGJI_LOSS_TOWNSHIP_LEAD_MINUTES = int(os.environ.get("YINGJI_LOSS_TOWNSHIP_LEAD_MINUTES", "60"))
# The bell (planning/notifications.py) shows a loss report or a county filing this many minutes before its deadline
# (and every poll after it until done): 初报 deadlines are hours away, so the warning is short.
YINGJI_LOSS_REMIND_MINUTES = int(os.environ.get("YINGJI_LOSS_REMIND_MINUTES", "60"))


# planning · indicators


# planning · tasks
# Reminders on the bell (planning/notifications.py): plan tasks this many days before their deadline (and every day
# after it until done), 联席会议 decisions likewise.
YINGJI_PLANNING_TASK_REMIND_DAYS = int(os.environ.get("YINGJI_PLANNING_TASK_REMIND_DAYS", "30"))
YINGJI_PLANNING_DECISION_REMIND_DAYS = int(os.environ.get("YINGJI_PLANNING_DECISION_REMIND_DAYS", "14"))


# planning · projects
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({  # "level" and "source" name other choice sets too
    "ProjectLevelEnum": "yingji.planning.models.projects.PROJECT_LEVELS",
    "FundingSourceEnum": "yingji.planning.models.projects.FUNDING_SOURCES",
})


# planning · reports


# --- end of planning -------------------------------------------------------------------------------------------


# --- operations: health, metrics, logs ------------------------------------------------------------------------
# core/health.py, core/metrics.py, core/logs.py; docs/ops-monitoring.md says how to use them.
# /healthz, /readyz and /metrics are answered before the host check and the HTTPS redirect (probes come by IP over
# plain HTTP); every request gets an id and one access line (core.logs.RequestLogMiddleware, outermost).
MIDDLEWARE = ["yingji.core.logs.RequestLogMiddleware", "yingji.core.health.OpsEndpointsMiddleware", *MIDDLEWARE]
# Background processes (`yingji worker`, `yingji ingest mqtt`) write a heartbeat this often (s).
YINGJI_HEARTBEAT_SECONDS = float(os.environ.get("YINGJI_HEARTBEAT_SECONDS", "10"))
# /readyz fails (503) when no worker has written a heartbeat for this long (s); 0/false: no worker check
# (a deployment that runs no worker, the demo).
YINGJI_READY_WORKER = env_bool("YINGJI_READY_WORKER", True)
YINGJI_READY_WORKER_SECONDS = env_int("YINGJI_READY_WORKER_SECONDS", 60)
# MQTT monitoring in use: /readyz also wants a consumer alive (heartbeat within YINGJI_READY_INGEST_SECONDS),
# connected to its broker, whose oldest message waiting to be stored is younger than the lag limit (s).
YINGJI_READY_INGEST = env_bool("YINGJI_READY_INGEST", False)
YINGJI_READY_INGEST_SECONDS = env_int("YINGJI_READY_INGEST_SECONDS", 60)
YINGJI_READY_INGEST_LAG_SECONDS = env_int("YINGJI_READY_INGEST_LAG_SECONDS", 60)
# Prometheus metrics at /metrics (django-prometheus), off by default; only these addresses or networks may read
# them (the client address as core.security.client_ip sees it); anyone else gets a bare 404.
YINGJI_METRICS = env_bool("YINGJI_METRICS", False)
YINGJI_METRICS_ALLOW = env_list("YINGJI_METRICS_ALLOW", "127.0.0.1,::1")
if YINGJI_METRICS:  # request counts and latency by view: first and last in the stack, as django-prometheus asks
    MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE,
                  "django_prometheus.middleware.PrometheusAfterMiddleware"]
# Log lines on stderr: "json" (one object per line, for the journal or a collector) or "plain" (the demo).
YINGJI_LOG_FORMAT = os.environ.get("YINGJI_LOG_FORMAT", "plain").strip().lower()
from yingji.core.logs import logging_config  # noqa: E402 — stdlib only at import

LOGGING = logging_config(YINGJI_LOG_FORMAT, os.environ.get("YINGJI_LOG_LEVEL", "INFO"))
# --- end of operations -----------------------------------------------------------------------------------------

# --- backup (yingji backup / restore / upgrade; yingji/ops) -----------------------------------------------------
# Where `yingji backup` without a PATH, `yingji upgrade` and the worker's daily backup write their archives. Put it on
# another disk (or a mounted share) in production: a backup on the server's only disk dies with the disk.
YINGJI_BACKUP_DIR = Path(os.environ.get("YINGJI_BACKUP_DIR", VAR_DIR / "backups")).resolve()
# Retention of the daily backups: the newest of each of the last N days, and of each of the last M ISO weeks
# (a week's newest may also be a day's). Older timestamped archives in YINGJI_BACKUP_DIR are deleted.
YINGJI_BACKUP_KEEP_DAILY = env_int("YINGJI_BACKUP_KEEP_DAILY", 7)
YINGJI_BACKUP_KEEP_WEEKLY = env_int("YINGJI_BACKUP_KEEP_WEEKLY", 4)
# Local time (Asia/Shanghai, "HH:MM") of the daily backup: the quiet hours, before storage upkeep at 03:00.
YINGJI_BACKUP_AT = os.environ.get("YINGJI_BACKUP_AT", "02:30").strip()
# --- end of backup ---------------------------------------------------------------------------------------------

# --- warnings: signed CAP imports, webhook register, SMS receipts (h-warn) --------------------------------------
# May an external CAP message WITHOUT an XML signature be imported? 1 / 0; unset: only while no trusted certificates
# are configured (YINGJI_CAP_TRUSTED_CERTIFICATES). A bureau that trusts the provincial centre's certificate expects
# that feed signed, and removing the <Signature> is the easiest forgery of a signed feed, so then an unsigned message
# is refused; with no certificate nothing could be verified anyway, and imports are by signed-in staff, audited.
_cap_unsigned = os.environ.get("YINGJI_CAP_ALLOW_UNSIGNED", "").strip()
YINGJI_CAP_ALLOW_UNSIGNED: bool | None = None if _cap_unsigned == "" else env_bool("YINGJI_CAP_ALLOW_UNSIGNED", False)
# --- end of warnings (h-warn) ------------------------------------------------------------------------------------
