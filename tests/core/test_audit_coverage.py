"""Audit by construction: every model reads well in the trail, the exemptions are real and few, and the
shared save/delete helpers check the region of the stored and of the new record.

Each app's write paths are counted in tests/<app>/test_audit_counts.py with the same `audited()` check."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from tests.audit_check import audited, yingji_models
from yingji.core import services
from yingji.core.models import AuditEntry, Organisation, Region, User

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("model", yingji_models(), ids=lambda m: m._meta.label)
def test_every_model_has_its_own_str(model):
    assert model.__str__ is not models.Model.__str__, (
        f"{model._meta.label} has no __str__: the audit trail would read “{model.__name__} object (1)”")


def test_every_demo_record_reads_in_chinese(demo):
    """One stored row of every model (where the demo has one) as the trail shows it."""
    unreadable = {}
    for model in yingji_models():
        row = model.objects.order_by("pk").first()
        if row is not None and (" object (" in str(row) or not CJK.search(str(row))):
            unreadable[model._meta.label] = str(row)
    assert not unreadable


def test_every_demo_record_has_its_audit_trail(demo):
    """The demo is loaded through the services: a row of an audited model without any entry was written
    around them."""
    missing = {}
    for model in yingji_models():
        label = model._meta.label_lower
        if label in services.NOT_AUDITED:
            continue
        rows = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        unaudited = rows - set(AuditEntry.objects.filter(model=label).values_list("object_id", flat=True))
        if unaudited:
            missing[label] = len(unaudited)
    assert not missing


def test_exemptions_name_real_models_with_a_reason():
    labels = {model._meta.label_lower for model in yingji_models()}
    assert set(services.NOT_AUDITED) <= labels
    assert all(CJK.search(reason) for reason in services.NOT_AUDITED.values())


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


@pytest.fixture
def township(demo):
    return User.objects.get(username="township")  # 天池街道


def test_region_and_organisation_writes_are_audited(admin, region):
    county = region("512022")
    with audited() as trail:
        zone = services.save_region(admin, Region(), {"name": "测试园区", "level": "village", "kind": "zone",
                                                      "parent": region("512022001")})
        services.save_region(admin, zone, {"name": "测试工业园区"})
        services.set_region_gdp(admin, county, 2019, 123)  # a year the demo holds no GDP for
        org = services.save_organisation(admin, Organisation(), {"name": "测试单位", "type": "department",
                                                                 "region": county})
        services.save_organisation(admin, org, {"name": "测试单位二"})
        services.delete_organisation(admin, org)
        services.delete_region(admin, zone)
    assert trail.counts() == {("core.region", "create"): 1, ("core.region", "update"): 1,
                              ("core.region", "delete"): 1, ("core.regiongdp", "create"): 1,
                              ("core.organisation", "create"): 1, ("core.organisation", "update"): 1,
                              ("core.organisation", "delete"): 1}


def test_save_scoped_refuses_a_record_of_another_region_and_moving_one_out(township, region):
    other = Organisation.objects.create(name="回澜镇某单位", type="department", region=region("512022102"))
    with pytest.raises(ValidationError) as exc:
        services.save_scoped(township, other, {"name": "改名"})
    assert "region" in exc.value.message_dict
    own = Organisation.objects.create(name="天池某单位", type="department", region=region("512022001"))
    township.user_permissions.add(*_perms("change_organisation"))
    township = User.objects.get(pk=township.pk)  # a fresh permission cache
    with pytest.raises(ValidationError) as exc:
        services.save_scoped(township, own, {"region": region("512022102")})
    assert "不在您的管辖范围内" in exc.value.message_dict["region"][0]
    own = Organisation.objects.get(pk=own.pk)
    assert own.region.code == "512022001"
    with audited() as trail:
        services.save_scoped(township, own, {"name": "天池某单位（新）"})
    assert trail.count("core.organisation", "update") == 1


def test_delete_scoped_needs_the_permission_and_the_region(township, admin, region):
    other = Organisation.objects.create(name="回澜镇某单位", type="department", region=region("512022102"))
    with pytest.raises(PermissionDenied):
        services.delete_scoped(township, other)
    township.user_permissions.add(*_perms("delete_organisation"))
    township = User.objects.get(pk=township.pk)
    with pytest.raises(ValidationError):
        services.delete_scoped(township, other)
    with audited() as trail:
        services.delete_scoped(admin, other, validate=lambda o: None)
    assert trail.count("core.organisation", "delete") == 1


def test_update_audited_writes_one_entry_per_changed_row(admin, region):
    rows = [Organisation.objects.create(name=f"单位{i}", type="department", region=region("512022001"),
                                        phone="1" if i == 0 else "") for i in range(3)]
    with audited() as trail:
        changed = services.update_audited(admin, Organisation.objects.filter(pk__in=[r.pk for r in rows]), phone="1")
    assert {o.pk for o in changed} == {rows[1].pk, rows[2].pk}  # the first had it already
    assert trail.count("core.organisation", AuditEntry.UPDATE) == 2
    assert all(e.changes == {"phone": ["", "1"]} for e in trail.entries)


def _perms(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename=codename)
