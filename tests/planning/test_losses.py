"""Disaster-loss reports (灾情报告) after 《自然灾害情况统计调查制度》: the township → county workflow, sums that add up
exactly, the 制度's deadlines at their boundaries, bad input named in Chinese, and region scoping."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from yingji.core.models import AuditEntry, Region, User
from yingji.planning.demo_data.losses import figures
from yingji.planning.models import FIGURE_FIELDS, DisasterEvent, DisasterLossReport, LossFiling
from yingji.planning.services import losses as services

Report = DisasterLossReport
TIANCHI, HUILAN, SHIFO = "512022001", "512022102", "512022101"


def _local(text):
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def event(demo, user):
    """A fresh event of the county, six hours old, not yet stable."""
    county = Region.objects.get(code="512022")
    return services.save_event(user("duty"), DisasterEvent(), {
        "name": "测试暴雨", "hazard": "flood", "region": county,
        "occurred_at": timezone.now().replace(microsecond=0) - datetime.timedelta(hours=6)})


def _enter(actor, event, code, stage=Report.INITIAL, **values):
    data = {"event": event, "region": Region.objects.get(code=code), "stage": stage, **figures(1000), **values}
    return services.save_report(actor, Report(), data)


def _accepted(user, event, code, stage=Report.INITIAL, **values):
    report = _enter(user("duty"), event, code, stage, **values)
    report = services.submit_report(user("duty"), report)
    return services.accept_report(user("duty"), report)


# --- workflow --------------------------------------------------------------------------------------------------

def test_township_enters_county_reviews_and_files(event, user):
    township, duty = user("township"), user("duty")
    report = _enter(township, event, TIANCHI, affected_people=1200)
    assert report.status == Report.DRAFT and report.due_at is not None
    report = services.submit_report(township, report)
    assert report.status == Report.SUBMITTED and report.submitted_by == township
    township.user_permissions.add(Permission.objects.get(codename="review_disasterlossreport"))
    with pytest.raises(PermissionDenied):  # a township never reviews, even given the permission by mistake
        services.accept_report(User.objects.get(pk=township.pk), report)
    with pytest.raises(ValidationError) as error:
        services.return_report(duty, report, "  ")
    assert "退回原因" in error.value.message_dict["reason"][0]
    report = services.return_report(duty, report, "倒塌房屋间数请逐户核实")
    assert report.status == Report.RETURNED and report.return_reason == "倒塌房屋间数请逐户核实"
    report = services.save_report(township, report, {"collapsed_rooms": 2})
    report = services.accept_report(duty, services.submit_report(township, report))
    assert report.status == Report.ACCEPTED and report.is_current and report.reviewed_by == duty
    filing = services.file_upward(duty, event, Report.INITIAL)
    assert filing.filed_by == duty and filing.snapshot["total"]["affected_people"] == 1200
    assert filing.late  # six hours after the disaster: past the 制度's 2 hours
    assert AuditEntry.objects.filter(model="planning.lossfiling", object_id=str(filing.pk)).exists()


def test_filing_six_hours_late_is_marked(event, user):
    _accepted(user, event, TIANCHI)
    filing = services.file_upward(user("duty"), event, Report.INITIAL)
    assert filing.due_at == event.occurred_at + datetime.timedelta(hours=2)
    assert filing.late is True


def test_current_is_the_latest_accepted_stage_exactly_once(event, user):
    first = _accepted(user, event, TIANCHI)
    followup = _accepted(user, event, TIANCHI, Report.FOLLOWUP, covers_on=timezone.localdate())
    rows = Report.objects.filter(event=event, region__code=TIANCHI)
    assert list(rows.filter(is_current=True)) == [followup]
    first.refresh_from_db()
    assert not first.is_current
    services.return_report(user("duty"), _enter(user("duty"), event, HUILAN) and
                           services.submit_report(user("duty"), Report.objects.get(event=event, region__code=HUILAN)),
                           "核实")
    assert not Report.objects.filter(event=event, region__code=HUILAN, is_current=True).exists()
    assert rows.filter(is_current=True).count() == 1


def test_township_figures_add_up_exactly_to_the_county(event, user):
    odd = {"crop_affected_ha": Decimal("10.01"), "crop_damaged_ha": Decimal("3.33"), "crop_lost_ha": Decimal("0.07"),
           "loss_agriculture": Decimal("0.10"), "loss_industry": Decimal("0.20"), "loss_infrastructure": Decimal("0.01"),
           "loss_public": Decimal("0"), "loss_household": Decimal("0.02"), "direct_loss": Decimal("0.33")}
    _accepted(user, event, TIANCHI, **odd)
    _accepted(user, event, HUILAN, **figures(2345, 1, 1))
    _accepted(user, event, SHIFO, **figures(777))
    _enter(user("duty"), event, "512022103")  # a draft: not in the county's figures
    totals = services.aggregate(event)
    assert totals["count"] == 3
    for field in FIGURE_FIELDS:
        assert sum(t[field] for t in totals["townships"]) == totals["total"][field], field
    current = Report.objects.filter(event=event, is_current=True)
    assert totals["total"]["direct_loss"] == sum(r.direct_loss for r in current)
    assert totals["total"]["crop_lost_ha"] == Decimal("0.07") + sum(r.crop_lost_ha for r in current
                                                                    if r.region.code != TIANCHI)
    filing = services.file_upward(user("duty"), event, Report.INITIAL)
    assert filing.snapshot["total"]["direct_loss"] == str(totals["total"]["direct_loss"])
    assert len(filing.snapshot["townships"]) == 3


def test_final_filing_needs_every_township_final(event, user):
    _accepted(user, event, TIANCHI)
    _accepted(user, event, HUILAN)
    duty = user("duty")
    with pytest.raises(ValidationError) as error:  # not stable yet
        _enter(duty, event, TIANCHI, Report.FINAL)
    assert "灾情稳定日期" in error.value.message_dict["stage"][0]
    event = services.save_event(duty, event, {"ended_on": timezone.localdate()})
    _accepted(user, event, TIANCHI, Report.FINAL)
    with pytest.raises(ValidationError) as error:
        services.file_upward(duty, event, Report.FINAL)
    assert "回澜镇" in error.value.message_dict["stage"][0]
    _accepted(user, event, HUILAN, Report.FINAL)
    filing = services.file_upward(duty, event, Report.FINAL)
    assert filing.stage == Report.FINAL and not filing.late
    with pytest.raises(ValidationError):  # nothing after the county's 核报
        _enter(duty, event, SHIFO)


def test_stage_order(event, user):
    duty = user("duty")
    with pytest.raises(ValidationError) as error:
        _enter(duty, event, TIANCHI, Report.FOLLOWUP)
    assert error.value.message_dict["stage"] == ["请先填报初报。"]
    _enter(duty, event, TIANCHI)
    with pytest.raises(ValidationError) as error:
        _enter(duty, event, TIANCHI)
    assert "已有初报" in error.value.message_dict["stage"][0]


# --- deadlines (settings YINGJI_LOSS_*) ------------------------------------------------------------------------

def test_deadlines_follow_the_zhidu_and_the_settings(settings):
    event = DisasterEvent(occurred_at=_local("2025-08-03 02:50"), ended_on=datetime.date(2025, 8, 7))
    assert services.county_due(event, Report.INITIAL) == _local("2025-08-03 04:50")
    assert services.township_due(event, Report.INITIAL) == _local("2025-08-03 03:50")
    assert services.county_due(event, Report.FOLLOWUP, datetime.date(2025, 8, 4)) == _local("2025-08-05 09:00")
    # “5日内”: through the fifth day after the 灾情稳定 date
    assert services.county_due(event, Report.FINAL) == _local("2025-08-13 00:00")
    assert services.county_due(DisasterEvent(occurred_at=event.occurred_at), Report.FINAL) is None
    settings.YINGJI_LOSS_INITIAL_HOURS, settings.YINGJI_LOSS_TOWNSHIP_LEAD_MINUTES = 4, 30
    settings.YINGJI_LOSS_FOLLOWUP_BY, settings.YINGJI_LOSS_FINAL_DAYS = "10:30", 3
    assert services.township_due(event, Report.INITIAL) == _local("2025-08-03 06:20")
    assert services.county_due(event, Report.FOLLOWUP, datetime.date(2025, 8, 4)) == _local("2025-08-05 10:30")
    assert services.county_due(event, Report.FINAL) == _local("2025-08-11 00:00")


def test_submit_on_the_deadline_is_in_time_one_second_after_is_late(event, user):
    report = _enter(user("township"), event, TIANCHI)
    due = report.due_at
    assert due == event.occurred_at + datetime.timedelta(hours=1)
    assert report.overdue  # six hours on, still a draft
    on_time = services.submit_report(None, report, at=due)
    assert not on_time.late and not on_time.overdue
    other = _enter(user("township2"), event, HUILAN)
    late = services.submit_report(None, other, at=due + datetime.timedelta(seconds=1))
    assert late.late and late.overdue and "迟报" in late.status_text
    with pytest.raises(PermissionDenied):  # only the system back-dates
        services.submit_report(user("township"), _enter(user("duty"), event, SHIFO), at=due)


def test_stable_date_moves_the_final_deadline(event, user):
    duty = user("duty")
    _accepted(user, event, TIANCHI)
    event = services.save_event(duty, event, {"ended_on": timezone.localdate()})
    final = _enter(duty, event, TIANCHI, Report.FINAL)
    assert final.due_at == services.township_due(event, Report.FINAL)
    event = services.save_event(duty, event, {"ended_on": event.started_on})
    final.refresh_from_db()
    assert final.due_at == services.township_due(event, Report.FINAL)


# --- bad input -------------------------------------------------------------------------------------------------

BAD = [
    ({"deaths": -1}, "deaths", "因灾死亡人口（人）不能为负数。"),
    ({"crop_damaged_ha": Decimal("90"), "crop_affected_ha": Decimal("85")}, "crop_damaged_ha", "不能大于农作物受灾面积"),
    ({"crop_lost_ha": Decimal("40.01")}, "crop_lost_ha", "不能大于成灾面积"),
    ({"affected_people": 3, "deaths": 2, "missing": 2}, "deaths", "不能大于受灾人口"),
    ({"direct_loss": Decimal("1.001")}, "direct_loss", "最多保留两位小数"),
    ({"loss_public": Decimal("0.5")}, "direct_loss", "应等于农业损失、工矿商贸业损失、基础设施损失、公益设施损失、家庭财产损失之和"),
    ({"relocated": "2.5"}, "relocated", "应为整数"),
]


@pytest.mark.parametrize(("values", "field", "message"), BAD)
def test_bad_figures_are_named_in_chinese(event, user, values, field, message):
    values = {**figures(1000), "crop_affected_ha": Decimal("85"), "crop_damaged_ha": Decimal("40"), **values}
    with pytest.raises(ValidationError) as error:
        _enter(user("township"), event, TIANCHI, **values)
    assert message in " ".join(error.value.message_dict[field])
    assert not Report.objects.filter(event=event).exists()


def test_township_outside_the_users_scope(event, user):
    with pytest.raises(ValidationError) as error:
        _enter(user("township"), event, HUILAN)
    assert "不在您的管辖范围内" in error.value.message_dict["region"][0]


def test_api_bad_input_and_outside_scope(event, api, user):
    client = api("township")
    body = {"event": event.pk, "region": Region.objects.get(code=TIANCHI).pk, "stage": "initial",
            **{k: str(v) for k, v in figures(500).items()}}
    answer = client.post("/api/loss-reports/", {**body, "crop_lost_ha": "-1"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["crop_lost_ha"] == ["绝收面积（公顷）不能为负数。"]
    answer = client.post("/api/loss-reports/", {**body, "loss_household": "1.234"}, format="json")
    assert "最多保留两位小数" in answer.json()["error"]["fields"]["loss_household"][0]
    answer = client.post("/api/loss-reports/", {**body, "region": Region.objects.get(code=HUILAN).pk}, format="json")
    assert answer.status_code == 400 and "region" in answer.json()["error"]["fields"]
    answer = client.post("/api/loss-reports/", body, format="json")
    assert answer.status_code == 201, answer.content
    report_id = answer.json()["id"]
    assert client.post(f"/api/loss-reports/{report_id}/submit/").json()["status"] == "submitted"
    assert client.post(f"/api/loss-reports/{report_id}/accept/").status_code == 403
    county = api("duty")
    answer = county.post(f"/api/loss-reports/{report_id}/return/", {"reason": "请补充灾情文字说明"}, format="json")
    assert answer.json()["status"] == "returned"
    assert county.get(f"/api/loss-events/{event.pk}/totals/").json()["count"] == 0


# --- scoping ---------------------------------------------------------------------------------------------------

def test_another_township_sees_neither_the_report_nor_the_county_total(event, user, web, api):
    report = _accepted(user, event, TIANCHI)
    assert api("township2").get(f"/api/loss-reports/{report.pk}/").status_code == 404
    assert web("township2").get(f"/planning/losses/reports/{report.pk}/").status_code == 404
    assert api("township2").post(f"/api/loss-reports/{report.pk}/submit/").status_code == 404
    ids = {r["id"] for r in api("township2").get("/api/loss-reports/", {"page_size": 1000}).json()["results"]}
    assert report.pk not in ids
    page = web("township2").get(f"/planning/losses/events/{event.pk}/")  # the county's event: readable below
    assert page.status_code == 200
    assert "天池街道" not in page.content.decode() and 'data-testid="county-total"' not in page.content.decode()
    county_page = web("duty").get(f"/planning/losses/events/{event.pk}/").content.decode()
    assert 'data-testid="county-total"' in county_page and "天池街道" in county_page


# --- pages -----------------------------------------------------------------------------------------------------

def test_entry_form_and_review_pages(event, web, user):
    township = web("township")
    form = township.get(f"/planning/losses/reports/add/?event={event.pk}")
    assert form.status_code == 200 and "受灾人口（人次）" in form.content.decode()
    data = {"event": event.pk, "region": Region.objects.get(code=TIANCHI).pk, "stage": "initial",
            **{k: str(v) for k, v in figures(800).items()}, "crop_damaged_ha": "999"}
    answer = township.post("/planning/losses/reports/add/", data)
    assert answer.status_code == 200 and "不能大于农作物受灾面积" in answer.content.decode()
    data["crop_damaged_ha"] = str(figures(800)["crop_damaged_ha"])
    answer = township.post("/planning/losses/reports/add/", data)
    assert answer.status_code == 302
    report = Report.objects.get(event=event)
    township.post(f"/planning/losses/reports/{report.pk}/submit/")
    review = web("duty").get(report.get_absolute_url()).content.decode()
    assert 'data-testid="accept-form"' in review and 'data-testid="return-form"' in review
    web("duty").post(f"/planning/losses/reports/{report.pk}/accept/")
    report.refresh_from_db()
    assert report.status == Report.ACCEPTED and report.is_current
    assert web("duty").get("/planning/losses/?year=abc").status_code == 400


# --- demo and yearly totals ------------------------------------------------------------------------------------

def test_demo_is_consistent(demo):
    events = DisasterEvent.objects.filter(is_demo=True)
    assert events.count() == 12 and {e.started_on.year for e in events} >= {2021, 2022, 2023, 2024, 2025}
    for event in events:
        for region_id in set(event.reports.values_list("region_id", flat=True)):
            accepted = event.reports.filter(region_id=region_id, status=Report.ACCEPTED)
            assert accepted.filter(is_current=True).count() == (1 if accepted.exists() else 0)
        final = LossFiling.objects.filter(event=event, stage=Report.FINAL).first()
        if final is not None:  # the stored snapshot is the aggregate, township by township
            totals = services.aggregate(event)
            assert final.snapshot["total"]["affected_people"] == totals["total"]["affected_people"]
            assert Decimal(final.snapshot["total"]["direct_loss"]) == totals["total"]["direct_loss"]
            assert not final.late
    for report in Report.objects.filter(is_demo=True):
        parts = sum(getattr(report, f) for f in ("loss_agriculture", "loss_industry", "loss_infrastructure",
                                                  "loss_public", "loss_household"))
        assert parts == report.direct_loss


def test_yearly_totals_sum_the_current_reports(demo):
    county = Region.objects.filter(code="512022")
    totals = services.yearly_totals(county, range(2020, 2026))
    assert totals[2020]["reports"] == 0 and totals[2020]["affected_people"] == 0
    for year in range(2021, 2026):
        current = Report.objects.filter(is_current=True, event__started_on__year=year)
        assert totals[year]["reports"] == current.count() > 0
        assert totals[year]["affected_people"] == sum(r.affected_people for r in current)
        assert totals[year]["direct_loss"] == sum(r.direct_loss for r in current)
    one = services.yearly_totals(Region.objects.filter(code=TIANCHI), [2021])
    assert one[2021]["affected_people"] == sum(
        r.affected_people for r in Report.objects.filter(is_current=True, event__started_on__year=2021,
                                                         region__code=TIANCHI))


def test_zhidu_tables_cover_every_figure():
    assert list(services.indicators()) == list(FIGURE_FIELDS)
    parts = [f for f, row in services.indicators().items() if row["parent"] == "direct_loss"]
    assert parts == list(services.BREAKDOWN_FIELDS)
    assert services.label("crop_lost_ha") == "绝收面积（公顷）"
    assert services.hazard_types()["geological.landslide"]["label"] == "地质灾害·滑坡"


def test_event_form_links_an_incident(demo, web):
    from yingji.incidents.models import Incident

    incident = Incident.objects.filter(is_drill=False, region__path__startswith=Region.objects.get(code="512022").path
                                       ).order_by("pk").first()
    client = web("duty")
    assert client.get("/planning/losses/events/add/").status_code == 200
    answer = client.post("/planning/losses/events/add/", {
        "name": "测试风雹", "hazard": "hail", "occurred_at": "2025-06-01T14:30",
        "region": Region.objects.get(code="512022").pk, "incident": incident.pk})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    event = DisasterEvent.objects.get(name="测试风雹")
    assert event.incident == incident and event.started_on == datetime.date(2025, 6, 1)
    answer = client.post("/planning/losses/events/add/", {
        "name": "测试", "hazard": "nonsense", "occurred_at": "2025-06-01T14:30",
        "region": Region.objects.get(code="512022").pk})
    assert answer.status_code == 200 and "灾种" in answer.content.decode()
    assert web("township").get("/planning/losses/events/add/").status_code in (302, 403)
