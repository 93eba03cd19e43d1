"""Audit trail: snapshots of a record before and after a change, written by services."""

import datetime
import decimal
import uuid

from django.db import models
from django.db.models.fields.files import FieldFile

from .models import AuditEntry, Region

# Never copied into the trail: secrets and fields the database maintains itself.
SKIPPED_FIELDS = {"password", "secret", "path", "created_at", "updated_at", "last_login"}


def _json_value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):  # the stored name, not the file
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict:
    """The record's concrete field values (foreign keys as ids), JSON-ready."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and value is not None:
            # Same text whether the value came from a form (1424) or the database (1424.00).
            value = f"{decimal.Decimal(value):.{field.decimal_places}f}"
        data[field.name] = _json_value(value)
    return data


def diff(before: dict, after: dict) -> dict:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _region_of(instance) -> Region | None:
    if isinstance(instance, Region):
        return instance
    field = getattr(type(instance), "region_field", None)
    if not field:
        return None
    obj = instance
    for part in field.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def actor_name(actor) -> str:
    """The trail's name for who acted: the person, a stand-in's own name (the public reporter), or 系统."""
    if actor is None or not str(actor):
        return "系统"
    return str(actor)[:150]


def record(actor, action: str, instance: models.Model, changes: dict, object_id=None) -> AuditEntry:
    region = _region_of(instance)
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name(actor),
        action=action,
        model=instance._meta.label_lower,
        model_name=str(instance._meta.verbose_name),
        object_id=str(object_id if object_id is not None else instance.pk),
        object_repr=str(instance)[:255],
        region=region if region is not None and region.pk else None,
        changes=changes,
    )


def request_ip(request) -> str:
    from .security import client_ip

    return client_ip(request) if request is not None else ""


def record_event(actor, action: str, label: str, detail: dict | None = None, request=None,
                 instance: models.Model | None = None, region: Region | None = None) -> AuditEntry:
    """An event that changes no record but must be traceable (等保): a login, logout, failed login, token
    issue, export or download. `label` says what it concerned (a list, a file); `detail` holds the facts
    under Chinese names (用户名, 筛选条件, 行数 …), stored as [None, value] so the trail shows them like
    the fields of a creation. The client's IP is added from `request`."""
    detail = dict(detail or {})
    if request is not None:
        detail.setdefault("IP", request_ip(request))
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    if region is None:
        region = _region_of(instance) if instance is not None else getattr(user, "region", None)
    return AuditEntry.objects.create(
        actor=user,
        actor_name=actor_name(actor),
        action=action,
        model=instance._meta.label_lower if instance is not None else "",
        model_name=str(instance._meta.verbose_name) if instance is not None else "",
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=str(label)[:255],
        region=region if region is not None and region.pk else None,
        changes={key: [None, _json_value(value)] for key, value in detail.items()},
    )


def change_rows(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field label, before, after) for display; a creation leaves out the fields it left empty."""
    from django.apps import apps

    try:
        meta = apps.get_model(entry.model)._meta
        labels = {f.name: str(f.verbose_name) for f in meta.concrete_fields}
    except (LookupError, ValueError):  # an event (login, export) concerns no model
        labels = {}
    labels.setdefault("roles", "角色")
    rows = []
    for field, (before, after) in entry.changes.items():
        if entry.action == AuditEntry.CREATE and after in (None, "", [], {}):
            continue
        rows.append((labels.get(field, field), _readable(before), _readable(after)))
    return rows


def _readable(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（无）"
    return value
