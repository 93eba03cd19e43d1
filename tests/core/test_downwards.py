"""Records that apply downwards (issue 12): the county's plans, duty roster and units are READ by its
townships, never written by them; a township drafts the reports of its own incidents but does not issue them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.audit_check import audited
from yingji.core import services as core_services
from yingji.core.models import AuditEntry, Organisation, Region, User
from yingji.core.scoping import scope
from yingji.incidents.models import DutyLogEntry, DutyShift, InformationReport
from yingji.incidents.services import duty
from yingji.plans import services as plan_services
from yingji.plans.models import Plan, ResponseLevel, TaskTemplate

pytestmark = pytest.mark.django_db

TIANCHI_POINT = (105.031, 30.283)


def _all_permissions(username):
    """Every permission: only region scoping may stop the user."""
    user = User.objects.get(username=username)
    user.user_permissions.add(*Permission.objects.all())
    return User.objects.get(pk=user.pk)


def county_plan():
    return Plan.objects.filter(region__code="512022").order_by("pk").first()


def county_shift(actor=None):
    starts = timezone.now() - timedelta(hours=1)
    DutyLogEntry.objects.filter(shift__region__code="512022").delete()
    DutyShift.objects.filter(region__code="512022").delete()
    return duty.save_shift(actor, DutyShift(), {
        "region": Region.objects.get(code="512022"), "starts_at": starts, "ends_at": starts + timedelta(hours=24),
        "leader": User.objects.get(username="leader"), "phone": "028-23322110"},
        [User.objects.get(username="duty")])


# --- Reading ------------------------------------------------------------------------------------------------

def test_township_reads_the_county_plan_its_levels_and_templates(demo, web, api):
    plan = county_plan()
    level = plan.levels.order_by("pk").first()
    template = TaskTemplate.objects.filter(response_level__plan=plan).order_by("pk").first()
    assert web("township").get(f"/plans/{plan.pk}/").status_code == 200
    assert api("township").get(f"/api/plans/{plan.pk}/").status_code == 200
    township = User.objects.get(username="township")
    assert scope(ResponseLevel.objects.filter(pk=level.pk), township).exists()
    assert scope(TaskTemplate.objects.filter(pk=template.pk), township).exists()


def test_sibling_township_plan_stays_invisible(demo, web):
    huilan = Plan.objects.get(region__code="512022102")
    assert web("township").get(f"/plans/{huilan.pk}/").status_code == 404  # 天池街道 ≠ 回澜镇
    assert web("township2").get(f"/plans/{huilan.pk}/").status_code == 200


def test_township_incident_is_matched_to_the_county_plan(open_incident):
    township = User.objects.get(username="township")
    incident = open_incident(actor=township, where=TIANCHI_POINT, title="天池街道某厂储罐泄漏")
    assert incident.region.code.startswith("512022001")
    suggested = [plan for plan, _ in plan_services.suggestions(incident, township)]
    assert suggested and all(p.region.code == "512022" for p in suggested)
    assert "乐至县危险化学品事故应急预案" in [p.name for p in suggested]


def test_township_reads_the_county_roster_and_duty_phone(demo, web, api):
    shift = county_shift()
    assert [s.pk for s in duty.on_duty_now(User.objects.get(username="township"))] == [shift.pk]
    assert web("township").get(f"/duty/{shift.pk}/").status_code == 200
    now = api("township").get("/api/duty-shifts/now/").json()
    assert [s["phone"] for s in now] == ["028-23322110"]


def test_township_reads_county_units_and_their_phones(demo, api):
    unit = Organisation.objects.filter(region__code="512022", type="emergency").order_by("pk").first()
    core_services.save_organisation(None, unit, {"phone": "028-23322110"})
    answer = api("township").get(f"/api/organisations/{unit.pk}/")
    assert answer.status_code == 200 and answer.json()["phone"] == unit.phone


# --- Writing stays below --------------------------------------------------------------------------------------

def test_township_cannot_write_county_plan_or_unit_through_the_api(demo, api):
    township = _all_permissions("township")
    client = api("township")
    client.force_authenticate(township)
    plan, unit = county_plan(), Organisation.objects.filter(region__code="512022").order_by("pk").first()
    for url in (f"/api/plans/{plan.pk}/", f"/api/organisations/{unit.pk}/"):
        assert client.patch(url, {"name": "改名"}, format="json").status_code == 404
        assert client.delete(url).status_code == 404
    plan.refresh_from_db()
    unit.refresh_from_db()
    assert plan.name != "改名" and unit.name != "改名"


def test_township_edit_and_delete_pages_of_county_records_are_404(demo, web):
    _all_permissions("township")
    client = web("township")
    plan, shift = county_plan(), county_shift()
    unit = Organisation.objects.filter(region__code="512022").order_by("pk").first()
    for url in (f"/plans/{plan.pk}/edit/", f"/plans/{plan.pk}/delete/", f"/duty/{shift.pk}/edit/",
                f"/organisations/{unit.pk}/edit/", f"/organisations/{unit.pk}/delete/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/duty/{shift.pk}/handover/", {"handover_notes": "代交班"}).status_code == 404
    shift.refresh_from_db()
    assert shift.handed_over_at is None


def test_services_refuse_writes_to_county_records(demo):
    township = _all_permissions("township")
    unit = Organisation.objects.filter(region__code="512022").order_by("pk").first()
    with pytest.raises(ValidationError):
        core_services.save_organisation(township, unit, {"phone": "028-12345678"})
    with pytest.raises(ValidationError):
        core_services.delete_organisation(township, unit)
    assert Organisation.objects.filter(pk=unit.pk).exists()


# --- A township drafts its own incident's reports -------------------------------------------------------------

def test_township_drafts_the_initial_report_of_its_own_incident(open_incident, web):
    township = User.objects.get(username="township")
    mine = open_incident(actor=township, where=TIANCHI_POINT, title="天池街道某厂储罐泄漏")
    theirs = open_incident()  # 回澜镇
    report = mine.reports.get(kind=InformationReport.INITIAL)
    client = web("township")
    page = client.get(f"/incidents/reports/{report.pk}/edit/")
    assert page.status_code == 200
    assert 'data-testid="issue"' not in page.content.decode()  # no 签发 button for a drafter
    form = {key: value for key, value in page.context["form"].initial.items() if isinstance(value, str)}
    form["measures"] = "街道办已组织疏散周边群众"
    with audited() as trail:
        saved = client.post(f"/incidents/reports/{report.pk}/edit/", form)
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.content["measures"] == "街道办已组织疏散周边群众" and report.status == InformationReport.DUE
    assert trail.count("incidents.informationreport", "update") == 1
    assert AuditEntry.objects.filter(model="incidents.informationreport", object_id=str(report.pk),
                                     actor=township).exists()
    other = theirs.reports.get(kind=InformationReport.INITIAL)
    assert client.get(f"/incidents/reports/{other.pk}/edit/").status_code == 404
    issued = client.post(f"/incidents/reports/{report.pk}/issue/", form)
    report.refresh_from_db()
    assert issued.status_code == 200 and report.status == InformationReport.DUE  # issuing stays with the seat


def test_home_page_counts_only_the_units_of_ones_own_area(demo, web):
    context = web("township").get("/").context
    assert context["organisation_count"] == 1  # 天池街道办事处; the county's units are readable, not its own
