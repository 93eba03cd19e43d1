"""What monitoring shows on the incident page (yingji.incidents finds it by the panels.py convention): the alarms
that opened the incident, with their sensor, level and state — the link back from the incident to the alarm.
Every key starts with "monitoring_" so nothing of the page is overwritten."""

from yingji.core.scoping import scope

from .models import Alarm


def incident_alarms(incident, user) -> dict:
    alarms = scope(Alarm.objects.filter(incident=incident), user).select_related("sensor", "enterprise")
    return {"monitoring_alarms": list(alarms.order_by("raised_at", "id"))}


INCIDENT_PANELS = [(incident_alarms, "monitoring/_incident_alarms.html")]
