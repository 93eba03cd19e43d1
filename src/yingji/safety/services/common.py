"""Helpers the safety services share: dates and their checks, errors raised together, many-to-many changes in the
audit trail, and the bureau (应急管理局) a region answers to."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Region
from yingji.standards import divisions

from ..models import Enterprise

CATEGORIES = dict(Enterprise.CATEGORY_CHOICES)
BUREAU_LEVELS = (divisions.COUNTY, divisions.CITY, divisions.PROVINCE)


def parse_date(value, field: str, label: str, errors: dict, required=True) -> date | None:
    """A date from a form or an API body (a date or "YYYY-MM-DD"); a missing or bad one is an error of `field`."""
    if value in (None, ""):
        if required:
            errors[field] = [f"请填写{label}。"]
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [f"{label}“{value}”不是有效日期（格式：2026-05-01）。"]
        return None


def not_future(day, field: str, label: str, errors: dict):
    if day is not None and field not in errors and day > timezone.localdate():
        errors[field] = [f"{label}不能晚于今天。"]


def raise_errors(errors: dict):
    if errors:
        raise ValidationError(errors)


def record_m2m(actor, instance, field: str, before: list[str], after: list[str]):
    """Many-to-many links are not in the record's own snapshot: their change is an entry of its own."""
    if sorted(before) != sorted(after):
        audit.record(actor, AuditEntry.UPDATE, instance, audit.diff({field: sorted(before)}, {field: sorted(after)}))


def set_inspectors(actor, instance, inspectors):
    names = lambda rows: [str(i) for i in rows]  # noqa: E731
    before = names(instance.inspectors.all())
    instance.inspectors.set(inspectors)
    record_m2m(actor, instance, "inspectors", before, names(inspectors))


def county_of(region: Region | None, level: str | None = None) -> Region | None:
    """The bureau's region of `region`: the region itself or its nearest ancestor of `level` (county or city), or
    without a level the nearest county, city or province (whose name heads documents)."""
    levels = (level,) if level else BUREAU_LEVELS
    while region is not None and region.level not in levels:
        region = region.parent
    return region


def authority_of(region: Region | None, level: str | None = None) -> str:
    """“乐至县应急管理局”: the bureau of county_of(region, level)."""
    bureau = county_of(region, level)
    return f"{bureau.name}应急管理局" if bureau is not None else "应急管理局"
