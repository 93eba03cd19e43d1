"""A warning's history: one append-only WarningEvent and one audit entry per step, whoever took it."""

from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry

from ..models import Warning, WarningEvent


def add_event(warning: Warning, action: str, actor=None, *, note: str = "", changes: dict | None = None,
              created: bool = False) -> WarningEvent:
    """Record a step of `warning` (inside the caller's transaction). `actor` None is the system."""
    event = WarningEvent.objects.create(warning=warning, at=timezone.now(), action=action,
                                        actor=actor if actor is not None and actor.pk else None, note=note[:500])
    trail = dict(changes or {})
    trail["处理"] = [None, f"{event.get_action_display()}{'：' + note if note else ''}"]
    audit.record(actor, AuditEntry.CREATE if created else AuditEntry.UPDATE, warning, trail)
    return event
