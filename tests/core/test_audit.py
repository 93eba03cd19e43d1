"""Every change through a service leaves who, when, what, before and after; nobody can edit the trail."""

import pytest
from django.core.exceptions import ValidationError

from yingji.core import services
from yingji.core.models import AuditEntry, Organisation, Region, User

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")


def test_create_update_delete_are_recorded_with_before_and_after(demo):
    actor = User.objects.get(username="admin")
    county = Region.objects.get(code="512022")
    org = services.save_organisation(actor, Organisation(), {"name": "乐至县示例局", "type": "department",
                                                             "region": county})
    services.save_organisation(actor, org, {"phone": "028-12345678"})
    services.save_organisation(actor, org, {"phone": "028-12345678"})  # no change: no entry
    pk = org.pk
    services.delete_organisation(actor, org)
    entries = list(AuditEntry.objects.filter(model="core.organisation", object_id=str(pk)).order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.actor == actor and e.actor_name == "管理员·张伟" for e in entries)
    assert entries[0].changes["name"] == [None, "乐至县示例局"]
    assert entries[1].changes == {"phone": ["", "028-12345678"]}
    assert entries[2].changes["name"] == ["乐至县示例局", None]
    assert entries[0].region == county and entries[0].time is not None


def test_api_changes_are_recorded_with_the_api_user(demo, api):
    client = api("admin")
    county = Region.objects.get(code="512022")
    response = client.post("/api/organisations/", {"name": "接口新增单位", "type": "social", "region": county.pk},
                           format="json")
    assert response.status_code == 201, response.json()
    org_id = response.json()["id"]
    client.patch(f"/api/organisations/{org_id}/", {"contact_person": "王五"}, format="json")
    entries = AuditEntry.objects.filter(model="core.organisation", object_id=str(org_id)).order_by("id")
    assert [(e.action, e.actor.username) for e in entries] == [("create", "admin"), ("update", "admin")]
    assert entries.last().changes == {"contact_person": ["", "王五"]}


def test_failed_change_leaves_no_trace(demo):
    actor = User.objects.get(username="admin")
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="只能由数字组成"):
        services.save_region(actor, Region(), {"name": "坏区划", "code": "abc", "level": "township",
                                               "parent": Region.objects.get(code="512022")})
    assert AuditEntry.objects.count() == before


def test_trail_cannot_be_edited_or_deleted_through_the_api(demo, api):
    client = api("admin")
    entry = AuditEntry.objects.first()
    url = f"/api/audit/{entry.pk}/"
    assert client.get(url).status_code == 200
    for response in (client.put(url, {}, format="json"), client.patch(url, {"actor_name": "x"}, format="json"),
                     client.delete(url), client.post("/api/audit/", {}, format="json")):
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"
    assert AuditEntry.objects.filter(pk=entry.pk, actor_name=entry.actor_name).exists()


def test_admin_site_is_read_only_for_the_trail(demo):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="admin")
    model_admin = site._registry[AuditEntry]
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


@pytest.mark.parametrize("username", ["duty", "township", "leader", "commander"])
def test_only_admins_read_the_trail(demo, api, web, username):
    assert api(username).get("/api/audit/").status_code == 403
    assert web(username).get("/audit/").status_code == 403


def test_admin_filters_the_trail(demo, api, web):
    actor = User.objects.get(username="admin")
    org = Organisation.objects.get(name="乐至县水务局")
    services.save_organisation(actor, org, {"phone": "028-1"})
    client = api("admin")
    rows = client.get("/api/audit/?actor=admin&action=update&model=core.organisation").json()["results"]
    assert [r["object_repr"] for r in rows] == ["乐至县水务局"]
    assert rows[0]["changes"] == {"phone": ["", "028-1"]}
    assert client.get("/api/audit/?since=2000-01-01&model=core.region").json()["count"] == 84  # 四川省 is above 资阳市; 57 of them are the warnings demo's villages
    assert client.get("/api/audit/?until=2000-01-01").json()["count"] == 0
    html = web("admin").get("/audit/?action=update&model=core.organisation").content.decode()
    assert "乐至县水务局" in html and "联系电话" in html


def test_a_county_admin_sees_only_its_region_in_the_trail(demo, api):
    admin = User.objects.get(username="admin")
    services.save_organisation(admin, Organisation.objects.get(name="雁江区应急管理局"), {"phone": "1"})
    services.save_user(None, User.objects.get(username="duty"), {}, role_names=["值班员", "管理员"])
    reprs = [r["object_repr"] for r in api("duty").get("/api/audit/?model=core.organisation&page_size=1000").json()["results"]]
    assert "雁江区应急管理局" not in reprs and "乐至县水务局" in reprs


def test_api_delete_is_recorded_and_a_no_op_patch_is_not(demo, api):
    client = api("admin")
    org = Organisation.objects.create(name="乐至县测试局", type="department", region=Organisation.objects.get(
        name="乐至县水务局").region)  # one no plan or task points at, so it may be deleted
    url = f"/api/organisations/{org.pk}/"
    assert client.patch(url, {"name": "乐至县测试局"}, format="json").status_code == 200
    assert not entries_for(org).filter(action="update").exists()  # same value: nothing changed, nothing recorded
    assert client.delete(url).status_code == 204
    entry = entries_for(org).get(action="delete")
    assert entry.actor.username == "admin"
    assert entry.changes["name"] == ["乐至县测试局", None]
    assert entry.changes["region"] == [org.region_id, None]


def test_since_and_until_use_the_local_day(demo, api):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    client = api("admin")
    total = client.get("/api/audit/").json()["count"]
    assert total > 0
    assert client.get(f"/api/audit/?since={today}&until={today}").json()["count"] == total
    assert client.get(f"/api/audit/?since={today + timedelta(days=1)}").json()["count"] == 0
    assert client.get(f"/api/audit/?until={today - timedelta(days=1)}").json()["count"] == 0


def test_actor_filter_separates_people_from_the_system(demo, api):
    admin = User.objects.get(username="admin")
    services.save_organisation(admin, Organisation.objects.get(name="乐至县水务局"), {"phone": "028-2"})
    client = api("admin")
    assert client.get("/api/audit/?actor=admin").json()["count"] == 1
    system = client.get("/api/audit/?actor=系统&page_size=1000").json()["results"]
    assert system and all(r["actor"] is None and r["actor_name"] == "系统" for r in system)


def test_bad_dates_in_the_filter_name_the_parameter(demo, api, web):
    response = api("admin").get("/api/audit/?since=2026-13-45")
    assert response.status_code == 400
    assert "since" in response.json()["error"]["fields"]
    page = web("admin").get("/audit/?until=yesterday")
    assert page.status_code == 400 and "YYYY-MM-DD" in page.content.decode()  # a message, not the whole trail


def test_password_changes_are_recorded_without_the_secret(demo):
    user = User.objects.get(username="duty")
    services.change_password(user, user, "New#Secret2026")
    entry = entries_for(user).filter(action="update").last()
    assert entry.changes == {"password": ["（已隐藏）", "（已修改）"]}
    assert "New#Secret2026" not in str(AuditEntry.objects.values_list("changes", flat=True))
