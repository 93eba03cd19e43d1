"""Alarm rules: saving them (thresholds in order, one per kind and region, overrides per sensor) and which
rules apply to a sensor.

Resolution (`effective_rules`): for each (rule type, event), the kind's rule of the sensor's region or of its
nearest ancestor wins (like safety's risk schemes); a sensor's own rule (an override) of the same type and
event replaces it. Resolution looks at disabled rules too and drops them last, so a disabled override (or a
township's disabled kind rule) switches that rule off for the sensor (or the township) instead of letting the
county's rule through."""

import math
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction

from yingji.core.models import Region
from yingji.core.scoping import ancestor_paths, scope
from yingji.core.services import delete_scoped, save_scoped
from yingji.standards import gas_alarms

from .. import kinds
from ..models import Rule, Sensor
from ..rules import RESET_EVENT
from .sql import id_list, is_postgresql, pg_cursor

NUMERIC = (Rule.HIGH, Rule.LOW, Rule.RATE)


def _number(value, label: str, field: str, errors: dict):
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(f"{label}应为数值。")
        return None
    if not math.isfinite(number):
        errors.setdefault(field, []).append(f"{label}应为有限数值。")
        return None
    return number


def _check_gbt50493(rule: Rule, level1, level2, errors: dict):
    """A high rule for a gas GB/T 50493-2019 bounds may be tighter than 5.5.2, never looser: refused with the clause.
    Only where the kind's unit is the standard's (%LEL); toxic rules are in ppm and the gas's OEL is not recorded."""
    kind = kinds.kinds().get(rule.kind)
    if rule.rule_type != Rule.HIGH or kind is None or not gas_alarms.applies(kind.code):
        return
    if gas_alarms.bounds(kind.code).unit != kind.unit:
        return
    for field, message in gas_alarms.violations(kind.code, level1, level2).items():
        errors.setdefault(field, []).append(message)


def _check_rule(actor, rule: Rule):
    errors: dict[str, list[str]] = {}
    kind = kinds.kinds().get(rule.kind)
    sensor = rule.sensor if rule.sensor_id else None
    if sensor is not None:
        if actor is not None and not scope(Sensor.objects.filter(pk=sensor.pk), actor).exists():
            errors.setdefault("sensor", []).append(f"监测点“{sensor.code}”不在您的管辖范围内。")
        if rule.kind != sensor.kind:
            errors.setdefault("kind", []).append(
                f"单点覆盖规则的监测类型应与监测点一致（{sensor.kind_info.label}）。")
        if rule.region_id is None:
            rule.region = sensor.region
        elif rule.region_id != sensor.region_id:
            errors.setdefault("region", []).append(f"单点覆盖规则的适用区划应为监测点所在区划“{sensor.region.name}”。")
    if kind is None:
        errors.setdefault("kind", []).append("请选择监测类型。")
    level1 = _number(rule.level1, "一级报警值", "level1", errors)
    level2 = _number(rule.level2, "二级报警值", "level2", errors)
    deadband = _number(rule.deadband, "回差", "deadband", errors)
    rule_type = rule.rule_type
    if rule_type in NUMERIC:
        if kind is not None and kind.is_event:
            errors.setdefault("rule_type", []).append(f"{kind.name}只能设置报警事件或离线规则。")
        if rule.level1 is None:
            errors.setdefault("level1", []).append("请填写一级报警值。")
        elif level1 is not None and level2 is not None:
            if rule_type == Rule.LOW and level2 > level1:
                errors.setdefault("level2", []).append(
                    f"低限规则的二级报警值（{level2:g}）应不高于一级报警值（{level1:g}）。")
            elif rule_type != Rule.LOW and level2 < level1:
                errors.setdefault("level2", []).append(
                    f"二级报警值（{level2:g}）应不低于一级报警值（{level1:g}）。")
        _check_gbt50493(rule, level1, level2, errors)
        if rule_type == Rule.RATE and level1 is not None and level1 <= 0:
            errors.setdefault("level1", []).append("变化速率的一级报警值应大于 0（单位：每分钟变化量）。")
        if deadband is not None:
            if deadband < 0:
                errors.setdefault("deadband", []).append("回差不能为负数。")
            elif level1 is not None and level2 is not None and level2 != level1 and deadband >= abs(level2 - level1):
                errors.setdefault("deadband", []).append(
                    f"回差（{deadband:g}）应小于一级与二级报警值之差（{abs(level2 - level1):g}）。")
            elif rule_type == Rule.RATE and level1 is not None and level1 > 0 and deadband >= level1:
                errors.setdefault("deadband", []).append(f"回差（{deadband:g}）应小于一级报警速率（{level1:g}）。")
        if rule.hold_s is not None and rule.hold_s < 0:
            errors.setdefault("hold_s", []).append("持续时间不能为负数。")
        rule.event = ""
    elif rule_type == Rule.EVENT:
        if kind is not None and not kind.is_event:
            errors.setdefault("rule_type", []).append(
                f"报警事件规则只适用于火灾报警控制器，{kind.name}请设置高限、低限、变化速率或离线规则。")
        if not rule.event:
            errors.setdefault("event", []).append("请选择报警事件（火警、故障、监管或屏蔽）。")
        elif rule.event == RESET_EVENT:
            errors.setdefault("event", []).append("“复位”用于恢复报警，不能作为报警事件。")
        rule.level1 = rule.level2 = None
        rule.deadband, rule.hold_s = 0, 0
    elif rule_type == Rule.STALE:
        factor = _number(rule.stale_factor, "离线倍数", "stale_factor", errors)
        if rule.stale_factor is None:
            errors.setdefault("stale_factor", []).append("请填写离线倍数。")
        elif factor is not None and factor < 1:
            errors.setdefault("stale_factor", []).append(
                f"离线倍数（{factor:g}）应不小于 1：未上报时长达到“上报周期 × 离线倍数”即判离线。")
        rule.level1 = rule.level2 = None
        rule.deadband, rule.hold_s, rule.event = 0, 0, ""
    else:
        errors.setdefault("rule_type", []).append("请选择规则类型。")
    if not errors:
        twins = Rule.objects.filter(rule_type=rule.rule_type, event=rule.event).exclude(pk=rule.pk)
        if sensor is not None:
            twin = twins.filter(sensor=sensor).first()
            where = f"监测点“{sensor.code}”"
        else:
            twin = twins.filter(sensor=None, region_id=rule.region_id, kind=rule.kind).first()
            where = "本区划该监测类型"
        if twin is not None:
            errors.setdefault("rule_type", []).append(f"{where}已有同类规则“{twin.name}”：请修改该规则。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_rule(actor, rule: Rule, data: dict) -> Rule:
    """Create or change a rule (the kind's rule of a region, or a sensor's override); errors name the field."""
    return save_scoped(actor, rule, data, validate=lambda r: _check_rule(actor, r))


@transaction.atomic
def delete_rule(actor, rule: Rule):
    """Delete a rule that never raised an alarm (the alarms keep their rule); otherwise disable it."""
    def check(r):
        if r.alarms.exists():
            raise ValidationError({"rule_type": f"规则“{r.name}”已产生报警记录，不能删除；可将其停用。"})
    delete_scoped(actor, rule, validate=check)


class _Rules:
    """The rules a resolution reads: the kind rules by (kind, type, event) → region path, the overrides by sensor,
    and what was resolved already per (kind, region path) — a place's chosen rules, and its sorted list for
    sensors without an override."""

    def __init__(self, kind_rules, overrides, key=None):
        self.kind_rules: dict[tuple, dict[str, Rule]] = kind_rules
        self.overrides: dict[int, list[Rule]] = overrides
        self.key = key
        self.places: dict[tuple, dict[tuple, Rule]] = {}
        self.shared: dict[tuple, list[Rule]] = {}

    @classmethod
    def read(cls, places, sensor_ids, key=None) -> "_Rules":
        """The kind rules of these (kind, path) places and their ancestors, and these sensors' overrides; all of
        them when places is None."""
        kind_rules: dict[tuple, dict[str, Rule]] = defaultdict(dict)
        overrides: dict[int, list[Rule]] = defaultdict(list)
        every = Rule.objects.select_related("region")
        if places is None:
            parts = [every]
        else:
            paths = {p for _, path in places for p in (*ancestor_paths(path), path)}
            parts = [every.filter(sensor=None, kind__in={kind for kind, _ in places}, region__path__in=paths),
                     Rule.objects.filter(sensor_id__in=id_list(sensor_ids))]
        for part in parts:
            for rule in part:
                if rule.sensor_id is None:
                    kind_rules[(rule.kind, rule.rule_type, rule.event)][rule.region.path] = rule
                else:
                    overrides[rule.sensor_id].append(rule)
        return cls(kind_rules, overrides, key)

    def place(self, kind: str, path: str) -> dict[tuple, Rule]:
        chosen = self.places.get((kind, path))
        if chosen is None:
            chain = [*ancestor_paths(path), path][::-1]  # nearest first
            chosen = self.places[(kind, path)] = {}
            for (rule_kind, rule_type, event), by_path in self.kind_rules.items():
                if rule_kind == kind:
                    nearest = next((by_path[p] for p in chain if p in by_path), None)
                    if nearest is not None:
                        chosen[(rule_type, event)] = nearest
        return chosen

    def of(self, sensor) -> list[Rule]:
        place = (sensor.kind, sensor.region.path)
        own = self.overrides.get(sensor.pk)
        if own is None and place in self.shared:
            return self.shared[place]
        chosen = dict(self.place(*place))
        for rule in own or ():
            chosen[(rule.rule_type, rule.event)] = rule
        found = sorted((r for r in chosen.values() if r.enabled), key=lambda r: (r.rule_type, r.event, r.pk))
        if own is None:
            self.shared[place] = found
        return found


_kept: _Rules | None = None  # the long-lived consumer's copy of the rule table (PostgreSQL), see _current()


def _fingerprint() -> str:
    """A digest of every rule row's content and its region's path: any change to the rules (through the
    services, the admin, a queryset update or raw SQL, committed or in the current transaction) changes it.
    One small query per batch instead of resolving the rules through the ORM."""
    with pg_cursor() as pg:
        pg.execute(f'SELECT count(*), md5(string_agg(r::text || g."path", \',\' ORDER BY r."id")) '
                   f'FROM "{Rule._meta.db_table}" r JOIN "{Region._meta.db_table}" g ON g."id" = r."region_id"')
        count, digest = pg.fetchone()
    return f"{count}:{digest}"


def _current() -> _Rules:
    """The whole rule table, read again only when its fingerprint changed since the last batch."""
    global _kept
    key = _fingerprint()
    if _kept is None or _kept.key != key:
        _kept = _Rules.read(None, None, key)
    return _kept


def effective_rules(sensors, *, cached: bool = False) -> dict[int, list[Rule]]:
    """sensor id → its enabled rules (kind rule of the nearest region, replaced by its own override).
    The kind rules are resolved once per (kind, region), not per sensor: a batch holds hundreds of sensors of a
    few kinds in a few dozen regions. `cached` (ingest, on PostgreSQL): resolve from the process's copy of the
    rule table, checked against the table's fingerprint first (so a changed rule applies to the next batch);
    the Rule objects are then shared between batches and must not be changed by the caller."""
    sensors = list(sensors)
    if not sensors:
        return {}
    if cached and is_postgresql():
        rules = _current()
    else:
        rules = _Rules.read({(s.kind, s.region.path) for s in sensors}, [s.pk for s in sensors])
    return {sensor.pk: rules.of(sensor) for sensor in sensors}
