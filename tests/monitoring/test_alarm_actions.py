"""What people do to an alarm, through services/alarms.py: acknowledge (once; a cleared one too), assign (to someone
who can see it), note, clear by hand (reason required, active only), open an incident pre-filled from the alarm
(once; the link both ways, the history and the timeline). Each refusal names its field in Chinese and writes
nothing; each step leaves a history line and an audit entry."""

import csv
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from yingji.core.models import AuditEntry, User
from yingji.incidents.models import Incident
from yingji.monitoring import kinds
from yingji.monitoring.models import Alarm, AlarmEvent, Sensor
from yingji.monitoring.services import alarms as services
from yingji.standards import event_codes

from .alarm_helpers import HUILAN_CHEM, LECHLOR, TIANCHI, make_alarm

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


@pytest.fixture
def alarm(demo):
    return make_alarm()


def actions(alarm):
    return list(AlarmEvent.objects.filter(alarm=alarm).order_by("at", "id").values_list("action", flat=True))


def audits(alarm):
    return AuditEntry.objects.filter(model="monitoring.alarm", object_id=str(alarm.pk)).count()


def fresh(alarm):
    return Alarm.objects.get(pk=alarm.pk)


# --- acknowledge -------------------------------------------------------------------------------------------------

def test_acknowledge_once_with_history_and_audit(alarm):
    before = audits(alarm)
    services.acknowledge(user("duty"), alarm, "已电话通知企业核查")
    stored = fresh(alarm)
    assert stored.state == Alarm.ACTIVE_ACK and stored.active
    assert stored.acknowledged_by == user("duty") and stored.acknowledged_at is not None
    assert actions(alarm) == ["raised", "acknowledged"]
    event = AlarmEvent.objects.get(alarm=alarm, action="acknowledged")
    assert event.actor == user("duty") and event.note == "已电话通知企业核查"
    assert audits(alarm) == before + 1
    with pytest.raises(ValidationError) as exc:
        services.acknowledge(user("inspector"), alarm)
    message = exc.value.message_dict["state"][0]
    assert "不能重复确认" in message and "值班员·李娜" in message
    assert actions(alarm) == ["raised", "acknowledged"] and fresh(alarm).acknowledged_by == user("duty")


def test_a_cleared_unacknowledged_alarm_is_acknowledged_to_cleared(demo):
    alarm = make_alarm(state=Alarm.CLEARED_UNACK)
    services.acknowledge(user("duty"), alarm)
    stored = fresh(alarm)
    assert stored.state == Alarm.CLEARED_ACK and not stored.active


# --- who may ---------------------------------------------------------------------------------------------------

def test_a_role_without_change_alarm_is_refused(alarm):
    with pytest.raises(PermissionDenied):
        services.acknowledge(user("township2"), alarm)  # 乡镇用户 sees it, may not handle it
    assert fresh(alarm).state == Alarm.ACTIVE_UNACK and actions(alarm) == ["raised"]


def test_an_enterprise_account_handles_its_own_enterprises_alarms_only(demo):
    own, other = make_alarm("T-OWN"), make_alarm("T-OTHER", enterprise=LECHLOR)
    services.acknowledge(user("enterprise"), own)
    assert fresh(own).state == Alarm.ACTIVE_ACK
    with pytest.raises(PermissionDenied) as exc:
        services.acknowledge(user("enterprise"), other)
    assert "管辖范围" in str(exc.value)
    assert fresh(other).state == Alarm.ACTIVE_UNACK


def test_another_townships_alarm_is_out_of_reach(demo):
    from yingji.core.services import save_user

    alarm = make_alarm(enterprise=None, region=TIANCHI)
    officer = save_user(None, User(username="huilan_duty"), {"display_name": "回澜镇值班员", "region": user("township2").region},
                        role_names=["值班员"], password="Yingji@2026-x")
    with pytest.raises(PermissionDenied):
        services.add_note(officer, alarm, "看看")
    assert actions(alarm) == ["raised"]


# --- assign ----------------------------------------------------------------------------------------------------

def test_assign_to_someone_who_sees_the_alarm(alarm):
    services.assign(user("duty"), alarm, user("township2"), "请回澜镇到场核实")  # 回澜镇: the alarm's township
    stored = fresh(alarm)
    assert stored.assignee == user("township2")
    event = AlarmEvent.objects.get(alarm=alarm, action="assigned")
    assert "回澜镇·孙磊" in event.note and "请回澜镇到场核实" in event.note
    with pytest.raises(ValidationError) as exc:
        services.assign(user("duty"), alarm, user("township2"))
    assert "已指派给" in exc.value.message_dict["assignee"][0]


@pytest.mark.parametrize("who", ["township", "city_duty_other", "enterprise_other"])
def test_assign_to_someone_who_cannot_see_it_is_refused(demo, who):
    alarm = make_alarm(enterprise=LECHLOR) if who == "enterprise_other" else make_alarm()
    assignee = {"township": "township", "enterprise_other": "enterprise"}.get(who)
    if who == "city_duty_other":  # a person with no region sees nothing
        assignee_user = User.objects.create(username="noregion", display_name="无区划")
    else:
        assignee_user = user(assignee)
    with pytest.raises(ValidationError) as exc:
        services.assign(user("duty"), alarm, assignee_user)
    assert "不能指派给其处置" in exc.value.message_dict["assignee"][0]
    assert fresh(alarm).assignee is None and actions(alarm) == ["raised"]


def test_a_cleared_alarm_is_not_assigned(demo):
    alarm = make_alarm(state=Alarm.CLEARED_ACK)
    with pytest.raises(ValidationError) as exc:
        services.assign(user("duty"), alarm, user("township2"))
    assert "不能指派" in exc.value.message_dict["state"][0]


# --- notes -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "fragment"), [("", "请填写备注内容"), ("   ", "请填写备注内容"), ("长" * 501, "不能超过 500 字")])
def test_a_bad_note_is_refused(alarm, text, fragment):
    with pytest.raises(ValidationError) as exc:
        services.add_note(user("duty"), alarm, text)
    assert fragment in exc.value.message_dict["note"][0]
    assert actions(alarm) == ["raised"]


def test_notes_are_appended_in_any_state(demo):
    alarm = make_alarm(state=Alarm.CLEARED_ACK)
    services.add_note(user("duty"), alarm, "企业回复：探头受潮误报，已更换")
    services.add_note(user("inspector"), alarm, "下周检查时复核")
    notes = list(AlarmEvent.objects.filter(alarm=alarm, action="noted").order_by("id").values_list("note", flat=True))
    assert notes == ["企业回复：探头受潮误报，已更换", "下周检查时复核"]


# --- clear by hand ---------------------------------------------------------------------------------------------

def test_clear_needs_a_reason_and_ends_the_alarm(alarm):
    Sensor.objects.filter(pk=alarm.sensor_id).update(status=Sensor.ALARM1, last_value=30.0,
                                                     last_reading_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.clear(user("duty"), alarm, " ")
    assert exc.value.message_dict["note"] == ["请填写解除原因。"]
    assert fresh(alarm).active
    services.clear(user("duty"), alarm, "现场核实为探头检修误报")
    stored = fresh(alarm)
    assert (stored.state, stored.active, stored.cleared_by) == (Alarm.CLEARED_ACK, False, user("duty"))
    assert stored.acknowledged_by == user("duty")  # clearing it by hand is seeing it
    assert actions(alarm) == ["raised", "cleared_manually"]
    assert Sensor.objects.get(pk=alarm.sensor_id).status == Sensor.NORMAL  # its only alarm is over
    with pytest.raises(ValidationError) as exc:
        services.clear(user("duty"), alarm, "再解除一次")
    assert "不能手动解除" in exc.value.message_dict["state"][0]
    # The constraint lets the next reading past the setpoint raise a new alarm for the same sensor and rule.
    again = make_alarm(sensor=alarm.sensor, rule=alarm.rule)
    assert again.pk != alarm.pk and Alarm.objects.filter(sensor=alarm.sensor, active=True).count() == 1


def test_clear_keeps_an_earlier_acknowledgement(alarm):
    services.acknowledge(user("inspector"), alarm)
    services.clear(user("duty"), alarm, "已排除泄漏")
    stored = fresh(alarm)
    assert stored.acknowledged_by == user("inspector") and stored.cleared_by == user("duty")


# --- open an incident ------------------------------------------------------------------------------------------

def test_open_incident_prefilled_from_the_alarm_and_linked_both_ways(demo):
    alarm = make_alarm(level=2, value=52.5)
    incident = services.open_incident(user("duty"), alarm)
    sensor, plant = alarm.sensor, alarm.enterprise
    assert incident.source == "monitoring"
    assert incident.occurred_at == alarm.raised_at
    assert incident.region == sensor.region or incident.region.is_within(sensor.region)
    assert (incident.longitude, incident.latitude) == (sensor.longitude, sensor.latitude)
    assert incident.event_code == "12D02" and incident.event_name == "危险化学品泄漏事故"
    assert incident.production_activity == "yes"
    assert plant.name in incident.title and "二级" in incident.title
    assert plant.name in incident.unit_overview and HUILAN_CHEM in incident.unit_overview
    assert "52.5 %LEL" in incident.description and sensor.code in incident.description
    assert incident.duty_officer == user("duty")
    assert fresh(alarm).incident == incident and list(incident.alarms.all()) == [fresh(alarm)]
    event = AlarmEvent.objects.get(alarm=alarm, action="incident")
    assert incident.number in event.note
    entry = incident.timeline.get(kind="note")
    assert sensor.code in entry.text and "由监测报警生成" in entry.text and entry.data["alarm"] == alarm.pk
    assert incident.reports.exists()  # the 首报 is due: the clock runs from now


def test_a_second_incident_for_the_same_alarm_is_refused_naming_the_first(demo):
    alarm = make_alarm()
    first = services.open_incident(user("duty"), alarm, {"title": "回澜化工储罐区可燃气体泄漏"})
    assert first.title == "回澜化工储罐区可燃气体泄漏"
    count = Incident.objects.count()
    with pytest.raises(services.IncidentAlreadyOpened) as exc:
        services.open_incident(user("inspector"), alarm)
    assert exc.value.incident == first and first.number in exc.value.message_dict["incident"][0]
    assert Incident.objects.count() == count and actions(alarm).count("incident") == 1


def test_a_bad_override_is_refused_and_nothing_is_written(demo):
    alarm = make_alarm()
    count = Incident.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.open_incident(user("duty"), alarm, {"event_code": "99X99", "occurred_at": timezone.now().replace(
            year=timezone.now().year + 1)})
    assert {"event_code", "occurred_at"} <= set(exc.value.message_dict)
    assert Incident.objects.count() == count and fresh(alarm).incident is None and actions(alarm) == ["raised"]


def test_an_enterprise_account_cannot_open_an_incident(demo):
    alarm = make_alarm()
    with pytest.raises(PermissionDenied):
        services.open_incident(user("enterprise"), alarm)
    assert fresh(alarm).incident is None


def test_a_fire_panel_alarm_without_enterprise_is_a_fire_in_the_region(demo):
    alarm = make_alarm("T-FIRE-01", kind="fire_panel", enterprise=None, region=TIANCHI, alarm_type="火警", value=None)
    incident = services.open_incident(user("duty"), alarm)
    assert incident.event_code == "12G00" and incident.region.code == TIANCHI
    assert incident.unit_overview == "" and "火警" in incident.title


# --- the event class table ---------------------------------------------------------------------------------------

def test_every_kind_has_a_real_event_class():
    path = Path(services.EVENT_CODES)
    rows = list(csv.DictReader(line for line in path.open(encoding="utf-8") if not line.startswith("#")))
    assert {row["kind"] for row in rows} == set(kinds.kinds())
    for row in rows:
        assert event_codes.get(row["event_code"]).code == row["event_code"]
    assert services.event_code_for("fire_panel", "火警") == "12G00"
    assert services.event_code_for("water_level", "高限报警") == "11A01"
    assert services.event_code_for("rain", "离线") == "11B03"
    assert services.event_code_for("no_such_kind", "高限报警") == "12Y00"


# --- two people at once ------------------------------------------------------------------------------------------

@pytest.mark.skipif(connection.vendor != "postgresql", reason="两个真实连接并发写：仅 PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officers_opening_an_incident_at_once_give_one(committed_demo, monkeypatch):
    """The alarm row is locked for the whole step: the second waits, then finds the first's incident. (Without the
    lock both would read "no incident yet" during the first's slow intake and open two.)"""
    alarm = make_alarm("T-RACE")
    create = services.incident_services.create_incident

    def slow_create(*args, **kwargs):
        incident = create(*args, **kwargs)
        time.sleep(0.5)  # the other officer clicks meanwhile
        return incident

    monkeypatch.setattr(services.incident_services, "create_incident", slow_create)
    barrier, outcomes = threading.Barrier(2, timeout=10), []

    def click(username):
        try:
            barrier.wait()
            outcomes.append(services.open_incident(user(username), Alarm.objects.get(pk=alarm.pk)).number)
        except services.IncidentAlreadyOpened as exc:
            outcomes.append(("refused", exc.incident.number))
        except Exception as exc:  # noqa: BLE001  shown by the assertion below
            outcomes.append(("error", repr(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(name,)) for name in ("duty", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [incident] = Incident.objects.filter(alarms=alarm)
    assert sorted(outcomes, key=str) == sorted([incident.number, ("refused", incident.number)], key=str)
    assert AlarmEvent.objects.filter(alarm=alarm, action="incident").count() == 1
