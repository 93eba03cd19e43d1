"""Alarm pages: the list (active and unacknowledged first, filters, scope), the alarm page with its actions and
history, the confirm page of 手动解除, the incident opened from the intake form pre-filled from the alarm (and sent
to the existing one the second time), and the incident page showing the alarm that opened it."""

import pytest
from django.urls import reverse

from yingji.core.models import User
from yingji.incidents.models import Incident
from yingji.monitoring.models import Alarm, AlarmEvent

from .alarm_helpers import LECHLOR, TIANCHI, make_alarm

pytestmark = pytest.mark.django_db

LIST = "/monitoring/alarms/"


def fresh(alarm):
    return Alarm.objects.get(pk=alarm.pk)


def listed(response):
    return [a.pk for a in response.context["paginator"].object_list]


def test_list_puts_active_unacknowledged_and_worse_first(demo, web):
    old_cleared = make_alarm("T-A", state=Alarm.CLEARED_ACK, ago_s=60)
    acked = make_alarm("T-B", state=Alarm.ACTIVE_ACK, level=2, ago_s=600)
    unack1 = make_alarm("T-C", level=1, ago_s=30)
    unack2 = make_alarm("T-D", level=2, ago_s=900)
    response = web("duty").get(LIST, {"q": "T-"})  # these four (the demo has alarms of its own)
    assert response.status_code == 200
    order = listed(response)
    assert order == [unack2.pk, unack1.pk, acked.pk, old_cleared.pk]
    html = response.content.decode()
    assert 'data-testid="alarm-list"' in html and "T-D" in html and "未确认 2 条" in html


def test_list_filters_and_bad_filter_is_a_chinese_400(demo, web):
    lel = make_alarm("T-LEL")
    water = make_alarm("T-WATER", kind="water_level", enterprise=None, region=TIANCHI, alarm_type="高限报警", level=2)
    client = web("duty")
    waters = listed(client.get(LIST, {"kind": "water_level"}))
    assert water.pk in waters and lel.pk not in waters
    assert all(a.sensor.kind == "water_level" for a in Alarm.objects.filter(pk__in=waters))
    assert listed(client.get(LIST, {"level": "2", "sensor": water.sensor_id})) == [water.pk]
    assert lel.pk in listed(client.get(LIST, {"enterprise": lel.enterprise_id}))
    assert water.pk not in listed(client.get(LIST, {"enterprise": lel.enterprise_id}))
    assert listed(client.get(LIST, {"region": water.region_id, "sensor": lel.sensor_id})) == []
    bad = client.get(LIST, {"level": "3"})
    assert bad.status_code == 400 and "报警级别" in bad.content.decode()


def test_list_is_scoped_to_the_township_and_the_enterprise(demo, web):
    tianchi = make_alarm("T-TC", enterprise=None, region=TIANCHI)
    own, other = make_alarm("T-OWN"), make_alarm("T-OTHER", enterprise=LECHLOR)
    assert tianchi.pk not in listed(web("township2").get(LIST))
    mine = listed(web("enterprise").get(LIST))
    assert own.pk in mine and other.pk not in mine and tianchi.pk not in mine
    assert web("enterprise").get(reverse("monitoring:alarm_detail", args=[other.pk])).status_code == 404


def test_detail_shows_values_rule_history_and_the_buttons_a_duty_officer_may_use(demo, web):
    alarm = make_alarm(level=2, value=55.0)
    html = web("duty").get(alarm.get_absolute_url()).content.decode()
    for text in ("T-ALARM-01", "二级", "未确认", "55 %LEL", "一级 25 %LEL", "二级 50 %LEL", 'data-testid="ack"',
                 'data-testid="open-incident"', 'data-testid="clear"', 'data-testid="assign-form"', "alarm-history"):
        assert text in html, text
    township = web("township2").get(alarm.get_absolute_url()).content.decode()  # sees it, may not act
    assert "T-ALARM-01" in township and 'data-testid="ack"' not in township and "alarm-actions" not in township


def test_acknowledge_note_and_assign_from_the_page(demo, web):
    alarm = make_alarm()
    client = web("duty")
    response = client.post(reverse("monitoring:alarm_acknowledge", args=[alarm.pk]), follow=True)
    assert fresh(alarm).state == Alarm.ACTIVE_ACK and "已确认报警" in response.content.decode()
    again = client.post(reverse("monitoring:alarm_acknowledge", args=[alarm.pk]), follow=True)
    assert "不能重复确认" in again.content.decode()
    client.post(reverse("monitoring:alarm_note", args=[alarm.pk]), {"note": "已通知企业安全员到场"})
    empty = client.post(reverse("monitoring:alarm_note", args=[alarm.pk]), {"note": ""}, follow=True)
    assert "请填写备注内容" in empty.content.decode()
    township2 = User.objects.get(username="township2")
    client.post(reverse("monitoring:alarm_assign", args=[alarm.pk]), {"assignee": township2.pk})
    assert fresh(alarm).assignee == township2
    actions = list(AlarmEvent.objects.filter(alarm=alarm).order_by("id").values_list("action", flat=True))
    assert actions == ["raised", "acknowledged", "noted", "assigned"]
    page = client.get(alarm.get_absolute_url()).content.decode()
    assert "已通知企业安全员到场" in page and "回澜镇·孙磊" in page


def test_assign_offers_only_people_who_can_see_the_alarm(demo, web):
    alarm = make_alarm()
    form = web("duty").get(alarm.get_absolute_url()).context["assign_form"]
    offered = {User.objects.get(pk=pk).username for pk, _ in form.fields["assignee"].choices if pk}
    assert {"duty", "inspector", "township2", "enterprise"} <= offered
    assert not {"township", "city_duty", "admin"} & offered  # another township; the city is above the duty seat


def test_clear_through_its_confirm_page_with_a_reason(demo, web):
    alarm = make_alarm()
    client = web("duty")
    url = reverse("monitoring:alarm_clear", args=[alarm.pk])
    page = client.get(url).content.decode()
    assert "不能恢复" in page and 'data-testid="clear-confirm-button"' in page
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 200 and "请填写解除原因" in refused.content.decode() and fresh(alarm).active
    done = client.post(url, {"note": "探头检修，已与企业核实"})
    assert done.status_code == 302 and not fresh(alarm).active and fresh(alarm).cleared_by.username == "duty"


def test_open_incident_from_the_prefilled_form_then_the_incident_page_links_back(demo, web):
    alarm = make_alarm(level=2, value=51.0)
    client = web("duty")
    url = reverse("monitoring:alarm_incident", args=[alarm.pk])
    form = client.get(url).context["form"]
    assert form["event_code"].value() == "12D02" and "二级" in form["title"].value()
    assert "source" not in form.fields
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["title"] = "回澜化工储罐区可燃气体二级报警（值班员核实）"
    data["is_drill"] = ""
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    incident = Incident.objects.get(title="回澜化工储罐区可燃气体二级报警（值班员核实）")
    assert response["Location"] == incident.get_absolute_url()
    assert incident.source == "monitoring" and fresh(alarm).incident == incident
    assert incident.occurred_at == alarm.raised_at  # the form shows it to the second; kept exact
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-testid="incident-alarms"' in page and alarm.get_absolute_url() in page
    # The second time the duty officer is taken to the incident already opened.
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == incident.get_absolute_url()
    assert Incident.objects.filter(alarms=alarm).count() == 1
    detail = client.get(alarm.get_absolute_url()).content.decode()
    assert incident.number in detail and 'data-testid="open-incident"' not in detail


def test_open_incident_form_errors_stay_on_the_form(demo, web):
    alarm = make_alarm()
    client = web("duty")
    url = reverse("monitoring:alarm_incident", args=[alarm.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["title"] = ""
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert 'class="field-error"' in response.content.decode()
    assert fresh(alarm).incident is None
