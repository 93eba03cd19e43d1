"""Rules over a stored batch: raise, escalate and clear alarms; and the stale (offline) check.

`evaluate(batch)` runs inside the ingest transaction, after ingest has locked the batch's Sensor rows. The rule
engine (monitoring/rules.py, numpy) judges every reading of a rule type at once; only its transitions touch
the database (an alarm created, escalated in place or cleared, each with its history event), plus one upsert
of the rules' state and the sensors whose status changed.

Readings out of order: a reading stamped at or before the last one a (sensor, rule) already judged is *late*.
Late readings are judged in time order among themselves, apart from the newer ones: they may raise an alarm
(which keeps the late reading's time) or escalate the active one, but never clear — a late reading must not
undo a newer state. A high/low alarm raised by late readings is cleared at once, at the time of the newest
judged reading, when that reading was already past the clear point (the excursion happened, and is over);
otherwise the newer readings decide as usual. The rule's remembered state (the run pending for `hold_s`, the
previous value for the rate) only moves forward with the newest readings.

Stale: `check_stale(now)` (the periodic task, `yingji monitoring check-stale`) raises 离线 for a sensor whose
last reading is `stale_factor × expected_interval_s` old or older (sensors that never reported stay 未上报);
a batch with a reading from a sensor in 离线 clears it when the newest reading is within that window of now.

The partial unique constraint (one active alarm per sensor and rule) is the last guard: if a raise collides
with an alarm raised meanwhile (a race), the active alarm is read again and escalated instead."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .. import kinds
from .. import rules as engine
from ..models import Alarm, Rule, RuleState, Sensor
from .history import add_event
from .rules import effective_rules
from .sql import PG_TS, float8s, id_list, int8s, pg_cursor

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ALARM_TYPES = {Rule.HIGH: "高限报警", Rule.LOW: "低限报警", Rule.RATE: "变化速率报警", Rule.STALE: "离线"}
LEVEL_NAMES = {1: "一级", 2: "二级"}


def to_dt(ms) -> datetime:
    return EPOCH + timedelta(milliseconds=int(ms))


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _num(x) -> float | None:
    return None if x is None or x != x else float(x)


class _Region:
    __slots__ = ("path",)

    def __init__(self, path: str):
        self.path = path


class _Light:
    """What judging needs of a sensor, read as plain values: a batch touches hundreds of sensors, and building
    their ORM objects (with their regions) cost more than the rules. The ORM object is read only for a
    sensor whose alarm changes (_Run.orm)."""

    __slots__ = ("pk", "kind", "unit", "region", "status", "expected_interval_s")

    def __init__(self, pk, kind, unit, path, status, expected_interval_s):
        self.pk, self.kind, self.unit, self.status = pk, kind, unit, status
        self.region, self.expected_interval_s = _Region(path), expected_interval_s


@dataclass
class _Run:
    now: datetime
    sensors: dict                     # sensor id → ORM Sensor, read when an alarm of it changes
    active: dict                      # (sensor id, rule id) → active Alarm
    states: dict                      # (sensor id, rule id) → (pending_since ms | None, pending_level,
    #                                   previous_value | None, previous_ts ms | None, pending_peak | None)
    touched: dict = field(default_factory=dict)
    dirty: dict = field(default_factory=dict)  # active alarms whose last / peak value moved (one UPDATE)
    new_states: list = field(default_factory=list)  # rows for _save_states

    def orm(self, sensor_id: int) -> Sensor:
        sensor = self.sensors.get(sensor_id)
        if sensor is None:
            sensor = self.sensors[sensor_id] = _sensors().get(pk=sensor_id)
        return sensor


# --- Alarm steps (the only writes per transition) ----------------------------------------------------------

def _fmt(value, unit: str) -> str:
    return "" if value is None else f"{value:.4g}{unit}"


def _raise(run: _Run, sensor: Sensor, rule: Rule, level: int, at: datetime, value, note: str,
           alarm_type: str | None = None, peak=None) -> Alarm:
    key = (sensor.pk, rule.pk)
    current = run.active.get(key)
    if current is not None:  # already active (the engine's state and the table agree, this is a guard)
        return _escalate(run, current, level, at, value) if level > current.level else current
    value = _num(value)
    alarm = Alarm(sensor=sensor, rule=rule, region=sensor.region, enterprise_id=sensor.enterprise_id,
                  alarm_type=alarm_type or ALARM_TYPES.get(rule.rule_type, rule.event), level=level, raised_at=at,
                  first_value=value, peak_value=_extreme(rule.rule_type, value, peak), last_value=value)
    try:
        with transaction.atomic():  # a savepoint: the constraint refusing the row leaves the batch intact
            alarm.save()
    except IntegrityError:
        current = Alarm.objects.select_for_update().filter(sensor=sensor, rule=rule, active=True).first()
        if current is None:
            raise
        current.sensor, current.rule, current.region = sensor, rule, sensor.region
        run.active[key] = current
        return _escalate(run, current, level, at, value) if level > current.level else current
    add_event(alarm, "raised", level=level, value=value, note=note, at=at)
    run.active[key] = alarm
    run.touched[alarm.pk] = alarm
    return alarm


def _escalate(run: _Run, alarm: Alarm, level: int, at: datetime, value, note: str = "") -> Alarm:
    before = alarm.level
    alarm.level, alarm.escalated_at = level, max(at, alarm.raised_at)
    alarm.save(update_fields=["level", "escalated_at", "peak_value"])
    add_event(alarm, "escalated", level=level, value=_num(value), at=alarm.escalated_at,
              note=note or f"{LEVEL_NAMES[before]} → {LEVEL_NAMES[level]}",
              changes={"报警级别": [LEVEL_NAMES[before], LEVEL_NAMES[level]]})
    run.touched[alarm.pk] = alarm
    return alarm


def _clear(run: _Run, alarm: Alarm, at: datetime, value, note: str) -> Alarm:
    before = alarm.get_state_display()
    alarm.state = Alarm.CLEARED_ACK if alarm.state == Alarm.ACTIVE_ACK else Alarm.CLEARED_UNACK
    alarm.active, alarm.cleared_at = False, max(at, alarm.raised_at)
    if value is not None and value == value:
        alarm.last_value = float(value)
    alarm.save(update_fields=["state", "active", "cleared_at", "last_value", "peak_value"])
    add_event(alarm, "cleared", level=alarm.level, value=_num(value), at=alarm.cleared_at, note=note,
              changes={"状态": [before, alarm.get_state_display()]})
    run.active.pop((alarm.sensor_id, alarm.rule_id), None)
    run.touched[alarm.pk] = alarm
    return alarm


def _extreme(rule_type: str, a, b):
    a, b = _num(a), _num(b)
    if a is None or b is None:
        return a if b is None else b
    return min(a, b) if rule_type == Rule.LOW else max(a, b)


# --- Judging a rule group ----------------------------------------------------------------------------------

def _unit(sensor) -> str:
    return sensor.unit or kinds.kinds()[sensor.kind].unit


def _notes(rule: Rule, unit: str):
    """What the history says at a raise/escalation and at a clear."""
    if rule.rule_type == Rule.EVENT:
        return lambda level, v: f"火灾报警控制器报“{rule.event}”", lambda v: "控制器复位"
    if rule.rule_type == Rule.RATE:
        unit = f"{unit}/分钟"
        def past(level, v):
            setpoint = rule.level2 if level == 2 else rule.level1
            return f"变化速率 {_fmt(v, unit)}，达到{LEVEL_NAMES[level]}报警值 {_fmt(setpoint, unit)}"
        return past, lambda v: f"变化速率 {_fmt(v, unit)}，低于 {_fmt(rule.level1 - rule.deadband, unit)}（一级报警值减回差）"
    low = rule.rule_type == Rule.LOW
    def past(level, v):
        setpoint = rule.level2 if level == 2 else rule.level1
        return (f"读数 {_fmt(v, unit)}{'低于或等于' if low else '达到'}{LEVEL_NAMES[level]}报警值 {_fmt(setpoint, unit)}"
                + (f"（持续 {rule.hold_s} s）" if rule.hold_s else ""))
    back = rule.level1 + rule.deadband if low else rule.level1 - rule.deadband
    return past, lambda v: f"读数 {_fmt(v, unit)}，已{'高于' if low else '低于'} {_fmt(back, unit)}（一级报警值{'加' if low else '减'}回差）"


def _apply(run: _Run, pairs, present, out: engine.Outcome, ts_ms, note_late: bool = False) -> set:
    """Write the engine's transitions, in reading order; returns the group indexes that raised."""
    raised = set()
    for k in range(len(out)):
        sensor, rule = pairs[present[out.group[k]]]
        at = to_dt(ts_ms[out.index[k]])
        value = out.measure[k]
        past, back = _notes(rule, _unit(sensor))
        action, level = int(out.action[k]), int(out.level[k])
        late = "（迟到读数）" if note_late else ""
        peak = None if rule.rule_type == Rule.EVENT else out.peak[k]
        if action == engine.RAISE:
            _raise(run, run.orm(sensor.pk), rule, level, at, value, past(level, value) + late,
                   alarm_type=rule.event if rule.rule_type == Rule.EVENT else None, peak=peak)
            raised.add(int(present[out.group[k]]))
            continue
        alarm = run.active.get((sensor.pk, rule.pk))
        if alarm is None:
            continue
        alarm.peak_value = _extreme(rule.rule_type, alarm.peak_value, peak)
        if action == engine.ESCALATE:
            if level > alarm.level:
                _escalate(run, alarm, level, at, value, past(level, value) + late)
        else:
            _clear(run, alarm, at, value, back(value))
    return raised


def _judge(run: _Run, batch, rule_type: str, pairs, event: str = "") -> None:
    """One rule type (or one fire-panel event) over every sensor that has such a rule: pairs[(sensor, rule)],
    each with its slice of the batch in `slices`."""
    if not pairs:
        return
    sensors_rules = [(s, r) for s, r, _, _ in pairs]
    starts_in_batch = np.array([a for _, _, a, _ in pairs], np.int64)
    lengths = np.array([b - a for _, _, a, b in pairs], np.int64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    index = np.repeat(starts_in_batch - offsets, lengths) + np.arange(lengths.sum())
    gid = np.repeat(np.arange(len(pairs)), lengths)
    ts = batch.ts_ms[index]
    is_event = rule_type == Rule.EVENT
    values = batch.event[index] if is_event else batch.value[index]

    g = len(pairs)
    state = engine.State.empty(g)
    params = engine.Params(np.zeros(g), np.full(g, np.nan), np.zeros(g), np.zeros(g, np.int64))
    for i, (sensor, rule) in enumerate(sensors_rules):
        alarm = run.active.get((sensor.pk, rule.pk))
        state.level[i] = alarm.level if alarm is not None else 0
        stored = run.states.get((sensor.pk, rule.pk))
        if stored is not None:
            pending_since, pending_level, previous_value, previous_ts, pending_peak = stored
            if pending_since is not None:
                state.pending_since[i] = pending_since
                state.pending_level[i] = pending_level
                state.pending_peak[i] = np.nan if pending_peak is None else pending_peak
            if previous_ts is not None:
                state.previous_ts[i] = previous_ts
            state.previous_value[i] = np.nan if previous_value is None else previous_value
        if is_event:
            params.level1[i] = rule.event_level
        else:
            params.level1[i] = rule.level1
            params.level2[i] = np.nan if rule.level2 is None else rule.level2
            params.deadband[i] = rule.deadband
            params.hold_ms[i] = rule.hold_s * 1000

    def run_engine(mask, clearing):
        present = np.unique(gid[mask])
        starts = engine.group_starts(gid[mask])
        sub = state.take(present)
        sub.level = np.array([(run.active[k].level if (k := (sensors_rules[p][0].pk, sensors_rules[p][1].pk))
                               in run.active else 0) for p in present], np.int64)
        if not clearing:
            sub.pending_since = np.full(len(present), engine.NONE_TS, np.int64)
            sub.pending_level = np.zeros(len(present), np.int64)
            sub.pending_peak = np.full(len(present), np.nan)
            sub.previous_value = np.full(len(present), np.nan)
            sub.previous_ts = np.full(len(present), engine.NONE_TS, np.int64)
        if is_event:
            out = engine.judge_events(ts[mask], values[mask], starts, event, params.level1[present].astype(np.int64),
                                      sub, clearing=clearing)
        else:
            out = engine.judge(rule_type, ts[mask], values[mask], starts, params.take(present), sub,
                               clearing=clearing)
        return present, out

    late = ts <= state.previous_ts[gid]
    if late.any():
        present, out = run_engine(late, clearing=False)
        raised = _apply(run, sensors_rules, present, out, ts[late], note_late=True)
        for p in raised:  # an excursion the newer readings already saw end
            sensor, rule = sensors_rules[p]
            alarm = run.active.get((sensor.pk, rule.pk))
            previous = state.previous_value[p]
            if alarm is None or rule.rule_type not in (Rule.HIGH, Rule.LOW) or previous != previous:
                continue
            over = previous < rule.level1 - rule.deadband if rule.rule_type == Rule.HIGH else \
                previous > rule.level1 + rule.deadband
            if over:
                _clear(run, alarm, to_dt(state.previous_ts[p]), previous, _notes(rule, _unit(sensor))[1](previous))
    fresh = ~late
    if not fresh.any():
        return
    present, out = run_engine(fresh, clearing=True)
    _apply(run, sensors_rules, present, out, ts[fresh])
    final = out.final
    for j, p in enumerate(present.tolist()):
        sensor, rule = sensors_rules[p]
        alarm = run.active.get((sensor.pk, rule.pk))
        if alarm is not None and not is_event and final.level[j] > 0:
            last = _num(out.final_measure[j])
            peak = _extreme(rule.rule_type, alarm.peak_value, out.final_peak[j])
            if (last, peak) != (alarm.last_value, alarm.peak_value) and last is not None:
                alarm.last_value, alarm.peak_value = last, peak
                run.dirty[alarm.pk] = alarm
        run.new_states.append((
            sensor.pk, rule.pk, None if final.pending_since[j] == engine.NONE_TS else int(final.pending_since[j]),
            int(final.pending_level[j]), _num(final.previous_value[j]), int(final.previous_ts[j]),
            _num(final.pending_peak[j])))


# --- Entry points --------------------------------------------------------------------------------------------

def _status(run: _Run, sensor_id: int) -> str:
    alarms = [a for (s, _), a in run.active.items() if s == sensor_id]
    if any(a.rule.rule_type == Rule.STALE for a in alarms):
        return Sensor.OFFLINE
    top = max((a.level for a in alarms), default=0)
    return {0: Sensor.NORMAL, 1: Sensor.ALARM1, 2: Sensor.ALARM2}[top]


def _set_status(sensors, status_of) -> None:
    changes: dict[str, list[int]] = {}
    for sensor in sensors:
        status = status_of(sensor)
        if status != sensor.status:
            changes.setdefault(status, []).append(sensor.pk)
            sensor.status = status
    for status, ids in changes.items():
        Sensor.objects.filter(pk__in=ids).update(status=status)


def _sensors():
    """Sensors with their region's path (not its boundary: GeoJSON that would cost more to parse than the rules)."""
    return Sensor.objects.select_related("region")


def _light_sensors(ids) -> dict[int, _Light]:
    rows = Sensor.objects.filter(pk__in=id_list(ids)).values_list("id", "kind", "unit", "region__path", "status",
                                                         "expected_interval_s")
    return {row[0]: _Light(*row) for row in rows}


def refresh_status(sensor_ids) -> None:
    """Put Sensor.status in step with the sensors' active alarms (after a person cleared one by hand): 离线 if a
    stale alarm is active, else the highest active level, else 正常 (未上报 stays until the first reading)."""
    sensors = _sensors().in_bulk(list(sensor_ids))
    run = _Run(timezone.now(), sensors, _active_alarms(sensors, list(sensors)), {})
    _set_status([s for s in sensors.values() if s.last_reading_at is not None or s.status != Sensor.NEVER],
                lambda sensor: _status(run, sensor.pk))


def _active_alarms(sensors: dict, ids) -> dict:
    """The active alarms of these sensors, locked (their rows only, not the rule's or the region's), each with
    its ORM sensor (read into `sensors` where missing) and rule."""
    found = {}
    for alarm in Alarm.objects.select_for_update(of=("self",)).filter(active=True, sensor_id__in=id_list(ids)):
        found[(alarm.sensor_id, alarm.rule_id)] = alarm
    missing = {s for s, _ in found} - set(sensors)
    if missing:
        sensors.update(_sensors().in_bulk(list(missing)))
    rules = Rule.objects.in_bulk(list({r for _, r in found}))
    for alarm in found.values():
        sensor = sensors[alarm.sensor_id]
        alarm.sensor, alarm.region = sensor, sensor.region  # what the history's audit entry names
        alarm.rule = rules[alarm.rule_id]
    return found


# --- The rules' remembered state: plain rows, bound on the server on PostgreSQL ---------------------------

def _load_states(ids) -> dict:
    if connection.vendor == "postgresql":
        with pg_cursor() as pg:
            pg.execute('SELECT "sensor_id", "rule_id", (extract(epoch FROM "pending_since") * 1000)::int8, '
                       '"pending_level", "previous_value", (extract(epoch FROM "previous_ts") * 1000)::int8, '
                       '"pending_peak" FROM "monitoring_rulestate" WHERE "sensor_id" = ANY(%b::int8[])', [int8s(ids)])
            return {(row[0], row[1]): row[2:] for row in pg.fetchall()}
    rows = RuleState.objects.filter(sensor_id__in=ids).values_list(
        "sensor_id", "rule_id", "pending_since", "pending_level", "previous_value", "previous_ts", "pending_peak")
    return {(s, r): (None if since is None else to_ms(since), level, value, None if ts is None else to_ms(ts), peak)
            for s, r, since, level, value, ts, peak in rows}


def _save_states(rows: list) -> None:
    """Upsert (sensor_id, rule_id, pending_since ms | None, pending_level, previous_value | None, previous_ts
    ms, pending_peak | None), in (sensor, rule) order so that two consumers lock the rows in the same order."""
    rows = sorted(rows, key=lambda row: row[:2])
    if connection.vendor == "postgresql":
        s, r, p, lv, v, t, k = zip(*rows, strict=True)
        columns = [int8s(s), int8s(r), float8s(p), int8s(lv), float8s(v), float8s(t), float8s(k)]
        with pg_cursor() as pg:
            pg.execute(
                'INSERT INTO "monitoring_rulestate" ("sensor_id", "rule_id", "pending_since", "pending_level", '
                '"previous_value", "previous_ts", "pending_peak") '
                f'SELECT u.s, u.r, {PG_TS.format("u.p")}, u.l, u.v, {PG_TS.format("u.t")}, u.k '
                'FROM unnest(%b::int8[], %b::int8[], %b::float8[], %b::int8[], %b::float8[], %b::float8[], '
                '%b::float8[]) AS u(s, r, p, l, v, t, k) '
                'ON CONFLICT ("sensor_id", "rule_id") DO UPDATE SET "pending_since" = excluded."pending_since", '
                '"pending_level" = excluded."pending_level", "previous_value" = excluded."previous_value", '
                '"previous_ts" = excluded."previous_ts", "pending_peak" = excluded."pending_peak"', columns)
        return
    RuleState.objects.bulk_create(
        [RuleState(sensor_id=s, rule_id=r, pending_since=None if p is None else to_dt(p), pending_level=lv,
                   previous_value=v, previous_ts=None if t is None else to_dt(t), pending_peak=k)
         for s, r, p, lv, v, t, k in rows],
        update_conflicts=True, unique_fields=["sensor", "rule"],
        update_fields=["pending_since", "pending_level", "previous_value", "previous_ts", "pending_peak"])


def evaluate(batch, *, now=None, sensors: dict | None = None) -> list[Alarm]:
    """Judge a stored batch (services/batch.Batch) inside the ingest transaction; returns the alarms touched
    (raised, escalated or cleared). `sensors`: sensor id → (id, kind, unit, region path, status,
    expected_interval_s) as ingest read them when it locked them (else they are read here)."""
    if not len(batch):
        return []
    now = now or timezone.now()
    slices = batch.sensor_slices()
    ids = [s for s, _, _ in slices]
    if sensors is None:
        sensors = _light_sensors(ids)
    else:
        sensors = {s: _Light(*sensors[s]) for s in ids if s in sensors}
    rules_of = effective_rules(sensors.values(), cached=True)
    run = _Run(now, {}, {}, _load_states(ids))
    run.active = _active_alarms(run.sensors, ids)

    groups: dict[tuple, list] = {}
    for sensor_id, start, stop in slices:
        sensor = sensors.get(sensor_id)
        if sensor is None:
            continue
        for rule in rules_of.get(sensor_id, ()):
            if rule.rule_type != Rule.STALE:
                groups.setdefault((rule.rule_type, rule.event), []).append((sensor, rule, start, stop))
    for (rule_type, event), pairs in sorted(groups.items()):
        _judge(run, batch, rule_type, pairs, event)
    _clear_resumed(run, batch, slices, sensors, rules_of)

    dirty = [a for a in run.dirty.values() if a.pk not in run.touched or a.active]
    if dirty:
        Alarm.objects.bulk_update(dirty, ["last_value", "peak_value"])
    if run.new_states:
        _save_states(run.new_states)
    _set_status([sensors[s] for s in ids if s in sensors], lambda sensor: _status(run, sensor.pk))
    return list(run.touched.values())


def _clear_resumed(run: _Run, batch, slices, sensors, rules_of) -> None:
    """Clear the 离线 alarm of a sensor reporting again, and the alarms of rules that no longer apply to it."""
    by_sensor: dict[int, list] = {}
    for (sensor_id, rule_id), alarm in run.active.items():
        by_sensor.setdefault(sensor_id, []).append((rule_id, alarm))
    for sensor_id, start, stop in slices:
        sensor = sensors.get(sensor_id)
        if sensor is None or sensor_id not in by_sensor:
            continue
        newest = int(batch.ts_ms[start:stop].max())
        effective = {r.pk for r in rules_of.get(sensor_id, ())}
        for rule_id, alarm in by_sensor[sensor_id]:
            if alarm.rule.rule_type == Rule.STALE and rule_id in effective:
                window = timedelta(seconds=alarm.rule.stale_factor * sensor.expected_interval_s)
                if run.now - to_dt(newest) < window:
                    _clear(run, alarm, to_dt(newest), None, "监测点恢复上报")
            elif rule_id not in effective:
                _clear(run, alarm, to_dt(newest), None, "规则已停用或不再适用于本监测点")


def check_stale(now=None) -> list[Alarm]:
    """Raise 离线 for every active sensor whose last reading is stale_factor × its interval old or older.
    Each sensor is locked (like ingest does) and judged again before its alarm is raised."""
    now = now or timezone.now()
    sensors = list(_sensors().filter(is_active=True, last_reading_at__isnull=False))
    rules_of = effective_rules(sensors)
    stale_rule = {}
    for sensor in sensors:
        rule = next((r for r in rules_of.get(sensor.pk, ()) if r.rule_type == Rule.STALE), None)
        if rule is not None and now - sensor.last_reading_at >= timedelta(
                seconds=rule.stale_factor * sensor.expected_interval_s):
            stale_rule[sensor.pk] = rule
    if not stale_rule:
        return []
    raised = []
    with transaction.atomic():
        locked = {s.pk: s for s in _sensors().select_for_update(of=("self",))
                  .filter(pk__in=stale_rule).order_by("pk")}
        active = _active_alarms(locked, list(locked))
        run = _Run(now, locked, active, {})
        for sensor in locked.values():
            rule = stale_rule[sensor.pk]
            window = timedelta(seconds=rule.stale_factor * sensor.expected_interval_s)
            if (sensor.pk, rule.pk) in run.active or sensor.last_reading_at is None \
                    or now - sensor.last_reading_at < window:
                continue
            minutes = (now - sensor.last_reading_at).total_seconds() / 60
            raised.append(_raise(run, sensor, rule, 1, sensor.last_reading_at + window, None,
                                 f"超过 {rule.stale_factor:g} 个上报周期（{window.total_seconds():g} s）未收到读数，"
                                 f"已 {minutes:.0f} 分钟无数据"))
        _set_status(locked.values(), lambda sensor: _status(run, sensor.pk))
    return raised
