"""Argon2, password rules, lockout after 5 failures for 15 minutes per (user, IP) and per IP (web and API), sessions,
CSRF, headers."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from yingji.core import services
from yingji.core.demo import DEMO_PASSWORD
from yingji.core.models import Region, User

pytestmark = pytest.mark.django_db


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2(demo):
    assert get_hasher().algorithm == "argon2"
    user = services.save_user(None, User(username="hashed"), {"region": Region.objects.get(code="512022")},
                              role_names=["值班员"], password="Argon#2026pass")
    assert user.password.startswith("argon2$")
    assert Client().login(username="hashed", password="Argon#2026pass")
    services.change_password(user, user, "Argon#2027pass")
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


@pytest.mark.parametrize("password, message", [
    ("Ab1!xyz", "密码太短：至少包含 8 个字符"),
    ("abcdefgh12", "当前只有 2 类"),
    ("ABCDEFGH!!", "当前只有 2 类"),
    ("Password1", "太常见"),
])
def test_password_rules(demo, password, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.save_user(None, User(username="newbie"), {"region": Region.objects.get(code="512022")},
                           role_names=["值班员"], password=password)
    assert message in " ".join(caught.value.message_dict["password"])
    assert not User.objects.filter(username="newbie").exists()


def test_good_password_is_accepted(demo):
    user = services.save_user(None, User(username="newbie"), {"region": Region.objects.get(code="512022")},
                              role_names=["duty_officer"], password="Qiang#Zhang2026")
    assert user.check_password("Qiang#Zhang2026") and user.role_names == ["值班员"]


def web_login(client, password):
    return client.post("/login/", {"username": "duty", "password": password})


def fifteen_minutes_pass():
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))


def test_web_login_locks_after_five_failures_for_fifteen_minutes(demo):
    client = Client()
    for attempt in range(5):
        response = web_login(client, f"wrong-{attempt}")
        assert "用户名或密码错误" in response.content.decode()
    response = web_login(client, DEMO_PASSWORD)  # right password, but locked
    assert response.status_code == 200
    assert "已锁定 15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14, seconds=50))
    assert "已锁定" in web_login(client, DEMO_PASSWORD).content.decode()
    fifteen_minutes_pass()
    assert web_login(client, DEMO_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="duty").exists()  # a success clears the counter


def test_every_login_path_is_locked(demo):
    client = Client()
    for attempt in range(5):
        web_login(client, f"wrong-{attempt}")
    # The authentication backend itself refuses, so the admin login and the API token are locked too.
    admin_login = Client().post("/admin/login/?next=/admin/", {"username": "duty", "password": DEMO_PASSWORD})
    assert admin_login.status_code == 200 and "_auth_user_id" not in admin_login.client.session
    token = APIClient().post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD})
    assert token.status_code == 400 and "已锁定" in token.json()["error"]["message"]


def test_four_failures_do_not_lock(demo):
    client = Client()
    for attempt in range(4):
        web_login(client, f"wrong-{attempt}")
    assert web_login(client, DEMO_PASSWORD).status_code == 302


def test_api_token_login_shares_the_lockout(demo):
    client = APIClient()
    ok = client.post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD})
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    for attempt in range(5):
        bad = client.post("/api/auth/token/", {"username": "duty", "password": f"wrong-{attempt}"})
        assert bad.status_code == 400
        assert bad.json()["error"]["message"] == "用户名或密码错误。"
    locked = client.post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD})
    assert locked.status_code == 400 and "已锁定" in locked.json()["error"]["message"]
    # The web form is locked too: the same counters for this user and this IP.
    assert "已锁定" in web_login(Client(), DEMO_PASSWORD).content.decode()


def test_api_lock_lasts_fifteen_minutes(demo):
    client = APIClient()
    for attempt in range(5):
        client.post("/api/auth/token/", {"username": "duty", "password": f"wrong-{attempt}"})
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14, seconds=50))
    still = client.post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD})
    assert still.status_code == 400 and "已锁定" in still.json()["error"]["message"]
    fifteen_minutes_pass()
    later = client.post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD})
    assert later.status_code == 200 and later.json()["token"]


def test_a_success_resets_the_count_of_consecutive_failures(demo):
    client = Client()
    for attempt in range(4):
        web_login(client, f"wrong-{attempt}")
    assert web_login(client, DEMO_PASSWORD).status_code == 302
    client = Client()
    for attempt in range(4):
        web_login(client, f"again-{attempt}")
    assert web_login(client, DEMO_PASSWORD).status_code == 302  # 8 failures, never 5 in a row


def test_unknown_usernames_are_counted_too(demo):
    client = Client()
    for attempt in range(5):
        client.post("/login/", {"username": "ghost", "password": f"x{attempt}"})
    assert AccessAttempt.objects.get(username="ghost").failures_since_start == 5
    assert "已锁定" in client.post("/login/", {"username": "ghost", "password": "x"}).content.decode()


def test_a_stranger_elsewhere_cannot_lock_a_user_out(demo):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(5):
        stranger.post("/login/", {"username": "duty", "password": f"guess-{attempt}"})
    assert "已锁定" in stranger.post("/login/", {"username": "duty", "password": DEMO_PASSWORD}).content.decode()
    # The duty officer at their own desk is not locked...
    assert Client(REMOTE_ADDR="10.20.0.5").post("/login/", {"username": "duty", "password": DEMO_PASSWORD}).status_code == 302
    # ...while the stranger's address stays locked for every username (the per-IP counter).
    other = stranger.post("/login/", {"username": "commander", "password": DEMO_PASSWORD})
    assert other.status_code == 200 and "已锁定" in other.content.decode()


def test_failures_spread_over_usernames_lock_the_ip(demo):
    client = APIClient(REMOTE_ADDR="198.51.100.7")
    for name in ["duty", "commander", "leader", "township", "ghost"]:
        client.post("/api/auth/token/", {"username": name, "password": "Wrong#2026x"})
    locked = client.post("/api/auth/token/", {"username": "inspector", "password": DEMO_PASSWORD})
    assert locked.status_code == 400 and "已锁定" in locked.json()["error"]["message"]
    assert APIClient().post("/api/auth/token/", {"username": "inspector", "password": DEMO_PASSWORD}).status_code == 200


def test_token_authenticates_api_requests(demo):
    token = APIClient().post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD}).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/users/me/").json()
    assert me["username"] == "duty" and me["region_name"] == "四川省 › 资阳市 › 乐至县"


def test_every_request_renews_the_thirty_minute_session(demo, web):
    from django.contrib.sessions.models import Session

    from yingji.core.middleware import LAST_ACTIVITY

    client = web("duty")
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    # Ten minutes of idling later, the last activity is ten minutes old and the session has twenty minutes left...
    stored = client.session
    stored[LAST_ACTIVITY] -= 600
    stored.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=20))
    assert client.get("/regions/").status_code == 200
    # ...and a request renews it to a full thirty, no more.
    left = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    assert client.session.get_expiry_age() == 1800


def test_idle_session_is_refused(demo, web):
    from django.contrib.sessions.models import Session

    client = web("duty")
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_csrf_is_enforced_on_login_and_forms(demo):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "duty", "password": DEMO_PASSWORD}).status_code == 403
    page = client.get("/login/")
    token = page.cookies["csrftoken"].value
    response = client.post("/login/", {"username": "duty", "password": DEMO_PASSWORD,
                                       "csrfmiddlewaretoken": token})
    assert response.status_code == 302


@pytest.mark.parametrize("url, who", [("/", "duty"), ("/login/", None), ("/api/regions/", "duty"),
                                      ("/api/regions/", None), ("/api/docs/", "duty")])
def test_secure_headers(demo, web, url, who):
    response = (web(who) if who else Client()).get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]  # no inline scripts allowed


def test_behind_a_proxy_each_client_is_counted_by_its_own_address(demo, settings):
    settings.YINGJI_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", **proxy)  # the left entry is made up
    for attempt in range(5):
        attacker.post("/login/", {"username": "duty", "password": f"guess-{attempt}"})
    assert "已锁定" in attacker.post("/login/", {"username": "duty", "password": DEMO_PASSWORD}).content.decode()
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    assert colleague.post("/login/", {"username": "duty", "password": DEMO_PASSWORD}).status_code == 302


def test_the_per_ip_limit_can_be_set_apart_for_offices_behind_one_address(demo, settings):
    settings.YINGJI_LOCKOUT_IP_FAILURES = 20  # e.g. a bureau whose staff share one NAT address
    office = APIClient(REMOTE_ADDR="10.30.0.1")
    for name in ["duty", "commander", "leader", "township", "township2"]:  # one typo each
        office.post("/api/auth/token/", {"username": name, "password": "Typo#2026x"})
    assert office.post("/api/auth/token/", {"username": "inspector", "password": DEMO_PASSWORD}).status_code == 200
    for attempt in range(4):  # duty's own counter: 1 + 4 = 5
        office.post("/api/auth/token/", {"username": "duty", "password": f"Typo#{attempt}x"})
    locked = office.post("/api/auth/token/", {"username": "duty", "password": DEMO_PASSWORD})
    assert locked.status_code == 400 and "已锁定" in locked.json()["error"]["message"]
