"""The stock ledger: on-hand derived from movements, never negative, transfers balanced, FEFO, norms, expiry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.models import User
from yingji.resources import services
from yingji.resources.models import StockLevel, StockMovement, SupplyItem, Warehouse

from .conftest import ledger_sum, on_hand

pytestmark = pytest.mark.django_db


def test_on_hand_always_equals_the_ledger(store):
    a, b, tent, water = store
    services.receive(None, a, tent, 100, "B1")
    services.receive(None, a, tent, "50.5", "B2")
    services.issue(None, a, tent, 30, "安置点")
    services.transfer(None, a, b, tent, 40, "支援乙库")
    services.adjust(None, a, tent, 60, "年度盘点", batch="B2")
    services.scrap(None, a, tent, 5, "破损", batch="B2")
    for warehouse in (a, b):
        assert on_hand(warehouse, tent) == ledger_sum(warehouse, tent)
    # B1 100 − 30 issued − 40 transferred = 30; B2 50.5 counted as 60, then 5 scrapped = 55.
    assert dict(StockLevel.objects.filter(warehouse=a).values_list("batch", "quantity")) == {"B1": 30, "B2": 55}
    assert on_hand(b, tent) == 40


def test_issue_more_than_stock_is_refused_and_writes_nothing(store):
    a, _, tent, _ = store
    services.receive(None, a, tent, 10, "B1")
    before = StockMovement.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.issue(None, a, tent, 11, "超量")
    assert "库存仅 10" in caught.value.message_dict["quantity"][0]
    assert StockMovement.objects.count() == before and on_hand(a, tent) == 10


def test_database_refuses_negative_stock_even_past_the_services(store):
    from django.db import IntegrityError, transaction

    a, _, tent, _ = store
    services.receive(None, a, tent, 1, "B1")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(warehouse=a, item=tent).update(quantity=-1)


def test_issue_takes_the_first_expiring_batch_first(store):
    a, _, _, water = store
    today = timezone.localdate()
    services.receive(None, a, water, 10, "LATE", today + timedelta(days=300))
    services.receive(None, a, water, 10, "SOON", today + timedelta(days=10))
    services.receive(None, a, water, 10, "NONE")
    movements = services.issue(None, a, water, 15, "发放")
    assert [(m.batch, m.delta) for m in movements] == [("SOON", -10), ("LATE", -5)]
    assert services.issue(None, a, water, 5, "指定批次", batch="NONE")[0].batch == "NONE"


def test_transfer_is_balanced_and_linked(store):
    a, b, tent, _ = store
    expiry = timezone.localdate() + timedelta(days=100)
    services.receive(None, a, tent, 20, "B1", expiry)
    legs = services.transfer(None, a, b, tent, 12, "调拨")
    assert [m.kind for m in legs] == ["transfer_out", "transfer_in"]
    assert legs[0].transfer == legs[1].transfer and legs[0].delta == -legs[1].delta == -12
    assert legs[0].counterpart == b and legs[1].counterpart == a
    assert StockLevel.objects.get(warehouse=b, item=tent, batch="B1").expiry == expiry  # the batch travels
    with pytest.raises(ValidationError, match="库存仅 8"):
        services.transfer(None, a, b, tent, 9)
    with pytest.raises(ValidationError, match="不能与调出库相同"):
        services.transfer(None, a, a, tent, 1)
    assert on_hand(a, tent) == 8 and on_hand(b, tent) == 12


@pytest.mark.parametrize("quantity, message", [(0, "大于 0"), (-3, "大于 0"), ("abc", "不是有效的数字"),
                                               ("1.005", "两位小数")])
def test_quantities_are_checked(store, quantity, message):
    a, _, tent, _ = store
    with pytest.raises(ValidationError, match=message):
        services.receive(None, a, tent, quantity)


def test_reasons_are_required_where_it_matters(store):
    a, _, tent, _ = store
    services.receive(None, a, tent, 5, "B1")
    with pytest.raises(ValidationError, match="出库必须填写事由"):
        services.issue(None, a, tent, 1, "")
    with pytest.raises(ValidationError, match="盘点调整必须说明原因"):
        services.adjust(None, a, tent, 3, " ", batch="B1")
    with pytest.raises(ValidationError, match="无需调整"):
        services.adjust(None, a, tent, 5, "盘点", batch="B1")


def test_item_codes_follow_gbt_38565(store):
    with pytest.raises(ValidationError) as caught:
        services.save_item(None, SupplyItem(), {"code": "10201", "name": "帐篷类", "unit": "顶"})
    assert "7 位细类代码" in caught.value.message_dict["code"][0]
    with pytest.raises(ValidationError):
        services.save_item(None, SupplyItem(), {"code": "4020101", "name": "x", "unit": "个"})


def test_norm_shortfalls_and_near_expiry_on_demo(demo, api):
    client = api("duty")
    shortfalls = {(r["warehouse_name"], r["item_name"]): r for r in
                  client.get("/api/reserve-norms/shortfalls/").json()}
    tents = shortfalls[("乐至县应急物资储备库", "救灾帐篷")]
    assert Decimal(tents["shortfall"]) == 200 and Decimal(tents["norm"]) == 500
    assert ("乐至县应急物资储备库", "棉被") not in shortfalls  # exactly at the norm: no shortfall
    expiring = client.get("/api/stock-levels/?near_expiry_days=30").json()["results"]
    assert {(r["warehouse_name"], r["batch"]) for r in expiring} == {("乐至县应急物资储备库", "2026-03"),
                                                                     ("石佛镇应急物资储备点", "2026-03")}


def test_ledger_api_and_scoping(demo, api):
    county_store = Warehouse.objects.get(name="乐至县应急物资储备库")
    tents = SupplyItem.objects.get(code="1020101")
    client = api("commander")
    response = client.post("/api/stock-movements/", {"kind": "out", "warehouse": county_store.pk, "item": tents.pk,
                                                     "quantity": "20", "reason": "回澜镇安置"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()[0]["kind_label"] == "出库"
    too_much = client.post("/api/stock-movements/", {"kind": "out", "warehouse": county_store.pk, "item": tents.pk,
                                                     "quantity": "100000", "reason": "x"}, format="json")
    assert too_much.status_code == 400 and "库存仅" in too_much.json()["error"]["fields"]["quantity"][0]
    stock = {r["item__code"]: r for r in client.get(f"/api/warehouses/{county_store.pk}/stock/").json()}
    assert Decimal(stock["1020101"]["quantity"]) == 280
    # The 回澜镇 store keeper sees and moves only their own store.
    keeper = api("township2")
    assert [w["name"] for w in keeper.get("/api/warehouses/").json()["results"]] == ["回澜镇应急物资储备点"]
    refused = keeper.post("/api/stock-movements/", {"kind": "out", "warehouse": county_store.pk, "item": tents.pk,
                                                    "quantity": "1", "reason": "x"}, format="json")
    assert refused.status_code == 400 and "warehouse" in refused.json()["error"]["fields"]
    assert keeper.get("/api/stock-movements/?page_size=500").json()["count"] == StockMovement.objects.filter(
        warehouse__name="回澜镇应急物资储备点").count()
    # The ledger cannot be edited or deleted.
    movement = StockMovement.objects.filter(warehouse=county_store).first()
    assert client.delete(f"/api/stock-movements/{movement.pk}/").status_code == 405
    assert client.patch(f"/api/stock-movements/{movement.pk}/", {"delta": 1}, format="json").status_code == 405


def test_warehouse_page_records_a_movement(demo, web):
    store = Warehouse.objects.get(name="回澜镇应急物资储备点")
    bags = SupplyItem.objects.get(code="3010101")
    client = web("township2")
    client.post(f"/warehouses/{store.pk}/movements/", {"kind": "out", "item": bags.pk, "quantity": "500",
                                                        "reason": "堤防加固"})
    assert on_hand(store, bags) == 2500
    page = client.get(f"/warehouses/{store.pk}/").content.decode()
    assert "堤防加固" in page and "已记账" in page
    client.post(f"/warehouses/{store.pk}/movements/", {"kind": "out", "item": bags.pk, "quantity": "99999",
                                                        "reason": "超量"})
    assert on_hand(store, bags) == 2500


def test_commander_can_issue_but_a_leader_cannot(demo, api):
    store = Warehouse.objects.get(name="乐至县应急物资储备库")
    item = SupplyItem.objects.get(code="1010105")
    body = {"kind": "out", "warehouse": store.pk, "item": item.pk, "quantity": "1", "reason": "x"}
    assert api("leader").post("/api/stock-movements/", body, format="json").status_code == 403
    assert User.objects.get(username="commander").has_perm("resources.add_stockmovement")


def test_norm_form_on_the_warehouse_page(demo, web):
    store = Warehouse.objects.get(name="回澜镇应急物资储备点")
    tents = SupplyItem.objects.get(code="1020101")
    client = web("admin")
    client.post(f"/warehouses/{store.pk}/norms/", {"item": tents.pk, "quantity": "60"})
    assert store.norms.get(item=tents).quantity == 60
    page = client.get(f"/warehouses/{store.pk}/").content.decode()
    assert "已设定救灾帐篷储备定额" in page
    assert web("township2").post(f"/warehouses/{store.pk}/norms/", {"item": tents.pk, "quantity": "1"}).status_code == 403


def test_a_warehouse_with_stock_cannot_be_deleted(demo, web):
    store = Warehouse.objects.get(name="回澜镇应急物资储备点")
    response = web("admin").post(f"/warehouses/{store.pk}/delete/", follow=True)
    assert "仍有库存" in response.content.decode()
    assert Warehouse.objects.filter(pk=store.pk).exists()
