"""A small store of two warehouses of a test county (outside the demo county) and two catalogue items."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from yingji.core.models import Region
from yingji.resources import services
from yingji.resources.models import StockLevel, StockMovement, SupplyItem, Warehouse


@pytest.fixture
def store(db):
    from yingji.core import services as core_services

    province = core_services.save_region(None, Region(), {"name": "测试省", "level": "province", "code": "990000"})
    city = core_services.save_region(None, Region(), {"name": "测试市", "level": "city", "code": "990100",
                                                      "parent": province})
    region = core_services.save_region(None, Region(), {"name": "测试县", "level": "county", "code": "990101",
                                                        "parent": city})
    a = services.save_warehouse(None, Warehouse(), {"name": "甲库", "level": "county", "region": region})
    b = services.save_warehouse(None, Warehouse(), {"name": "乙库", "level": "township", "region": region})
    tent, water = item("1020101", "救灾帐篷", "顶"), item("1030102", "饮用水", "箱")
    return a, b, tent, water


def item(code, name, unit):
    """The catalogue item with this GB/T 38565 code (the demo county has the common ones already)."""
    return SupplyItem.objects.filter(code=code).first() or services.save_item(
        None, SupplyItem(), {"code": code, "name": name, "unit": unit})


def on_hand(warehouse, item):
    return StockLevel.objects.filter(warehouse=warehouse, item=item).aggregate(q=Sum("quantity"))["q"] or Decimal(0)


def ledger_sum(warehouse, item):
    return StockMovement.objects.filter(warehouse=warehouse, item=item).aggregate(q=Sum("delta"))["q"] or Decimal(0)
