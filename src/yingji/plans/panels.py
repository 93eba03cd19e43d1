"""What the plans app shows on other apps' pages: the response card of an incident page and the
open tasks of the dashboard.

The incident page merges `incident_context(incident, user)` into its context and includes
"plans/incident_panel.html". Every key starts with "plans_" so nothing of the page is overwritten.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from yingji.core.models import Organisation
from yingji.core.scoping import scope, user_may_use_region

from . import services
from .models import COLOUR_CSS, LEVEL_CHOICES, SETTABLE_STATUS_CHOICES, Activation, Plan, Task


def open_tasks(user):
    """Open tasks (待办/进行中/受阻) of running responses in the user's scope, most urgent first."""
    tasks = Task.objects.filter(status__in=Task.OPEN, activation__active=True)
    return scope(tasks, user).select_related("incident", "organisation__region", "activation__plan").order_by(
        "due_at", "id")


def overdue_tasks(user):
    return open_tasks(user).filter(due_at__lt=timezone.now())


def _suggestion_rows(incident, user, active_by_plan, warning_colour) -> list[dict]:
    rows = []
    for plan, suggestion in services.suggestions(incident, user, warning_colour):
        rows.append({
            "plan": plan, "level": suggestion.level, "reasons": suggestion.reasons,
            "colour": COLOUR_CSS.get(suggestion.level, "grey"),
            "level_label": dict(LEVEL_CHOICES).get(suggestion.level, "未达到启动条件"),
            "levels": [(lv.level, lv.display_name) for lv in plan.levels.all()],
            "active": active_by_plan.get(plan.pk),
        })
    return rows


def _activation_rows(incident, user) -> list[dict]:
    tasks = Task.objects.select_related("organisation__region", "completed_by_report", "completed_by_assignment__force",
                                        "completed_by_assignment__vehicle").order_by("due_at", "id")
    activations = (scope(incident.plan_activations.all(), user)
                   .select_related("plan", "activated_by", "ended_by")
                   .prefetch_related("plan__levels", Prefetch("tasks", queryset=tasks)))
    rows = []
    for activation in activations:
        all_tasks = list(activation.tasks.all())
        for task in all_tasks:
            task.may_update = task.is_open and activation.active and user_may_use_region(user, task.organisation.region)
        rows.append({
            "activation": activation, "tasks": all_tasks,
            "open": sum(t.is_open for t in all_tasks), "overdue": sum(t.is_overdue for t in all_tasks),
            "done": sum(t.status == Task.DONE for t in all_tasks),
            "levels": [(lv.level, lv.display_name) for lv in activation.plan.levels.all()],
        })
    return rows


def incident_context(incident, user, warning_colour: str = "") -> dict:
    """Suggested plans with the level their criteria give (and why), the responses on the incident with
    their tasks (due, overdue), and what the user may do — for plans/incident_panel.html."""
    activations = _activation_rows(incident, user)
    active = {row["activation"].plan_id: row["activation"] for row in activations if row["activation"].active}
    suggestions = _suggestion_rows(incident, user, active, warning_colour)
    offered = {row["plan"].pk for row in suggestions}
    others = scope(Plan.objects.filter(status=Plan.APPROVED), user).exclude(pk__in=offered | set(active))
    may_act = incident.is_active and user_may_use_region(user, incident.region)
    return {
        "plans_incident": incident,
        "plans_suggestions": suggestions,
        "plans_activations": activations,
        "plans_other_plans": [p for p in others.select_related("region")
                              if incident.region.is_within(p.region)],
        "plans_can_activate": may_act and user.has_perm("plans.add_activation"),
        "plans_can_change": may_act and user.has_perm("plans.change_activation"),
        "plans_can_add_task": may_act and user.has_perm("plans.add_task"),
        "plans_can_update_tasks": user.has_perm("plans.change_task"),
        "plans_level_choices": LEVEL_CHOICES,
        "plans_status_choices": SETTABLE_STATUS_CHOICES,
        "plans_organisations": scope(Organisation.objects.all(), user)
        if user.has_perm("plans.add_task") else [],
        "plans_activate_url": reverse("plans:activate", args=[incident.pk]),
    }


def active_activations(user):
    return scope(Activation.objects.filter(active=True), user)


# The incident page (yingji.incidents) finds this by the panels.py convention (core/discovery.py).
INCIDENT_PANELS = [(incident_context, "plans/incident_panel.html")]
