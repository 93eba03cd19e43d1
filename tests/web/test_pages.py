"""The web shell as each role sees it: pages render, navigation follows permissions, forms write through services."""

import re

import pytest
from django.test import Client

from yingji.core.demo import DEMO_PASSWORD, DEMO_USERS
from yingji.core.models import AuditEntry, Region, RegionGDP, User

pytestmark = pytest.mark.django_db


def client_for(username) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


PAGES = ["/", "/regions/", "/regions/locate/?lon=105.03&lat=30.28", "/organisations/", "/password/"]


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_every_role_can_open_the_shell_pages(demo, username):
    client = client_for(username)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # Offline rule: nothing is loaded from another host, and no inline script (CSP forbids it).
        assert not re.search(r"""(src|href)=["']https?://""", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url


def test_navigation_follows_permissions(demo):
    admin = client_for("admin").get("/").content.decode()
    township = client_for("township").get("/").content.decode()
    assert "操作审计" in admin and "用户" in admin
    assert "操作审计" not in township and 'href="/users/"' not in township
    assert client_for("township").get("/users/").status_code == 403
    assert client_for("township").get("/audit/").status_code == 403


def test_dashboard_shows_region_and_its_children(demo):
    html = client_for("duty").get("/").content.decode()
    assert "四川省 › 资阳市 › 乐至县" in html
    assert html.count("/regions/") >= 21  # one link per township-level unit
    township_html = client_for("township").get("/").content.decode()
    assert "天池街道" in township_html and "回澜镇" not in township_html


def test_anonymous_is_sent_to_login(demo):
    response = Client().get("/regions/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_gdp_form_records_and_corrects_a_year(demo):
    client = client_for("admin")
    county = Region.objects.get(code="512022")
    # 2019: a year the demo has no GDP for (the planning demo enters 乐至县's 2020–2025)
    response = client.post(f"/regions/{county.pk}/gdp/", {"year": 2019, "gdp_wan": "2150000.50"})
    assert response.status_code == 302
    client.post(f"/regions/{county.pk}/gdp/", {"year": 2019, "gdp_wan": "2160000"})
    entry = RegionGDP.objects.get(region=county, year=2019)
    assert str(entry.gdp_wan) == "2160000.00"
    changes = AuditEntry.objects.filter(model="core.regiongdp", object_id=str(entry.pk)).order_by("id")
    assert [e.action for e in changes] == ["create", "update"]
    assert changes.last().changes["gdp_wan"] == ["2150000.50", "2160000.00"]


def test_gdp_form_rejects_bad_input_with_chinese_message(demo):
    client = client_for("admin")
    county = Region.objects.get(code="512022")
    response = client.post(f"/regions/{county.pk}/gdp/", {"year": 2019, "gdp_wan": "-5"}, follow=True)
    assert "地区生产总值（万元）" in response.content.decode()
    assert not RegionGDP.objects.filter(region=county, year=2019).exists()


def test_gdp_form_cannot_reach_another_region(demo):
    # The leader of 乐至县 may not see 雁江区; a guessed id is a 404 (and the role lacks the permission anyway).
    other = Region.objects.get(code="512002")
    admin_of_county = User.objects.get(username="duty")
    admin_of_county.groups.add(*User.objects.get(username="admin").groups.all())
    response = client_for("duty").post(f"/regions/{other.pk}/gdp/", {"year": 2024, "gdp_wan": "1"})
    assert response.status_code == 404
    assert not RegionGDP.objects.filter(region=other).exists()


def test_password_change_validates_and_is_audited(demo):
    client = client_for("township")
    weak = client.post("/password/", {"old_password": DEMO_PASSWORD, "new_password1": "abcdefgh",
                                      "new_password2": "abcdefgh"})
    assert weak.status_code == 200
    assert "3 类" in weak.content.decode()
    wrong_old = client.post("/password/", {"old_password": "Nope-1234", "new_password1": "Better#Pass9",
                                           "new_password2": "Better#Pass9"})
    assert wrong_old.status_code == 200
    ok = client.post("/password/", {"old_password": DEMO_PASSWORD, "new_password1": "Better#Pass9",
                                    "new_password2": "Better#Pass9"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # still logged in after the change
    user = User.objects.get(username="township")
    assert user.check_password("Better#Pass9")
    entry = AuditEntry.objects.filter(model="core.user", object_id=str(user.pk)).latest("id")
    assert entry.changes == {"password": ["（已隐藏）", "（已修改）"]}
    assert "Better#Pass9" not in str(entry.changes)


def test_region_form_shows_every_error_and_writes_nothing(demo):
    client = client_for("admin")
    county = Region.objects.get(code="512022")
    before = Region.objects.count()
    response = client.post("/regions/add/", {
        "parent": county.pk, "name": "测试镇", "code": "512021999", "level": "township", "kind": "division",
        "longitude": "205", "latitude": "30.1",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "应以 512022 开头" in html
    assert "经度 205.0 超出" in html
    assert Region.objects.count() == before


def test_dashboard_readiness_cards_follow_the_region(demo, web):
    county = web("duty").get("/").content.decode()
    assert "在岗救援队伍" in county and "87.5%" in county and "49/56 完好" in county
    township = web("township").get("/").content.decode()  # 天池街道: 22 of its 24 hydrants intact
    assert "91.7%" in township and "22/24 完好" in township
