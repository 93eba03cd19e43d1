"""Issue 11 hardening: spreadsheet formulas escaped, admins kept, tokens expiring, idle sessions, uploads, audit."""

import io
import time
import zipfile

import pytest
from openpyxl import load_workbook

from yingji.core.imports import SHEETS, RowError, errors_xlsx, run_import
from yingji.core.models import User

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://ev.il","看")'  # fits the 32-character manager field
DANGEROUS = [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _sheet_xml(content: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()


# --- 1. Excel formula injection -------------------------------------------------

def test_exported_text_starting_with_a_formula_sign_stays_text(demo, web):
    from yingji.resources import services
    from yingji.resources.models import Shelter

    shelter = Shelter.objects.filter(region__code__startswith="512022").first()
    services.save_shelter(None, shelter, {"manager": FORMULA, "address": "-5号院"})
    content = web("admin").get("/shelters/export.xlsx").content
    assert "<f>" not in _sheet_xml(content)  # no live formula anywhere in the file
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("名称")].value == shelter.name)
    manager, address = row[header.index("负责人")], row[header.index("地址")]
    assert manager.data_type == "s" and manager.value == FORMULA and manager.quotePrefix
    assert address.data_type == "s" and address.value == "-5号院" and address.quotePrefix
    area = row[header.index("有效避难面积（m²）")]
    assert area.data_type == "n"  # numbers stay numbers


def test_error_report_escapes_values_and_keeps_negative_numbers_numeric():
    content = errors_xlsx([RowError(2, "负责人", value, "示例") for value in DANGEROUS] + [RowError(3, "数量", -5, "负数")])
    assert "<f>" not in _sheet_xml(content)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(min_row=2))
    for row, value in zip(rows, DANGEROUS, strict=False):
        assert row[2].data_type == "s" and row[2].value == value and row[2].quotePrefix
    assert rows[-1][2].value == -5 and rows[-1][2].data_type == "n" and not rows[-1][2].quotePrefix


def test_escaped_export_imports_back_unchanged(demo, web):
    from yingji.resources import services
    from yingji.resources.models import Shelter

    shelter = Shelter.objects.filter(region__code__startswith="512022").first()
    services.save_shelter(None, shelter, {"manager": FORMULA})
    content = web("admin").get("/shelters/export.xlsx").content
    result = run_import(User.objects.get(username="admin"), SHEETS["shelters"], io.BytesIO(content))
    assert result.ok, result.errors
    shelter.refresh_from_db()
    assert shelter.manager == FORMULA


# --- 6. The last administrator stays; nobody removes themselves ----------------

def _fields(caught) -> dict:
    return caught.value.message_dict


def test_nobody_deactivates_themselves(demo):
    from django.core.exceptions import ValidationError

    from yingji.core import services

    admin = User.objects.get(username="admin")
    services.save_user(None, User(username="admin2"), {"region": admin.region}, role_names=["管理员"],
                       password="Qiang#Zhang2026")
    with pytest.raises(ValidationError) as caught:
        services.save_user(admin, User.objects.get(pk=admin.pk), {"is_active": False})
    assert "不能停用自己的账号" in _fields(caught)["is_active"][0]
    assert User.objects.get(pk=admin.pk).is_active
    with pytest.raises(ValidationError, match="不能删除自己的账号"):
        services.delete_user(admin, admin)


def test_the_last_active_admin_cannot_be_deactivated_demoted_or_deleted(demo):
    from django.core.exceptions import ValidationError

    from yingji.core import services

    assert User.objects.filter(is_superuser=True).count() == 0  # the demo's only administrator is "admin"
    admin = User.objects.get(username="admin")
    with pytest.raises(ValidationError) as caught:
        services.save_user(None, User.objects.get(pk=admin.pk), {"is_active": False})
    assert "最后一个" in _fields(caught)["is_active"][0]
    with pytest.raises(ValidationError) as caught:
        services.save_user(None, User.objects.get(pk=admin.pk), {}, role_names=["值班员"])
    assert "最后一个" in _fields(caught)["roles"][0]
    with pytest.raises(ValidationError, match="最后一个"):
        services.delete_user(None, admin)
    assert User.objects.get(pk=admin.pk).is_active and User.objects.get(pk=admin.pk).role_names == ["管理员"]
    # With a second active administrator the first may go.
    other = services.save_user(None, User(username="root"), {"is_superuser": True}, password="Qiang#Zhang2026")
    services.save_user(other, User.objects.get(pk=admin.pk), {"is_active": False})
    with pytest.raises(ValidationError) as caught:
        services.save_user(None, User.objects.get(pk=other.pk), {"is_superuser": False})
    assert "最后一个" in _fields(caught)["is_superuser"][0]


# --- 8. Records made by the system name the system ------------------------------

def test_system_actor_is_named_system_in_api_answers(demo, api):
    from yingji.resources.models import ForceStatusChange

    change = ForceStatusChange.objects.filter(actor__isnull=True).select_related("force").first()
    history = api("admin").get(f"/api/forces/{change.force_id}/history/").json()
    assert history and {row["actor_name"] for row in history} == {"系统"}


# --- 3. API tokens expire and die with the password or the account -------------------

def _token(username="duty"):
    from rest_framework.test import APIClient

    from yingji.core.demo import DEMO_PASSWORD

    answer = APIClient().post("/api/auth/token/", {"username": username, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


def _me(token):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/users/me/")


def test_token_expires_after_the_configured_hours(demo, settings):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    assert settings.YINGJI_TOKEN_HOURS == 12
    token = _token()
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=11, minutes=59))
    assert _me(token).status_code == 200
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=12, minutes=1))
    expired = _me(token)
    assert expired.status_code == 401
    assert "已过期" in expired.json()["error"]["message"] and expired.json()["error"]["code"] == "authentication_failed"
    fresh = _token()  # logging in again gives a new token
    assert fresh != token and _me(fresh).status_code == 200


def test_password_change_reset_and_deactivation_revoke_tokens(demo):
    from yingji.core import services

    duty = User.objects.get(username="duty")
    token = _token()
    services.save_user(User.objects.get(username="admin"), duty, {"phone": "13900000000"})
    assert _me(token).status_code == 200  # an unrelated change keeps the token
    services.change_password(duty, duty, "Another#Pass2026")
    assert _me(token).status_code == 401

    commander = User.objects.get(username="commander")
    token = _token("commander")
    services.save_user(User.objects.get(username="admin"), commander, {}, password="Reset#Pass2026")
    assert _me(token).status_code == 401

    token = _token("leader")
    leader = User.objects.get(username="leader")
    services.save_user(User.objects.get(username="admin"), leader, {"is_active": False})
    assert _me(token).status_code == 401
    leader.is_active = True  # re-activated (e.g. in the admin): the old token is gone for good
    leader.save()
    assert _me(token).status_code == 401



# --- 4. Background polls do not keep an idle session alive ---------------------------

def _age_session(client, minutes):
    """Time travel: the last activity (and the session's stored expiry) `minutes` ago."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from yingji.core.middleware import LAST_ACTIVITY

    session = client.session
    session[LAST_ACTIVITY] = session.get(LAST_ACTIVITY, time.time()) - minutes * 60
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=30 - minutes))


BACKGROUND = {"HTTP_X_YINGJI_BACKGROUND": "1"}


def test_polling_alone_ends_the_session_after_thirty_idle_minutes(demo, web):
    from django.contrib.sessions.models import Session

    client = web("duty")
    assert client.get("/").status_code == 200
    _age_session(client, 29)
    assert client.get("/regions/").status_code == 200  # a click: the idle clock starts again
    _age_session(client, 2)
    assert client.get("/api/regions/", **BACKGROUND).status_code == 200
    # 29 minutes of the board's and the map's polls since the click: each answers, none renews the session.
    _age_session(client, 27)
    expires = Session.objects.get(session_key=client.session.session_key).expire_date
    for url in ["/api/regions/", "/"]:
        assert client.get(url, **BACKGROUND).status_code == 200
    assert Session.objects.get(session_key=client.session.session_key).expire_date == expires
    # Two more minutes of polling: 31 idle minutes, the user is logged out.
    _age_session(client, 2)
    api = client.get("/api/regions/", **BACKGROUND)
    assert api.status_code == 401 and api.json()["error"]["code"] == "not_authenticated"
    page = client.get("/")
    assert page.status_code == 302 and page.url.startswith("/login/")


# --- 7. Authentication events, exports and downloads in the audit trail ---------------

def _events(action):
    from yingji.core.models import AuditEntry

    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _facts(entry) -> dict:
    return {key: after for key, (_, after) in entry.changes.items()}


def test_logins_logouts_failures_and_tokens_are_audited(demo):
    from django.test import Client
    from rest_framework.test import APIClient

    from yingji.core.demo import DEMO_PASSWORD

    client = Client(REMOTE_ADDR="10.9.8.7")
    client.post("/login/", {"username": "duty", "password": "Wrong#pass1"})
    [failed] = _events("login_failed")
    assert failed.actor is None and failed.actor_name == "未登录用户"
    assert _facts(failed) == {"用户名": "duty", "结果": "用户名或密码错误", "IP": "10.9.8.7"}
    assert failed.region == User.objects.get(username="duty").region  # the county admin sees it
    assert client.post("/login/", {"username": "duty", "password": DEMO_PASSWORD}).status_code == 302
    [login] = _events("login")
    assert login.actor.username == "duty" and _facts(login)["IP"] == "10.9.8.7"
    client.post("/logout/")
    [logout] = _events("logout")
    assert logout.actor.username == "duty"
    APIClient(REMOTE_ADDR="10.9.8.6").post("/api/auth/token/", {"username": "leader", "password": DEMO_PASSWORD})
    [token] = _events("token")
    assert token.actor.username == "leader" and _facts(token)["IP"] == "10.9.8.6" and "有效期至" in _facts(token)


def test_exports_are_audited_with_list_filters_and_row_count(demo, web):
    client = web("duty")
    content = client.get("/shelters/export.xlsx?q=镇").content
    rows = load_workbook(io.BytesIO(content)).worksheets[0].max_row - 1
    [export] = _events("export")
    assert export.actor.username == "duty" and export.object_repr == "导出应急避难场所"
    assert _facts(export)["行数"] == rows and _facts(export)["筛选条件"] == "q=镇"


def test_cli_export_is_audited(demo, tmp_path):
    from django.core.management import call_command  # noqa: F401  (the CLI's own code path, in-process)

    from yingji.core.cli import export_sheet

    export_sheet.main(["regions", str(tmp_path / "r.xlsx"), "--user", "township"], standalone_mode=False)
    [export] = _events("export")
    assert export.actor.username == "township" and export.object_repr == "导出行政区划"
    assert _facts(export)["行数"] == 1


def test_the_audit_trail_pages_show_events(demo, web):
    client = web("admin")
    client.get("/shelters/export.xlsx")
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "导出应急避难场所" in html and "登录" in html
    rows = client.get("/api/audit/").json()["results"]
    assert {"export", "login"} <= {row["action"] for row in rows}


def test_requests_within_a_minute_do_not_save_the_session_again(demo, web):
    """A page that loads its map layers at once writes the session once: the activity time has a one-minute
    resolution (ten parallel layer requests on one session were ten session writes)."""
    from django.contrib.sessions.models import Session

    client = web("duty")
    assert client.get("/").status_code == 200
    stored = Session.objects.get().session_data
    for _ in range(5):
        assert client.get("/regions/").status_code == 200
    assert Session.objects.get().session_data == stored
