"""A small store of two warehouses and two items, independent of the demo county."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from yingji.core.models import Region
from yingji.resources import services
from yingji.resources.models import StockLevel, StockMovement, SupplyItem, Warehouse


@pytest.fixture
def store(db):
    region = Region.objects.create(name="测试县", level="county", code="512099", path="/")
    Region.objects.filter(pk=region.pk).update(path=f"/{region.pk}/")
    region.refresh_from_db()
    a = services.save_warehouse(None, Warehouse(), {"name": "甲库", "level": "county", "region": region})
    b = services.save_warehouse(None, Warehouse(), {"name": "乙库", "level": "township", "region": region})
    tent = services.save_item(None, SupplyItem(), {"code": "1020101", "name": "救灾帐篷", "unit": "顶"})
    water = services.save_item(None, SupplyItem(), {"code": "1030102", "name": "饮用水", "unit": "箱"})
    return a, b, tent, water


def on_hand(warehouse, item):
    return StockLevel.objects.filter(warehouse=warehouse, item=item).aggregate(q=Sum("quantity"))["q"] or Decimal(0)


def ledger_sum(warehouse, item):
    return StockMovement.objects.filter(warehouse=warehouse, item=item).aggregate(q=Sum("delta"))["q"] or Decimal(0)
