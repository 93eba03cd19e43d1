"""Demo incidents for 乐至县: a few recent ones in different states, and a year of history for statistics."""

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from yingji.core.models import Region, User
from yingji.core.services import update_audited
from yingji.standards import event_codes
from yingji.standards.tables import read_table

from .models import Incident
from .services import dispatch, incidents
from .services import report_workflow as workflow
from .services.duty import load_demo as load_duty

DATA = Path(__file__).parent / "data" / "demo_incidents.csv"
# The lifecycle path each demo status is walked along, with the reason given at each step.
PATH = [(Incident.VERIFYING, "电话核实属实"), (Incident.RESPONDING, "启动处置"), (Incident.CONTROLLED, "险情得到控制"),
        (Incident.ENDED, "现场处置完毕"), (Incident.ARCHIVED, "资料归档")]
HISTORY_CLASSES = ["12G03", "12G01", "12H02", "11A01", "11A02", "11D01", "11B03", "11G01", "12D02", "12N04",
                   "13B03", "12C01"]


def load(log):
    load_duty(log)  # every run: the roster is relative to today
    if Incident.objects.filter(is_demo=True).exists():
        log("突发事件：已有演示数据，跳过")
        return
    duty = User.objects.get(username="duty")
    rows = list(read_table(DATA))
    for row in rows:
        _open(row, duty)
    history = _history(duty)
    log(f"突发事件 {len(rows)} 起（近期）+ {history} 起（近一年历史）")


def _open(row, duty):
    reported = timezone.now() - timedelta(days=int(row["days_ago"]), hours=float(row["hours_ago"]))
    data = {
        "title": row["title"], "source": row["source"], "reported_at": reported,
        "occurred_at": reported - timedelta(minutes=15), "event_code": row["event_code"],
        "longitude": float(row["longitude"]), "latitude": float(row["latitude"]),
        "region": Region.objects.get(code=row["region_code"]), "description": row["description"],
        "reporter_name": row["reporter_name"], "reporter_phone": row["reporter_phone"],
        "is_drill": row["is_drill"] == "1", "is_demo": True,
    }
    incident = incidents.create_incident(duty, data)
    figures = {f: int(row[f]) for f in ("deaths", "missing", "serious_injuries", "injuries", "people_affected")
               if int(row[f])}
    if Decimal(row["direct_loss_wan"]):
        figures["direct_loss_wan"] = Decimal(row["direct_loss_wan"])
    if figures:
        incident = incidents.update_incident(duty, incident, figures, "现场核实")
    if not incident.is_accident:
        incidents.set_level(User.objects.get(username="commander"), incident, 4, "演示：按县级预案Ⅳ级标准")
    _walk(incident, row["status"], duty)


def _walk(incident, status, duty):
    """Move the incident along the lifecycle, dispatching the nearest capable force on the way."""
    if status == Incident.REPORTED:
        return
    for step, reason in PATH:
        if step == Incident.RESPONDING:
            _dispatch_nearest(incident, duty)
        if step == Incident.ENDED:
            _return_all(incident, duty)
        incident.refresh_from_db()
        if incident.status != step:
            if step != Incident.RESPONDING:  # the newest incident keeps its 首报 due, to show the countdown
                _issue_due_reports(incident, duty)
            incidents.change_status(duty, incident, step, reason)
        if step == status:
            return


def _dispatch_nearest(incident, duty):
    for candidate in dispatch.candidates(incident, duty, limit=5):
        if candidate.capable and not candidate.busy:  # the suggested vehicle, as a duty officer would send
            chosen = [v.vehicle for v in candidate.vehicles if v.suggested]
            dispatch.dispatch_units(duty, incident, candidate.force, chosen)
            return


def _return_all(incident, duty):
    for assignment in incident.assignments.filter(active=True):
        dispatch.advance(duty, assignment, "on_scene")
        dispatch.advance(duty, assignment, "back")


def _issue_due_reports(incident, duty):
    """Each report the way the bureau issues it: the duty officer drafts, the commander reviews, the leader signs,
    and the city's duty officer 签收s it."""
    commander, leader = User.objects.get(username="commander"), User.objects.get(username="leader")
    city = User.objects.filter(username="city_duty").first()
    for report in incident.reports.filter(status="due").order_by("due_at"):
        report = workflow.review_report(commander, workflow.submit_report(duty, report), True)
        report = workflow.sign_report(leader, report, confirm=True)
        for delivery in report.deliveries.all() if city else ():
            workflow.receive_delivery(city, delivery)


def _history(duty) -> int:
    """Closed incidents over the last twelve months (for monthly and per-class statistics), written
    directly as archived records: replaying a year of lifecycles would only slow the demo down."""
    rng = random.Random(2026)
    townships = list(Region.objects.filter(parent__code="512022", level="township"))
    now = timezone.now()
    made = 0
    for month in range(1, 13):
        for _ in range(rng.randint(2, 5)):
            township = rng.choice(townships)
            code = rng.choice(HISTORY_CLASSES)
            reported = now - timedelta(days=30 * month + rng.randint(0, 27), hours=rng.randint(0, 23))
            incident = incidents.create_incident(duty, {
                "title": f"{township.name}{event_codes.get(code).name}", "source": "duty_phone",
                "reported_at": reported, "occurred_at": reported - timedelta(minutes=20), "event_code": code,
                "region": township, "longitude": township.longitude + rng.uniform(-0.01, 0.01),
                "latitude": township.latitude + rng.uniform(-0.01, 0.01), "injuries": rng.choice([0, 0, 0, 1, 2]),
                "direct_loss_wan": Decimal(rng.choice([0, 0, 2, 5, 12, 30])), "is_demo": True,
            })
            # Bulk, not the lifecycle (a year of it would slow the demo down), but audited all the same.
            update_audited(duty, Incident.objects.filter(pk=incident.pk), status=Incident.ARCHIVED,
                           ended_at=reported + timedelta(hours=3), level=incident.level or 4)
            update_audited(duty, incident.reports.filter(status="due"), status="cancelled", trigger="演示历史数据")
            made += 1
    return made


