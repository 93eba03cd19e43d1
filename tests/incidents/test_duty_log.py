"""值班日志 (issue 12): entries by shift (calls in and out, instructions, tasks), listed on the shift page and a
log page filtered by day, exported; the handover signs the log and the next shift signs for it; scoped by region;
every write through an audited service."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from tests.audit_check import audited
from yingji.core.models import Region, User
from yingji.incidents.models import DutyLogEntry, DutyShift
from yingji.incidents.services import duty as services

pytestmark = pytest.mark.django_db

COUNTY, HUILAN = "512022", "512022102"


def people(*names):
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    return [found[n] for n in names]


@pytest.fixture
def shift(demo):
    """A county shift that began two hours ago, with `duty` on it, and the next one with `commander`."""
    DutyLogEntry.objects.all().delete()
    DutyShift.objects.all().delete()
    admin, leader, duty, commander = people("admin", "leader", "duty", "commander")
    county = Region.objects.get(code=COUNTY)
    starts = timezone.now() - timedelta(hours=2)
    current = services.save_shift(admin, DutyShift(), {"region": county, "starts_at": starts,
                                                       "ends_at": starts + timedelta(hours=24), "leader": leader,
                                                       "phone": "028-23322110"}, [duty])
    services.save_shift(admin, DutyShift(), {"region": county, "starts_at": current.ends_at,
                                             "ends_at": current.ends_at + timedelta(hours=24)}, [commander])
    return current


def entry(actor, shift, **data):
    base = {"shift": shift, "time": timezone.now() - timedelta(minutes=30), "kind": DutyLogEntry.INCOMING,
            "counterpart": "回澜镇应急办 028-23311102", "content": "报告储罐泄漏，已疏散周边群众。"}
    return services.save_log_entry(actor, DutyLogEntry(), {**base, **data})


def test_an_entry_is_saved_with_who_handled_it_and_audited(shift):
    duty, = people("duty")
    with audited() as trail:
        made = entry(duty, shift, follow_up="30 分钟内续报")
    assert made.handled_by == duty and made.shift == shift
    assert trail.count("incidents.dutylogentry", "create") == 1


def test_entry_rules_are_reported_together(shift):
    duty, = people("duty")
    with pytest.raises(ValidationError) as refused:
        entry(duty, shift, time=shift.starts_at - timedelta(minutes=1), counterpart="", content=" ")
    assert set(refused.value.message_dict) == {"time", "counterpart", "content"}
    with pytest.raises(ValidationError) as refused:
        entry(duty, shift, time=timezone.now() + timedelta(hours=1))
    assert "晚于现在" in refused.value.message_dict["time"][0]
    entry(duty, shift, kind=DutyLogEntry.INSTRUCTION, counterpart="")  # an instruction may name nobody


def test_handover_signs_the_log_and_the_next_shift_takes_over(shift):
    duty, commander, township2 = people("duty", "commander", "township2")
    made = entry(duty, shift, follow_up="交通局 10 时前反馈")
    assert [e.pk for e in services.open_follow_ups(shift, duty)] == [made.pk]
    services.hand_over(duty, shift, "本班接报 1 起。")
    shift.refresh_from_db()
    assert shift.handed_over_by == duty and shift.handed_over_at
    with pytest.raises(ValidationError, match="签字封存"):
        entry(duty, shift)
    with pytest.raises(ValidationError, match="签字封存"):
        services.save_log_entry(duty, made, {"content": "改写"})
    with pytest.raises(ValidationError, match="签字封存"):
        services.delete_log_entry(duty, made)
    with pytest.raises(ValidationError, match="下一班次"):
        services.take_over(duty, shift)  # not on the next shift
    with audited() as trail:
        services.take_over(commander, shift)
    shift.refresh_from_db()
    assert shift.taken_over_by == commander and trail.count("incidents.dutyshift", "update") == 1
    with pytest.raises(ValidationError, match="已于"):
        services.take_over(commander, shift)
    with pytest.raises(ValidationError):
        services.take_over(township2, shift)  # 回澜镇 may read the county's roster, never sign it


def test_shift_page_lists_and_adds_entries(shift, web):
    duty, = people("duty")
    entry(duty, shift, content="市应急局要求 1 小时内书面报告。", kind=DutyLogEntry.INSTRUCTION)
    client = web("duty")
    page = client.get(f"/duty/{shift.pk}/").content.decode()
    assert "市应急局要求 1 小时内书面报告。" in page and "记入日志" in page
    local = timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(f"/duty/{shift.pk}/log/", {"time": local, "kind": "incoming", "content": "来电无对方"})
    assert refused.status_code == 302 and DutyLogEntry.objects.count() == 1
    assert "来电、去电请填写对方" in client.get(refused["Location"]).content.decode()
    added = client.post(f"/duty/{shift.pk}/log/", {"time": local, "kind": "outgoing", "counterpart": "县消防救援大队 119",
                                                  "content": "通报泄漏情况，请派员到场。"})
    assert added.status_code == 302 and added["Location"].endswith("#log")
    assert DutyLogEntry.objects.filter(counterpart="县消防救援大队 119", handled_by=duty).exists()
    handed = client.post(f"/duty/{shift.pk}/handover/", {"handover_notes": "平安。"})
    assert handed.status_code == 302
    assert "记入日志" not in client.get(f"/duty/{shift.pk}/").content.decode()  # signed: no more entries
    assert "接班签收" in web("commander").get(f"/duty/{shift.pk}/").content.decode()


def test_log_page_filters_by_day_and_exports(shift, web):
    duty, = people("duty")
    made = entry(duty, shift, content="今日来电")
    client = web("duty")
    today = timezone.localtime(made.time).date().isoformat()  # the entry's own local day (not "now": past midnight)
    page = client.get("/duty/log/", {"day": today})
    assert page.status_code == 200 and "今日来电" in page.content.decode()
    assert "今日来电" not in client.get("/duty/log/", {"day": "2000-01-01"}).content.decode()
    assert client.get("/duty/log/", {"day": "昨天"}).status_code == 400
    exported = client.get("/duty/log/export.xlsx", {"day": today})
    rows = list(load_workbook(io.BytesIO(exported.content)).worksheets[0].iter_rows(values_only=True))
    assert any("今日来电" in row for row in rows)


def test_scoped_by_region(demo, web, api):
    huilan = DutyLogEntry.objects.get(shift__region__code=HUILAN)  # the demo's 回澜镇 call
    assert web("township2").get(f"/duty/log/{huilan.pk}/").status_code == 200
    assert web("township").get(f"/duty/log/{huilan.pk}/").status_code == 404
    ids = {e["id"] for e in api("township").get("/api/duty-log/?page_size=500").json()["results"]}
    assert huilan.pk not in ids
    county = DutyLogEntry.objects.filter(shift__region__code=COUNTY).first()
    assert county is not None and county.pk not in ids  # the county's log does not apply downwards


def test_api_writes_through_the_service(shift, api):
    duty, = people("duty")
    client = api("duty")
    body = {"shift": shift.pk, "time": (timezone.now() - timedelta(minutes=10)).isoformat(), "kind": "incoming",
            "counterpart": "村民 13900000000", "content": "反映道路塌陷。", "follow_up": "通知交通局"}
    made = client.post("/api/duty-log/", body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["handled_by"] == duty.pk and made.json()["kind_label"] == "来电"
    bad = client.post("/api/duty-log/", {**body, "counterpart": "", "time": "2000-01-01T00:00:00+08:00"}, format="json")
    assert bad.status_code == 400 and {"time", "counterpart"} <= set(bad.json()["error"]["fields"])
    assert client.get("/api/duty-log/", {"open": "true"}).json()["count"] == 1
    handed = client.post(f"/api/duty-shifts/{shift.pk}/handover/", {"handover_notes": "交班。"}, format="json")
    assert handed.status_code == 200 and handed.json()["handed_over_by"] == duty.pk
    locked = client.patch(f"/api/duty-log/{made.json()['id']}/", {"content": "改"}, format="json")
    assert locked.status_code == 400 and "shift" in locked.json()["error"]["fields"]
    taken = api("commander").post(f"/api/duty-shifts/{shift.pk}/takeover/", {}, format="json")
    assert taken.status_code == 200 and taken.json()["taken_over_by"] == User.objects.get(username="commander").pk
