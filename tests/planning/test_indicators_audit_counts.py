"""Every write path of the indicator services leaves one audit entry per record it changes (audited() also fails
when any written model has none), and a township cannot write another township's denominators."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.audit_check import audited
from yingji.core.models import Region, User
from yingji.planning.models import Indicator, RegionYearStat
from yingji.planning.services import indicators as services


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


def test_indicator_manual_value_and_denominator_writes_are_audited(admin):
    county = Region.objects.get(code="512022")
    with audited() as trail:
        indicator = services.save_indicator(admin, Indicator(), {
            "region": county, "plan": "审计测试规划", "code": "A-1", "name": "培训覆盖率", "formula": "manual",
            "period_start": 2021, "target_kind": "ge", "target_value": Decimal("95"), "target_year": 2025,
            "attribute": "预期性"})
        services.save_indicator(admin, indicator, {"responsible_units": "县应急管理局"})
        entry = services.set_manual_value(admin, indicator, 2023, Decimal("96"), "县应急局年度总结")
        services.set_manual_value(admin, indicator, 2023, Decimal("97"), "县应急局年度总结（更正）")
        services.set_manual_value(admin, indicator, 2023, None, "")
        stat, created = services.upsert_year_stat(admin, {"region": county, "year": 2019, "population": 366000})
        services.upsert_year_stat(admin, {"region": county, "year": 2019, "population": 365900})
        services.delete_year_stat(admin, stat)
        services.delete_indicator(admin, indicator)
    assert created and entry.pk
    for label, actions in {"planning.indicator": ("create", "update", "delete"),
                           "planning.indicatormanualvalue": ("create", "update", "delete"),
                           "planning.regionyearstat": ("create", "update", "delete")}.items():
        for action in actions:
            assert trail.count(label, action) == 1, (label, action)


def test_township_cannot_write_another_townships_denominators(demo):
    township = User.objects.get(username="township")  # 天池街道
    huilan = Region.objects.get(code="512022102")
    with pytest.raises((ValidationError, PermissionDenied)):
        services.upsert_year_stat(township, {"region": huilan, "year": 2019, "population": 1})
    stat = RegionYearStat.objects.get(region=huilan, year=2022)
    with pytest.raises((ValidationError, PermissionDenied)):
        services.save_year_stat(township, stat, {"population": 1})
    assert RegionYearStat.objects.get(pk=stat.pk).population == stat.population
