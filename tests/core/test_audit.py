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
    assert client.get("/api/audit/?since=2000-01-01&model=core.region").json()["count"] == 27  # 四川省 is above 资阳市
    assert client.get("/api/audit/?until=2000-01-01").json()["count"] == 0
    html = web("admin").get("/audit/?action=update&model=core.organisation").content.decode()
    assert "乐至县水务局" in html and "联系电话" in html


def test_a_county_admin_sees_only_its_region_in_the_trail(demo, api):
    admin = User.objects.get(username="admin")
    services.save_organisation(admin, Organisation.objects.get(name="雁江区应急管理局"), {"phone": "1"})
    county_admin = User.objects.get(username="duty")
    county_admin.groups.add(*admin.groups.all())
    reprs = [r["object_repr"] for r in api("duty").get("/api/audit/?page_size=1000").json()["results"]]
    assert "雁江区应急管理局" not in reprs and "乐至县水务局" in reprs
