"""Logs: one JSON object per line (or plain text), a request id taken from X-Request-ID when sane and echoed,
the access line's fields, and no password, token, Authorization header, cookie or mobile number in any line —
through the handler the settings configure, for real requests and for what code logs itself."""

import io
import json
import logging

import pytest
from django.test import Client

from yingji.core import logs

SECRET = "Hunter2-Secret!"
TOKEN = "0123456789abcdef0123456789abcdef01234567"  # the shape of a DRF API token (40 hex)
PHONE = "13912345678"


@pytest.fixture
def output():
    """What the configured console handler (settings.LOGGING) writes, as JSON lines, for this test."""
    handler = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, logs.RedactingFilter) for f in h.filters))
    stream, formatter = io.StringIO(), handler.formatter
    old = handler.setStream(stream)
    handler.setFormatter(logs.JsonFormatter())
    try:
        yield stream
    finally:
        handler.setStream(old)
        handler.setFormatter(formatter)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is one JSON object


def access(stream, path) -> dict:
    return next(line for line in lines(stream) if line["logger"] == "yingji.request" and line["path"] == path)


# --- request ids and the access line ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_request_id_taken_when_sane_else_made_and_echoed(output):
    response = Client().get("/login/", HTTP_X_REQUEST_ID="nginx-7f3a9c01e2")
    assert response["X-Request-ID"] == "nginx-7f3a9c01e2"
    assert access(output, "/login/")["request_id"] == "nginx-7f3a9c01e2"
    for bad in ("short", "has spaces in it", "x" * 129, "evil\r\nSet-Cookie: a=b", "id;<script>"):
        made = Client().get("/login/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert made != bad and len(made) == 32 and int(made, 16) >= 0
    assert Client().get("/login/")["X-Request-ID"] != Client().get("/login/")["X-Request-ID"]


@pytest.mark.django_db
def test_access_line_fields_and_the_user_with_region(output, django_user_model):
    from yingji.core.models import Region

    region = Region.objects.create(name="测试县", level=Region.LEVEL_CHOICES[0][0])
    user = django_user_model.objects.create_user("log-test", password="x-Secret-123", region=region)
    client = Client()
    client.force_login(user)
    client.get("/login/?next=/", HTTP_X_REQUEST_ID="req-0000000001")
    line = access(output, "/login/")
    assert set(line) >= {"timestamp", "level", "logger", "message", "request_id", "method", "path", "status",
                         "latency_ms", "remote_addr"}
    assert line["timestamp"].endswith("Z") and line["timestamp"][10] == "T"
    assert (line["method"], line["status"], line["level"], line["request_id"]) == ("GET", 302, "INFO",
                                                                                   "req-0000000001")
    assert line["message"] == "GET /login/ 302" and "next=" not in json.dumps(line)  # never the query string
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] >= 0
    assert (line["user"], line["region"]) == ("log-test", region.pk)


@pytest.mark.django_db
def test_lines_logged_during_a_request_carry_its_id(output, monkeypatch):
    from yingji.core import health

    def readiness(using="default"):
        logging.getLogger("yingji.test").warning("checking")
        return {"database": True}

    monkeypatch.setattr(health, "readiness", readiness)
    Client().get("/readyz", HTTP_X_REQUEST_ID="probe-00000042")
    (line,) = [line for line in lines(output) if line["logger"] == "yingji.test"]
    assert line["request_id"] == "probe-00000042"
    assert not [line for line in lines(output) if line.get("path") == "/readyz"]  # probes: DEBUG, not written


# --- nothing secret --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_login_with_a_password_leaves_no_password(output, django_user_model):
    django_user_model.objects.create_user("log-login", password=SECRET)
    client = Client()
    client.post("/login/", {"username": "log-login", "password": "wrong-" + SECRET})
    client.post("/login/", {"username": "log-login", "password": SECRET})
    text = output.getvalue()
    assert access(output, "/login/")["method"] == "POST"
    assert SECRET not in text


@pytest.mark.django_db
def test_a_token_request_leaves_no_password_and_no_token(output, django_user_model):
    django_user_model.objects.create_user("log-api", password=SECRET)
    answer = Client().post("/api/auth/token/", {"username": "log-api", "password": SECRET},
                           content_type="application/json")
    assert answer.status_code == 200, answer.content[:200]
    token = answer.json()["token"]
    Client().get("/api/", HTTP_AUTHORIZATION=f"Token {token}")
    text = output.getvalue()
    assert access(output, "/api/auth/token/")["status"] == 200
    assert SECRET not in text and token not in text


@pytest.mark.django_db
def test_a_phone_in_the_query_or_body_is_not_logged(output):
    Client().get(f"/login/?phone={PHONE}&q=报警人{PHONE}")
    Client().post(f"/login/?mobile={PHONE}", {"username": PHONE, "password": SECRET, "phone": PHONE})
    text = output.getvalue()
    assert access(output, "/login/")
    assert PHONE not in text and SECRET not in text


@pytest.mark.parametrize("message, args", [
    ("POST body: username=duty&password=%s&phone=%s", (SECRET, PHONE)),
    ("json %s", ({"password": SECRET, "new_password1": SECRET, "phone": PHONE},)),
    ('{"token": "%s", "old_password": "%s"}', (TOKEN, SECRET)),
    ("headers %s", ({"Authorization": f"Token {TOKEN}", "Cookie": f"sessionid={SECRET}; csrftoken={SECRET}"},)),
    ("Authorization: Bearer %s", (SECRET + "abcdefgh",)),
    ("sms to +86%s and 0086-%s: 预警", (PHONE, PHONE)),
    ("caller %s reported a fire; callback %s", (PHONE, PHONE[:3] + "-" + PHONE[3:])),
    ("sms %s", (f"{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}",)),
])
def test_redacting_filter(output, message, args):
    logging.getLogger("yingji.test").warning(message, *args)
    (line,) = lines(output)
    digits = "".join(ch for ch in line["message"] if ch.isdigit())
    assert SECRET not in line["message"] and TOKEN not in line["message"] and PHONE not in digits
    assert line["level"] == "WARNING"


def test_redaction_keeps_what_is_not_secret():
    assert logs.redact("GET /incidents/12345678901234/ 200") == "GET /incidents/12345678901234/ 200"  # 14 digits
    assert logs.redact("电话 13912345678") == "电话 139****5678"
    assert logs.redact("tel:+86 139-1234-5678.") == "tel:+86 139****5678."
    assert logs.redact("总数 10000000000") == "总数 10000000000"  # starts 10: not a mobile number
    assert logs.redact("password=abc&next=/home") == "password=***&next=/home"


def test_a_traceback_is_redacted_too(output):
    try:
        raise ValueError(f"could not log in with password={SECRET} for {PHONE}")
    except ValueError:
        logging.getLogger("yingji.test").exception("failed")
    (line,) = lines(output)
    assert "ValueError" in line["exception"] and SECRET not in line["exception"] and PHONE not in line["exception"]


def test_plain_format_for_the_demo():
    record = logging.LogRecord("yingji.test", logging.INFO, __file__, 1, "phone %s", (PHONE,), None)
    logs.RedactingFilter().filter(record)
    text = logs.PlainFormatter().format(record)
    assert text.endswith("INFO yingji.test [-] phone 139****5678")


def test_settings_choose_the_format():
    assert logs.logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    assert logs.logging_config("plain", "INFO")["handlers"]["console"]["formatter"] == "plain"
    assert logs.logging_config("json", "INFO")["handlers"]["console"]["filters"] == ["request_id", "redact"]


def test_a_principal_that_is_not_a_user_is_logged_by_its_name():
    """A gateway's request.user is no User: the access line names it instead of failing the request."""
    from yingji.core.logs import _user_fields

    class Principal:
        is_authenticated = True
        username = "gateway:GW-01"
        region_id = 7

    class Request:
        user = Principal()

    assert _user_fields(Request()) == {"user": "gateway:GW-01", "region": 7}
