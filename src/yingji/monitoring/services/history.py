"""An alarm's history: one append-only AlarmEvent and one audit entry per step, whoever took it."""

from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry

from ..models import Alarm, AlarmEvent


def add_event(alarm: Alarm, action: str, actor=None, *, level=None, value=None, note: str = "", at=None,
              changes: dict | None = None) -> AlarmEvent:
    """Record a step of `alarm` (inside the caller's transaction). `actor` None is the system."""
    event = AlarmEvent.objects.create(alarm=alarm, at=at or timezone.now(), action=action,
                                      actor=actor if actor is not None and actor.pk else None,
                                      level=level, value=value, note=note[:500])
    trail = dict(changes or {})
    trail["处置"] = [None, f"{event.get_action_display()}{'：' + note if note else ''}"]
    audit.record(actor, AuditEntry.CREATE if action == "raised" else AuditEntry.UPDATE, alarm, trail)
    return event
