"""The duty roster: shift rules (times, overlaps, people in the region), handover, who is on duty now,
the demo shifts, the pages and the API."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingji.core.models import AuditEntry, Region, User
from yingji.incidents.models import DutyLogEntry, DutyShift
from yingji.incidents.services import duty as services

pytestmark = pytest.mark.django_db

COUNTY, TIANCHI, HUILAN = "512022", "512022001", "512022102"


def users(*names):
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    return [found[n] for n in names]


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


@pytest.fixture
def clean_roster(demo):
    """The demo shifts (and their logs) out of the way, so each test places its own."""
    DutyLogEntry.objects.all().delete()
    DutyShift.objects.all().delete()


def new_shift(actor=None, region=COUNTY, start_in=timedelta(hours=1), hours=24, leader="leader",
              officers=("duty",), **extra) -> DutyShift:
    starts = timezone.now() + start_in
    data = {"region": Region.objects.get(code=region), "starts_at": starts, "ends_at": starts + timedelta(hours=hours),
            "leader": User.objects.get(username=leader) if leader else None, **extra}
    return services.save_shift(actor, DutyShift(), data, users(*officers))


# --- The demo roster and who is on duty now ------------------------------------------------

def test_demo_has_yesterday_today_and_tomorrow_and_reloads_idempotently(demo):
    services.load_demo(lambda *_: None)
    services.load_demo(lambda *_: None)
    county = Region.objects.get(code=COUNTY)
    shifts = list(DutyShift.objects.filter(region=county, is_demo=True).order_by("starts_at"))
    day = services.duty_day()
    starts = [timezone.localtime(s.starts_at) for s in shifts]
    assert [s.date() for s in starts][-3:] == [day - timedelta(days=1), day, day + timedelta(days=1)]
    assert all(s.strftime("%H:%M") == "08:30" for s in starts)
    assert all(s.ends_at - s.starts_at == timedelta(hours=24) for s in shifts)
    yesterday, today, tomorrow = shifts[-3:]
    assert yesterday.handed_over_at and yesterday.handover_notes
    assert today.handed_over_at is None and tomorrow.handed_over_at is None
    assert all(s.leader.username == "leader" for s in shifts[-3:])
    assert {u.username for u in today.officers.all()} == {"duty", "commander"}


def test_on_duty_now_is_the_current_shift_with_its_people(demo):
    services.load_demo(lambda *_: None)
    duty, township = users("duty", "township")
    now = services.on_duty_now(duty)
    assert len(now) == 1
    shift = now[0]
    assert shift.starts_at <= timezone.now() < shift.ends_at and shift.region.code == COUNTY
    assert shift.leader.username == "leader" and {u.username for u in shift.officers.all()} == {"duty", "commander"}
    assert services.on_duty_now(township) == [shift]  # the county's shift applies to 天池街道 too (issue 12)
    later = services.on_duty_now(duty, at=shift.ends_at + timedelta(minutes=1))
    assert [s.pk for s in later] != [shift.pk] and len(later) == 1  # tomorrow's shift has taken over


def test_a_township_shift_is_listed_after_the_county(clean_roster, admin):
    county = new_shift(admin, start_in=timedelta(hours=-1))
    town = new_shift(admin, region=TIANCHI, start_in=timedelta(hours=-2), leader=None, officers=("township",))
    duty, township = users("duty", "township")
    assert [s.pk for s in services.on_duty_now(duty)] == [county.pk, town.pk]
    assert [s.pk for s in services.on_duty_now(township)] == [town.pk, county.pk]  # its own first, then above


# --- Rules of the roster ---------------------------------------------------------------------

def test_a_shift_is_saved_with_audit_of_its_people(clean_roster, admin):
    shift = new_shift(admin, officers=("duty", "commander"), phone="028 2332 2110")
    assert shift.phone == "028-23322110"
    entry = AuditEntry.objects.get(model="incidents.dutyshift", object_id=str(shift.pk))
    assert entry.action == "create" and entry.actor == admin
    assert sorted(entry.changes["officers"][1]) == sorted(u.pk for u in users("duty", "commander"))
    services.save_shift(admin, shift, {"phone": ""}, users("duty"))
    update = AuditEntry.objects.filter(model="incidents.dutyshift", object_id=str(shift.pk)).latest("id")
    assert update.action == "update" and set(update.changes) == {"officers", "phone"}


def test_ends_must_be_after_starts(clean_roster, admin):
    for hours, reason in ((0, "必须晚于开始时间"), (-3, "必须晚于开始时间"), (24 * 8, "不能超过 7 天")):
        with pytest.raises(ValidationError) as caught:
            new_shift(admin, hours=hours)
        assert reason in caught.value.message_dict["ends_at"][0]
    assert not DutyShift.objects.exists()


def test_overlapping_shifts_in_one_region_are_refused(clean_roster, admin):
    first = new_shift(admin, start_in=timedelta(hours=1), hours=24)
    with pytest.raises(ValidationError) as caught:
        new_shift(admin, start_in=timedelta(hours=20), hours=24, leader=None, officers=("commander",))
    assert "时间重叠" in caught.value.message_dict["starts_at"][0]
    # Back to back is not an overlap: 08:30–08:30 shifts follow each other.
    follow = new_shift(admin, start_in=timedelta(hours=25), hours=24, leader=None, officers=("commander",))
    assert follow.starts_at >= first.ends_at
    # Another region may have its own shift at the same time.
    assert new_shift(admin, region=HUILAN, start_in=timedelta(hours=2), leader=None, officers=("township2",))
    # Moving a shift onto another is refused too.
    with pytest.raises(ValidationError, match="时间重叠"):
        services.save_shift(admin, follow, {"starts_at": first.starts_at}, users("commander"))


def test_one_person_is_not_on_two_shifts_at_once(clean_roster, admin):
    new_shift(admin, region=TIANCHI, leader=None, officers=("township",))
    with pytest.raises(ValidationError) as caught:
        new_shift(admin, region=COUNTY, leader=None, officers=("township",))
    assert "同一时段已排在天池街道的班次" in caught.value.message_dict["officers"][0]


@pytest.mark.parametrize("region, leader, officers, field, reason", [
    (HUILAN, "leader", ("township2",), "leader", "不属于值班区划“回澜镇”"),
    (TIANCHI, None, ("township2",), "officers", "不属于值班区划“天池街道”"),
    (COUNTY, None, (), "officers", "请至少安排一名值班员"),
    (COUNTY, "duty", ("duty",), "officers", "不能同时作为值班员"),
])
def test_people_must_belong_to_the_region(clean_roster, admin, region, leader, officers, field, reason):
    with pytest.raises(ValidationError) as caught:
        new_shift(admin, region=region, leader=leader, officers=officers)
    assert reason in " ".join(caught.value.message_dict[field])
    assert not DutyShift.objects.exists()


def test_inactive_people_are_refused(clean_roster, admin):
    User.objects.filter(username="commander").update(is_active=False)
    with pytest.raises(ValidationError) as caught:
        new_shift(admin, officers=("duty", "commander"))
    assert "账号已停用" in caught.value.message_dict["officers"][0]


def test_the_roster_is_made_within_ones_own_region(clean_roster):
    township = User.objects.get(username="township")
    township.groups.add(*User.objects.get(username="admin").groups.all())
    with pytest.raises(ValidationError) as caught:
        new_shift(township, region=COUNTY, leader=None, officers=("township",))
    assert "不在您的管辖范围内" in caught.value.message_dict["region"][0]
    with pytest.raises(PermissionDenied):
        new_shift(User.objects.get(username="duty"))  # the duty seat hands over; it does not make the roster


def test_only_future_shifts_are_deleted(clean_roster, admin):
    running = new_shift(admin, start_in=timedelta(hours=-1))
    with pytest.raises(ValidationError, match="不能删除"):
        services.delete_shift(admin, running)
    future = new_shift(admin, start_in=timedelta(days=2))
    services.delete_shift(admin, future)
    assert list(DutyShift.objects.all()) == [running]


# --- Handover ----------------------------------------------------------------------------------

def test_handover_by_someone_on_the_shift_once_it_has_started(clean_roster, admin):
    duty, commander = users("duty", "commander")
    upcoming = new_shift(admin, start_in=timedelta(hours=3))
    with pytest.raises(ValidationError, match="尚未开始"):
        services.hand_over(duty, upcoming, "提前交班")
    running = new_shift(admin, start_in=timedelta(hours=-20), hours=20, officers=("commander",))
    with pytest.raises(ValidationError, match="只有本班次的带班领导或值班员"):
        services.hand_over(duty, running, "不是我的班")
    with pytest.raises(ValidationError, match="请填写交接班记录"):
        services.hand_over(commander, running, "  ")
    shift = services.hand_over(commander, running, "本班接报 2 起，均已处置完毕。")
    assert shift.handed_over_at and shift.handover_notes == "本班接报 2 起，均已处置完毕。"
    entry = AuditEntry.objects.filter(model="incidents.dutyshift", object_id=str(shift.pk)).latest("id")
    assert entry.actor == commander and "handover_notes" in entry.changes
    with pytest.raises(ValidationError, match="已于"):
        services.hand_over(commander, running, "再交一次")
    with pytest.raises(ValidationError, match="已交班，不能再修改"):
        services.save_shift(admin, running, {"phone": "028-23322110"}, users("commander"))


def test_whoever_is_on_the_shift_may_hand_over_whatever_the_role(clean_roster, admin, api):
    shift = new_shift(admin, start_in=timedelta(hours=-1), officers=("commander",))
    refused = api("dispatcher").post(f"/api/duty-shifts/{shift.pk}/handover/", {"handover_notes": "x"},
                                     format="json")
    assert refused.status_code == 400 and "只有本班次" in refused.json()["error"]["message"]
    assert services.hand_over(User.objects.get(username="leader"), shift, "带班领导交班").handed_over_at


# --- Pages ---------------------------------------------------------------------------------------

def test_roster_page_shows_the_week_and_who_is_on_duty(demo, web):
    services.load_demo(lambda *_: None)
    html = web("duty").get("/duty/").content.decode()
    assert "当前值班" in html and "分管领导·吴刚" in html and "值班员·李娜" in html and "指挥长·王强" in html
    assert "星期一" in html and "星期日" in html and "在班" in html
    assert "新增班次" not in html  # the duty seat does not make the roster
    assert "新增班次" in web("admin").get("/duty/").content.decode()
    next_week = web("duty").get("/duty/?week=2099-01-05").content.decode()
    assert "未排班" in next_week and "2099年1月5日" in next_week
    township2 = web("township2").get("/duty/")
    assert township2.status_code == 200 and "分管领导·吴刚" in township2.content.decode()  # the county's roster


def test_shift_form_creates_and_reports_errors(clean_roster, web):
    client = web("admin")
    form = client.get("/duty/add/?date=2099-01-05").content.decode()
    assert 'value="2099-01-05T08:30"' in form and 'value="2099-01-06T08:30"' in form
    county = Region.objects.get(code=COUNTY)
    leader, duty = users("leader", "duty")
    bad = client.post("/duty/add/", {"region": county.pk, "starts_at": "2099-01-05T08:30",
                                     "ends_at": "2099-01-05T08:00", "leader": leader.pk, "officers": [duty.pk]})
    assert bad.status_code == 200 and "结束时间必须晚于开始时间" in bad.content.decode()
    ok = client.post("/duty/add/", {"region": county.pk, "starts_at": "2099-01-05T08:30",
                                    "ends_at": "2099-01-06T08:30", "leader": leader.pk, "officers": [duty.pk],
                                    "phone": "028-23322110"})
    assert ok.status_code == 302
    shift = DutyShift.objects.get()
    assert timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M") == "2099-01-05 08:30"
    clash = client.post("/duty/add/", {"region": county.pk, "starts_at": "2099-01-05T20:00",
                                       "ends_at": "2099-01-06T20:00", "officers": [duty.pk]})
    assert "时间重叠" in clash.content.decode()
    assert web("duty").get("/duty/add/").status_code == 403


def test_handover_through_the_page(clean_roster, admin, web):
    shift = new_shift(admin, start_in=timedelta(hours=-2), officers=("duty",))
    client = web("duty")
    page = client.get(f"/duty/{shift.pk}/").content.decode()
    assert "交班" in page and "handover_notes" in page
    empty = client.post(f"/duty/{shift.pk}/handover/", {"handover_notes": ""})
    assert empty.status_code == 200 and "请填写交接班记录" in empty.content.decode()
    done = client.post(f"/duty/{shift.pk}/handover/", {"handover_notes": "平安无事。"})
    assert done.status_code == 302
    assert "平安无事。" in client.get(f"/duty/{shift.pk}/").content.decode()
    other = new_shift(admin, region=HUILAN, start_in=timedelta(hours=-1), leader=None, officers=("township2",))
    assert client.get(f"/duty/{other.pk}/").status_code == 200  # the county sees the township's shift
    assert web("township").get(f"/duty/{other.pk}/").status_code == 404  # 天池街道 does not


# --- API ------------------------------------------------------------------------------------------

def test_api_crud_now_and_handover(clean_roster, api):
    county = Region.objects.get(code=COUNTY)
    leader, duty, commander = users("leader", "duty", "commander")
    starts = timezone.now() - timedelta(hours=1)
    body = {"region": county.pk, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=24)).isoformat(),
            "leader": leader.pk, "officers": [duty.pk, commander.pk]}
    made = api("admin").post("/api/duty-shifts/", body, format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    clash = api("admin").post("/api/duty-shifts/", body, format="json")
    assert clash.status_code == 400 and "时间重叠" in clash.json()["error"]["fields"]["starts_at"][0]
    assert api("duty").post("/api/duty-shifts/", body, format="json").status_code == 403
    now = api("duty").get("/api/duty-shifts/now/").json()
    assert [s["id"] for s in now] == [pk] and now[0]["leader_detail"]["username"] == "leader"
    assert {p["username"] for p in now[0]["officers_detail"]} == {"duty", "commander"}
    assert [s["id"] for s in api("township").get("/api/duty-shifts/now/").json()] == [pk]  # applies downwards
    patched = api("admin").patch(f"/api/duty-shifts/{pk}/", {"phone": "028-23322110"}, format="json")
    assert patched.status_code == 200 and len(patched.json()["officers"]) == 2
    handed = api("duty").post(f"/api/duty-shifts/{pk}/handover/", {"handover_notes": "交班：无异常。"}, format="json")
    assert handed.status_code == 200 and handed.json()["handed_over_at"]
    again = api("duty").post(f"/api/duty-shifts/{pk}/handover/", {"handover_notes": "x"}, format="json")
    assert again.status_code == 400
    today = timezone.localdate(starts).isoformat()
    assert [s["id"] for s in api("duty").get(f"/api/duty-shifts/?on={today}").json()["results"]] == [pk]
    assert api("duty").get("/api/duty-shifts/?on=yesterday").status_code == 400
    assert api("township").get(f"/api/duty-shifts/{pk}/").status_code == 200  # the county's applies downwards
    assert api("township").post(f"/api/duty-shifts/{pk}/handover/", {"handover_notes": "x"},
                                format="json").status_code == 404  # not theirs to write
    assert api("admin").delete(f"/api/duty-shifts/{pk}/").status_code == 400  # started: kept as a record
