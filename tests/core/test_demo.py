"""The demo county loads idempotently, with the official codes, and every record marked as demo."""

import pytest
from django.contrib.auth.models import Group

from yingji.core.demo import load_all
from yingji.core.models import AuditEntry, Organisation, Region, RegionGDP, User

pytestmark = pytest.mark.django_db

# shared/reference/standards.md §8.2: 乐至县 township-level codes.
LEZHI = {
    "512022001": "天池街道", "512022002": "南塔街道", "512022101": "石佛镇", "512022102": "回澜镇",
    "512022103": "石湍镇", "512022104": "童家镇", "512022105": "宝林镇", "512022106": "大佛镇",
    "512022107": "良安镇", "512022108": "金顺镇", "512022109": "中和场镇", "512022110": "劳动镇",
    "512022111": "中天镇", "512022112": "佛星镇", "512022113": "蟠龙镇", "512022114": "东山镇",
    "512022115": "通旅镇", "512022116": "高寺镇", "512022117": "龙门镇", "512022118": "盛池镇",
    "512022204": "双河场乡",
}


def counts():
    return (Region.objects.count(), Organisation.objects.count(), User.objects.count(), AuditEntry.objects.count())


def test_demo_loads_the_county_with_official_codes(demo):
    lezhi = Region.objects.get(code="512022")
    assert lezhi.full_name == "四川省 › 资阳市 › 乐至县"
    assert dict(lezhi.children.values_list("code", "name")) == LEZHI
    assert all(r.approximate for r in lezhi.children.all())  # township centres are estimates, and say so
    assert set(Region.objects.get(code="512000").children.values_list("name", flat=True)) == {
        "雁江区", "安岳县", "乐至县", "高新区", "临空经济区"}
    for name in ("高新区", "临空经济区"):
        zone = Region.objects.get(name=name)
        assert zone.kind == "zone" and zone.code is None


def test_demo_is_idempotent_and_marked(demo):
    before = counts()
    last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    credentials = load_all(log=lambda *_: None)
    assert counts() == before  # no duplicates, and no audit entries for unchanged records
    assert not AuditEntry.objects.filter(id__gt=last_entry).exists()  # in particular no "update" entries
    assert Region.objects.count() == 85  # 28 divisions + the warnings demo's 57 villages
    assert User.objects.count() == len(credentials) == 10
    assert RegionGDP.objects.count() == 1 + 22 * 6  # 资阳 2020; the planning demo's 乐至县 and townships 2020–2025
    for model in (Region, Organisation, User, RegionGDP):
        assert model.objects.exists() and not model.objects.filter(is_demo=False).exists(), model.__name__


def test_demo_reload_repairs_edited_records(demo):
    from yingji.core import services

    org = Organisation.objects.get(name="乐至县水务局")
    services.save_organisation(None, org, {"duties": "改过的职责"})
    load_all(log=lambda *_: None)
    org.refresh_from_db()
    assert org.duties != "改过的职责" and org.is_demo
    assert Organisation.objects.filter(name="乐至县水务局").count() == 1


def test_demo_has_one_user_per_role_and_member_units(demo):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "管理员", "值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户", "企业用户", "领导"}
    roles = {name for user in User.objects.all() for name in user.role_names}
    assert len(roles) == 8
    for name in ("资阳市应急管理局", "资阳市消防救援支队", "资阳军分区", "资阳市水务局", "乐至县应急管理局"):
        assert Organisation.objects.filter(name=name).exists(), name
    assert Organisation.objects.filter(type="grassroots", region__level="township").count() == 21
