"""Figures the plans app puts on the home dashboard (collected by yingji.web like nav.NAV)."""

from django.urls import reverse

from .panels import active_activations, open_tasks, overdue_tasks


def cards(user) -> list[dict]:
    if not user.has_perm("plans.view_task"):
        return []
    responses = active_activations(user).count()
    if not responses:
        return []
    overdue = overdue_tasks(user).count()
    board = reverse("plans:task_board")
    return [
        {"label": "响应中的预案", "value": responses, "note": f"未完成任务 {open_tasks(user).count()} 项",
         "url": board, "tone": ""},
        {"label": "逾期响应任务（项）", "value": overdue, "note": "超过完成时限仍未完成",
         "url": board + "?overdue=1", "tone": "warn" if overdue else ""},
    ]
