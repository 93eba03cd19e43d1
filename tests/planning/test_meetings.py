"""联席会议 (joint meetings) with their member units and decisions (议定事项) tracked to closure: the responsible unit
or the planning staff closes one with a note; an open one past its deadline is flagged and reminded."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from yingji.core.demo import DEMO_PASSWORD
from yingji.core.models import AuditEntry, Organisation, User
from yingji.core.notifications import collect
from yingji.planning.demo_data.tasks import MEMBER_UNITS
from yingji.planning.models import Decision, JointMeeting
from yingji.planning.services import tasks as services


def _regular():
    return JointMeeting.objects.get(kind=JointMeeting.REGULAR, is_demo=True)


@pytest.fixture
def finance_user(demo):
    """A staff member of 资阳市财政局, responsible for the regular meeting's decision 2 (overdue in the demo)."""
    unit = Organisation.objects.get(name="资阳市财政局")
    user = User.objects.create_user("caizheng", password=DEMO_PASSWORD, region=unit.region, organisation=unit)
    user.groups.add(Group.objects.get(name="值班员"))
    return User.objects.get(pk=user.pk)


def test_demo_meetings_have_the_11_member_units_of_seed_000_and_decisions(demo):
    assert len(MEMBER_UNITS) == 11
    meetings = JointMeeting.objects.filter(is_demo=True)
    assert meetings.count() == 2 and all("（演示）" in m.title for m in meetings)
    for meeting in meetings:
        assert sorted(o.name for o in meeting.attendees.all()) == sorted(MEMBER_UNITS)
    regular = _regular()
    statuses = [(d.number, d.status, d.is_overdue) for d in regular.decisions.order_by("number")]
    assert statuses == [(1, "done", False), (2, "open", True), (3, "open", False)]
    assert regular.decisions.get(number=1).closing_note


def test_the_responsible_unit_closes_a_decision_with_a_note(finance_user, api):
    decision = _regular().decisions.get(number=2)
    client = api("caizheng")
    answer = client.post(reverse("planning-decision-close", args=[decision.pk]), {"closing_note": ""}, format="json")
    assert answer.status_code == 400 and "办结情况" in answer.json()["error"]["fields"]["closing_note"][0]
    answer = client.post(reverse("planning-decision-close", args=[decision.pk]),
                         {"closing_note": "资金安排意见已报市政府。"}, format="json")
    assert answer.status_code == 200, answer.content
    decision.refresh_from_db()
    assert (decision.status, decision.is_overdue, decision.closed_on) == ("done", False, services.today())
    entry = AuditEntry.objects.filter(model="planning.decision", object_id=str(decision.pk)).order_by("-id").first()
    assert entry.changes["status"] == ["open", "done"] and entry.actor.username == "caizheng"
    again = client.post(reverse("planning-decision-close", args=[decision.pk]), {"closing_note": "再次"}, format="json")
    assert again.status_code == 400 and "已办结" in again.json()["error"]["fields"]["status"][0]


def test_another_unit_cannot_close_it(finance_user, api):
    decision = _regular().decisions.get(number=3)  # 资阳市应急管理局's
    answer = api("caizheng").post(reverse("planning-decision-close", args=[decision.pk]),
                                  {"closing_note": "代为办结"}, format="json")
    assert answer.status_code == 403 and "责任单位（资阳市应急管理局）" in answer.json()["error"]["message"]
    with pytest.raises(PermissionDenied):
        services.close_decision(finance_user, decision, "代为办结")
    decision.refresh_from_db()
    assert decision.status == Decision.OPEN


def test_closing_from_the_meeting_page(finance_user, web):
    meeting = _regular()
    decision = meeting.decisions.get(number=2)
    client = web("caizheng")
    page = client.get(reverse("planning:meeting_detail", args=[meeting.pk])).content.decode()
    assert page.count('data-testid="overdue-flag"') == 1 and page.count("确认办结") == 1  # only its own decision
    client.post(reverse("planning:decision_close", args=[decision.pk]),
                {"closing_note": "已办结。", "closed_on": (services.today() + timedelta(days=1)).isoformat()})
    decision.refresh_from_db()
    assert decision.status == Decision.OPEN  # a closing date in the future is refused
    client.post(reverse("planning:decision_close", args=[decision.pk]), {"closing_note": "已办结。"})
    decision.refresh_from_db()
    assert decision.status == Decision.DONE


def test_a_deadline_before_the_meeting_is_refused_naming_the_field(demo):
    meeting = _regular()
    with pytest.raises(ValidationError) as caught:
        services.save_decision(None, Decision(), {"meeting": meeting, "text": "事项",
                                                  "responsible": Organisation.objects.get(name="资阳市财政局"),
                                                  "deadline": meeting.date - timedelta(days=1)})
    assert "不能早于会议日期" in caught.value.message_dict["deadline"][0]


def test_a_new_decision_takes_the_next_number_and_the_meeting_region(demo):
    meeting = _regular()
    decision = services.save_decision(User.objects.get(username="admin"), Decision(), {
        "meeting": meeting, "text": "补充事项", "responsible": Organisation.objects.get(name="资阳市水务局"),
        "deadline": services.today() + timedelta(days=3)})
    assert decision.number == 4 and decision.region == meeting.region


def test_open_decisions_are_flagged_when_overdue_and_reminded_to_their_unit(finance_user):
    decision = _regular().decisions.get(number=3)
    services.refresh_overdue(decision.deadline + timedelta(days=1))
    decision.refresh_from_db()
    assert decision.is_overdue
    items = {s["key"]: s for s in collect(finance_user)["sources"]}["meeting_decisions"]["items"]
    assert [(i["title"][-5:], i["kind"]) for i in items] == [("议定事项2", "议定事项逾期未办结")]
    admin = {s["key"]: s for s in collect(User.objects.get(username="admin"))["sources"]}["meeting_decisions"]
    assert admin["count"] == 2  # 财政局's overdue one and 发改委's due in 7 days; 3 is 40 days off


def test_meeting_list_and_filters(demo, web):
    client = web("admin")
    page = client.get(reverse("planning:meeting_list"), {"kind": "special"})
    assert page.status_code == 200 and len(page.context["objects"]) == 1
    assert client.get(reverse("planning:meeting_list"), {"since": "昨天"}).status_code == 400
    decisions = client.get(reverse("planning-decision-list"), {"overdue": "true"})
    assert [d["number"] for d in decisions.json()["results"]] == [2]


def test_summary_counts_decisions_as_of_the_period_end(demo):
    regular = _regular()
    city = regular.region
    summary = services.progress_summary(city, regular.date, services.today())
    row = next(m for m in summary["meetings"] if m["id"] == regular.pk)
    assert (row["decisions_open"], row["decisions_closed"], row["decisions_overdue"]) == (2, 1, 1)
    before_closing = services.progress_summary(city, regular.date, regular.date + timedelta(days=10))
    row = next(m for m in before_closing["meetings"] if m["id"] == regular.pk)
    assert (row["decisions_open"], row["decisions_closed"]) == (3, 0)
    assert summary["decision_totals"]["total"] == 5 and summary["regular_meetings"] == 1


def test_the_daily_refresh_task_flags_what_passed_overnight(demo):
    decision = _regular().decisions.get(number=3)
    services.save_decision(None, decision, {"deadline": _regular().date + timedelta(days=1)})
    Decision.objects.filter(pk=decision.pk).update(is_overdue=False)  # as stored before midnight
    result = services.refresh_overdue_flags.enqueue(reschedule=False)
    assert result.return_value["decisions"] == 1
    decision.refresh_from_db()
    assert decision.is_overdue


def test_a_decision_form_opened_from_its_meeting_starts_with_it(demo, web):
    client, meeting = web("admin"), JointMeeting.objects.order_by("pk").first()
    form = client.get(reverse("planning:decision_add"), {"meeting": str(meeting.pk)}).context["form"]
    assert form.initial["meeting"] == meeting.pk
    for junk in ("x", "٣", "9" * 12):  # not a plain short number: no initial, no error
        page = client.get(reverse("planning:decision_add"), {"meeting": junk})
        assert page.status_code == 200 and page.context["form"].initial.get("meeting") is None
