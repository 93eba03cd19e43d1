"""Logs: one line per request with its id, user, region, status and latency; JSON lines or plain text
(YINGJI_LOG_FORMAT); and no secrets or personal phone numbers in any line.

- RequestLogMiddleware (outermost) takes the caller's X-Request-ID when it is sane (8–128 of [A-Za-z0-9._:-],
  as nginx's $request_id or another service's id), else makes one; every log line written while the request
  runs carries it (a context variable), and the response echoes it in X-Request-ID. After the response it writes
  the access line (logger yingji.request): method, path (never the query string), status, latency_ms, user and
  region (only when the request has loaded the user already: logging never adds a query).
- RedactingFilter, on the handlers, rewrites every record before any formatter sees it: values of password,
  token, secret, Authorization, Cookie, session and CSRF fields (key=value, key: value, "key": "value"),
  credentials after Token/Bearer/Basic, 40-hex API tokens, and mainland mobile numbers (1[3-9] and 9 digits,
  kept as 139****0009, the usual de-identified form). Tracebacks are redacted by the formatters too.
- JsonFormatter writes one JSON object per line: timestamp (UTC, ISO 8601, ms), level, logger, message,
  request_id, and the request fields when present; exception for a traceback."""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("yingji_request_id", default="")
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
REQUEST_FIELDS = ("method", "path", "status", "latency_ms", "user", "region", "remote_addr")
MASK = "***"

_SECRET_KEYS = (r"password\w*|passwd|pwd|new_password\d?|old_password|token|access_token|refresh_token|secret"
                r"|client_secret|api[_-]?key|authorization|proxy-authorization|cookie|set-cookie|sessionid"
                r"|csrftoken|csrfmiddlewaretoken|x-csrftoken|x-gateway-token")
_PATTERNS = [
    # "password": "x" (JSON, reprs)
    (re.compile(rf"""(?i)(["'](?:{_SECRET_KEYS})["']\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,}}]+)"""),
     rf'\1"{MASK}"'),
    # password=x (query strings, form bodies), Authorization: x (headers); the rest of a header line
    (re.compile(rf"(?i)\b((?:{_SECRET_KEYS})\s*=\s*)[^\s&;,]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b((?:authorization|proxy-authorization|cookie|set-cookie|x-gateway-token)\s*:\s*)[^\r\n]+"),
     rf"\1{MASK}"),
    (re.compile(r"(?i)\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    (re.compile(r"(?<![0-9A-Fa-f])[0-9a-fA-F]{40}(?![0-9A-Fa-f])"), MASK),  # DRF API tokens
    # mainland mobiles, also after +86 / 0086 and written 139-1234-5678 or 139 1234 5678; not inside a longer number
    (re.compile(r"(?<!\d)((?:\+86|0086|86)[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)"), r"\1\2****\3"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """On a handler: the message (with its arguments merged in) and every string field of the record, redacted.
    Never drops a record."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string: log what was given
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, redact(value))
        return True


class RequestIdFilter(logging.Filter):
    """Adds request_id (empty outside a request) to every record, for both formats."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


def _traceback(formatter: logging.Formatter, record) -> str:
    text = ""
    if record.exc_info:
        text = formatter.formatException(record.exc_info)
    elif record.exc_text:
        text = record.exc_text
    if record.stack_info:
        text = f"{text}\n{formatter.formatStack(record.stack_info)}" if text else formatter.formatStack(record.stack_info)
    return redact(text)


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        exception = _traceback(self, record)
        if exception:
            line["exception"] = exception
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The demo's readable lines: time, level, logger, [request id] message (and the traceback, redacted)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record):
        record.request_id = getattr(record, "request_id", "") or request_id_var.get() or "-"
        exc_info, exc_text, stack = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            text = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = exc_info, exc_text, stack
        exception = _traceback(self, record)
        return f"{text}\n{exception}" if exception else text


def logging_config(fmt: str, level: str) -> dict:
    """settings.LOGGING: one stderr handler (systemd's journal, or a file through the service manager) with the
    two filters and the chosen format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "yingji.core.logs.RequestIdFilter"},
            "redact": {"()": "yingji.core.logs.RedactingFilter"},
        },
        "formatters": {
            "json": {"()": "yingji.core.logs.JsonFormatter"},
            "plain": {"()": "yingji.core.logs.PlainFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json" if fmt == "json" else "plain",
                        "filters": ["request_id", "redact"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own handlers go (its DEBUG console, runserver's access lines with their query strings): every
        # record goes through the one redacting handler above. Its request logger repeats each 4xx the access
        # line has already; its errors (tracebacks) stay.
        "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True},
                    "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
                    "django.server": {"handlers": [], "level": "WARNING", "propagate": True}},
    }


# --- the access line ----------------------------------------------------------------------------------------------

def incoming_id(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _user_fields(request) -> dict:
    """The user and their region when the request has loaded them (never a query of its own)."""
    from django.utils.functional import empty

    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)  # a SimpleLazyObject until something asked who it is
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return {}
    # Not only Users: a gateway's principal, say. A log line must never be what turns an answer into a 500.
    name = wrapped.get_username() if hasattr(wrapped, "get_username") else getattr(wrapped, "username", str(wrapped))
    return {"user": name, "region": getattr(wrapped, "region_id", None)}


access_log = logging.getLogger("yingji.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .security import client_ip

        rid = incoming_id(request)
        request.request_id = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            # Django's handler would log each 4xx/5xx response again after this (outside the request id); the line
            # below says it. Tracebacks were logged already, inside, where the exception was turned into a 500.
            response._has_been_logged = True
            status = response.status_code
            level = (logging.DEBUG if getattr(request, "yingji_ops", False) else
                     logging.ERROR if status >= 500 else logging.WARNING if status in (401, 403, 429) else logging.INFO)
            if access_log.isEnabledFor(level):
                fields = {"method": request.method, "path": request.path, "status": status,
                          "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                          "remote_addr": client_ip(request), **_user_fields(request)}
                access_log.log(level, "%s %s %s", request.method, request.path, status, extra=fields)
            return response
        finally:
            request_id_var.reset(token)
