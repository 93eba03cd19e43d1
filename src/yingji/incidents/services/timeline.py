"""The incident timeline: append-only. Every service that changes an incident writes here."""

from django.utils import timezone

from yingji.core.services import person

from ..models import Incident, TimelineEntry


def record(incident: Incident, kind: str, text: str, actor=None, data: dict | None = None, time=None,
           attachment=None) -> TimelineEntry:
    """Append one entry. `kind` is one of TimelineEntry.KIND_CHOICES; `data` keeps machine-readable
    details (old and new values) next to the Chinese sentence a person reads."""
    if kind not in dict(TimelineEntry.KIND_CHOICES):
        raise ValueError(f"unknown timeline kind {kind}")
    entry = TimelineEntry(incident=incident, kind=kind, text=text, data=data or {}, time=time or timezone.now(),
                          actor=person(actor))
    if attachment:
        entry.attachment = attachment
    entry.save()
    return entry
