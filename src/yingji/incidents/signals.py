"""Signals other apps listen to, so incidents need not import them.

`status_changing` is sent inside the transaction before an incident changes status; a receiver may
raise ValidationError to refuse the change (the plans app refuses 结束 while a response is running).

`incident_event` is sent inside the transaction when something a plan task may wait for has happened
on an incident (the plans app completes the tasks that name it): `event` is one of EVENT_CHOICES,
`record` the report or assignment that shows it, `actor` who did it, `time` when.
"""

from django.db.models.signals import post_save
from django.dispatch import Signal

status_changing = Signal()  # sender=Incident, incident, old, new, actor
incident_event = Signal()  # sender=Incident, incident, event, record, actor, time

INITIAL_REPORT_ISSUED, UNIT_ARRIVED = "initial_report_issued", "unit_arrived"
# No 终报 event: a 终报 falls due only once the incident has ended, which needs every plan response ended
# first (plans refuses 结束 while one runs), so no open task could ever wait for it.
EVENT_CHOICES = [(INITIAL_REPORT_ISSUED, "首报已报送"), (UNIT_ARRIVED, "救援力量到场")]
REPORT_EVENTS = {"initial": INITIAL_REPORT_ISSUED}


def send_event(incident, event: str, record, actor=None, time=None):
    incident_event.send(sender=type(incident), incident=incident, event=event, record=record, actor=actor, time=time)


def _report_saved(sender, instance, **kwargs):
    """An issued 首报/终报 is the event (sent from the save, whichever workflow issues it); receivers act
    once per record, so a later save of the issued report changes nothing."""
    event = REPORT_EVENTS.get(instance.kind)
    if event and instance.status == "issued":
        send_event(instance.incident, event, instance, instance.issued_by, instance.issued_at)


post_save.connect(_report_saved, sender="incidents.InformationReport", dispatch_uid="incidents-report-event")
