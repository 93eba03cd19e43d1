"""Read-side helpers shared by the incident pages and API."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date

from yingji.core.models import Region

from .models import Incident


def _day(params, name: str):
    value = params.get(name)
    if not value:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({name: [f"“{value}”不是有效日期，应为 YYYY-MM-DD。"]})
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def filter_incidents(qs, params):
    """status, active=1, region (and below), event (code or prefix, e.g. 12 or 12D), grade, level,
    drill (1/0), merged=0 (no duplicates), since/until (接报日期)."""
    status = params.get("status")
    if status in dict(Incident.STATUS_CHOICES):
        qs = qs.filter(status=status)
    if params.get("active") in ("1", "true"):
        qs = qs.filter(status__in=Incident.ACTIVE_STATUSES, merged_into__isnull=True)
    region = params.get("region")
    if region and region.isdigit():
        found = Region.objects.filter(pk=int(region)).first()
        qs = qs.filter(region__path__startswith=found.path) if found else qs.none()
    event = (params.get("event") or "").strip().upper()
    if len(event) == 5:  # a 大类 or 类 code stands for everything under it
        event = event[:2] if event.endswith("000") else event[:3] if event.endswith("00") else event
    if event:
        qs = qs.filter(event_code__startswith=event)
    if params.get("grade") in dict(Incident.GRADE_CHOICES):
        qs = qs.filter(accident_grade=params["grade"])
    if params.get("level", "").isdigit():
        qs = qs.filter(level=int(params["level"]))
    if params.get("merged") == "0":  # leave out reports merged into another incident (duplicates)
        qs = qs.filter(merged_into__isnull=True)
    if params.get("drill") in ("0", "1"):
        qs = qs.filter(is_drill=params["drill"] == "1")
    since, until = _day(params, "since"), _day(params, "until")
    if since:
        qs = qs.filter(reported_at__gte=since)
    if until:
        qs = qs.filter(reported_at__lt=until + timezone.timedelta(days=1))
    return qs
