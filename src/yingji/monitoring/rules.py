"""The rule engine (pure: numpy only). It judges readings sorted by (sensor, time) for many sensors at once and
returns only the transitions — raise, escalate, clear — and each sensor's state to remember for the next batch.

Every rule is a latch with hysteresis over a "measure" (the value; minus the value for a low rule; |Δvalue| per
minute for a rate rule; the event for a fire panel):

- raw level of a reading: 2 at or past `level2`, 1 at or past `level1` (以上含本数), else 0;
- a run is consecutive readings at raw level ≥ 1; a reading is *held* once its run has lasted `hold_s`
  (0: at once); a held reading sets the latch (raises);
- the latch resets (clears) only when the measure falls below `level1 − deadband`, so a value hovering at
  the setpoint raises one alarm;
- the level of an alarm is the highest raw level of its episode (from the start of the run that raised it),
  so it only rises in place (一级 → 二级): an escalation, never a second alarm. With `hold_s` the hold gates
  the raise; a run that peaked at level 2 while pending raises at 二级, and once raised it escalates at once;
- the peak of a transition is the highest measure of its episode up to that reading, the run's readings of
  earlier batches included (a run pending for `hold_s` carries its peak in the state).

Vectorised: the latch is a forward fill of the last set/reset marker (np.maximum.accumulate over indices),
the levels a running maximum of (segment id, level) keys, the peaks one reduceat over (segment start, reading)
pairs taken at the transitions only. `reference_loop` is the same machine one reading
at a time, in plain Python: the benchmark's baseline and the tests' oracle.
"""

from dataclasses import dataclass, field

import numpy as np

HIGH, LOW, RATE, EVENT = "high", "low", "rate", "event"
RESET_EVENT = "复位"
RAISE, ESCALATE, CLEAR = 1, 2, 3
ACTION_NAMES = {RAISE: "raised", ESCALATE: "escalated", CLEAR: "cleared"}
NONE_TS = -1  # no time (int64 epoch ms)


@dataclass
class State:
    """What one (sensor, rule) carries between batches, one entry per group (sensor)."""

    level: np.ndarray           # int64: level of the active alarm, 0 when none
    pending_since: np.ndarray   # int64 ms: start of the ongoing run at or past level1, NONE_TS when none
    pending_level: np.ndarray   # int64: highest raw level of that run (when active: the last reading's level)
    previous_value: np.ndarray  # float64: last reading's value (rate rules), NaN when none
    previous_ts: np.ndarray     # int64 ms: last reading's time, NONE_TS when none
    # float64: highest measure of that run (a low rule's: lowest value; when active: the last reading's), NaN
    # when none. What a raise after the hold reports as its peak though those readings came in earlier batches.
    pending_peak: np.ndarray = None

    def __post_init__(self):
        if self.pending_peak is None:
            self.pending_peak = np.full(len(self.level), np.nan)

    @classmethod
    def empty(cls, groups: int) -> "State":
        return cls(np.zeros(groups, np.int64), np.full(groups, NONE_TS, np.int64), np.zeros(groups, np.int64),
                   np.full(groups, np.nan), np.full(groups, NONE_TS, np.int64), np.full(groups, np.nan))

    def take(self, which) -> "State":
        return State(self.level[which], self.pending_since[which], self.pending_level[which],
                     self.previous_value[which], self.previous_ts[which], self.pending_peak[which])


@dataclass
class Params:
    """A rule's settings, one entry per group (sensor). Low rules are given as they are stored; the engine mirrors."""

    level1: np.ndarray
    level2: np.ndarray  # NaN: no 二级
    deadband: np.ndarray
    hold_ms: np.ndarray

    def take(self, which) -> "Params":
        return Params(self.level1[which], self.level2[which], self.deadband[which], self.hold_ms[which])


@dataclass
class Outcome:
    """Transitions in reading order (index into the judged arrays, its group, action, level, the measure at
    that reading, and the highest measure of the episode up to that reading, earlier batches' readings of a
    carried run included), then each group's final state."""

    index: np.ndarray
    group: np.ndarray
    action: np.ndarray
    level: np.ndarray
    measure: np.ndarray
    peak: np.ndarray
    final: State
    final_measure: np.ndarray = field(default=None)  # last reading's measure per group (NaN if none)
    final_peak: np.ndarray = field(default=None)     # highest measure of the episode still open per group
    #                                                  (through the last reading, a carried run's included)

    def __len__(self) -> int:
        return len(self.index)


def group_starts(sensor_id: np.ndarray) -> np.ndarray:
    """Index of the first reading of each sensor's run (readings sorted by sensor)."""
    if not len(sensor_id):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, sensor_id[1:] != sensor_id[:-1]])


def _lengths(starts: np.ndarray, n: int) -> np.ndarray:
    return np.diff(np.r_[starts, n]).astype(np.int64)


def _mirror(kind: str, value, params: Params):
    """The measure and thresholds in the "high" direction: a low rule is a high rule on −value."""
    level2 = np.where(np.isnan(params.level2), np.inf if kind != LOW else -np.inf, params.level2)
    if kind == LOW:
        return -value, -params.level1, -level2
    return value, params.level1, level2


def rates(ts_ms, value, starts, previous_value, previous_ts) -> np.ndarray:
    """|Δvalue| per minute against the reading before (the previous batch's last one for a group's first)."""
    n = len(value)
    first = np.zeros(n, bool)
    first[starts] = True
    gid = np.repeat(np.arange(len(starts)), _lengths(starts, n))
    before_v = np.r_[np.nan, value[:-1]] if n else value
    before_t = np.r_[NONE_TS, ts_ms[:-1]] if n else ts_ms
    before_v = np.where(first, previous_value[gid], before_v)
    before_t = np.where(first, previous_ts[gid], before_t)
    dt = (ts_ms - before_t).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.abs(value - before_v) / (dt / 60_000.0)
    return np.where((before_t == NONE_TS) | (dt <= 0), np.nan, rate)


def levels(measure, level1, level2, deadband):
    """Raw level per reading (0/1/2, at or past the setpoint) and the clear condition (below level1 − deadband)."""
    raw = np.where(measure >= level2, 2, np.where(measure >= level1, 1, 0)).astype(np.int64)
    clear = measure < level1 - deadband  # NaN compares False: neither raises nor clears
    return raw, clear


def latch(ts_ms, raw, clear, hold_ms, starts, state: State, measure=None) -> Outcome:
    """The hysteresis latch over every group at once. `raw`, `clear`, `hold_ms` per reading; `state` per group."""
    n, g = len(ts_ms), len(starts)
    measure = np.zeros(n) if measure is None else measure
    if n == 0:
        empty = np.zeros(0, np.int64)
        return Outcome(empty, empty, empty, empty, np.zeros(0), np.zeros(0), state,
                       np.full(g, np.nan), np.full(g, np.nan))
    lengths = _lengths(starts, n)
    gid = np.repeat(np.arange(g), lengths)
    first = np.zeros(n, bool)
    first[starts] = True
    last = np.r_[starts[1:], n] - 1
    idx = np.arange(n)
    init_on = state.level > 0
    init_run = state.pending_since != NONE_TS

    # Runs at or past level1 and since when they last (a run may carry over from the previous batch).
    above = raw >= 1
    prev_above = np.r_[False, above[:-1]]
    prev_above[starts] = init_run
    run_start = above & ~prev_above
    marker = run_start | (first & above)
    start_ts = np.where(run_start, ts_ms, state.pending_since[gid])
    start_ts = start_ts[np.maximum.accumulate(np.where(marker, idx, 0))]
    held = above & (ts_ms - start_ts >= hold_ms)

    # The latch: the last set (held) or reset (clear) marker wins; before any, the group's initial state.
    defined = held | clear
    last_mark = np.maximum.accumulate(np.where(defined | first, idx, 0))
    on = np.where(defined[last_mark], held[last_mark], init_on[gid])
    prev_on = np.r_[False, on[:-1]]
    prev_on[starts] = init_on

    # Levels: running maximum of the raw level within a segment (an episode from the start of its run).
    seg_start = first | (run_start & ~prev_on)
    seg = np.cumsum(seg_start) - 1
    init_seg_level = np.where(init_on, state.level, np.where(init_run, state.pending_level, 0))
    raw_eff = raw.copy()
    raw_eff[starts] = np.maximum(raw[starts], np.where(above[starts] | init_on, init_seg_level, 0))
    level = np.maximum.accumulate(seg * 4 + raw_eff) - seg * 4
    prev_level = np.r_[0, level[:-1]]
    prev_level[starts] = state.level

    raised = on & ~prev_on
    escalated = on & prev_on & (level > prev_level)
    cleared = ~on & prev_on
    action = np.where(raised, RAISE, np.where(escalated, ESCALATE, np.where(cleared, CLEAR, 0)))
    where = np.flatnonzero(action)

    # Peaks: the highest measure (NaN ignored) from the segment's start to a reading; a run carried over from
    # the previous batch brings the peak it had reached (its readings are no longer at hand).
    finite = np.where(np.isnan(measure), -np.inf, measure)
    carried = np.where(init_run & above[starts] & ~np.isnan(state.pending_peak), state.pending_peak, -np.inf)
    finite[starts] = np.maximum(finite[starts], carried)
    seg_first = np.flatnonzero(seg_start)

    def peak_to(at):
        return _peak_to(finite, seg_first[seg[at]], at)

    end_on = on[last]
    end_peak = peak_to(last)
    final = State(
        level=np.where(end_on, level[last], 0),
        pending_since=np.where(above[last], start_ts[last], NONE_TS),
        # Off: the run's highest level (the raise to come). On: the last reading's own level, so that an alarm
        # cleared by hand and raised again by the same run starts from what the readings say now.
        pending_level=np.where(above[last], np.where(end_on, raw[last], level[last]), 0),
        previous_value=state.previous_value.copy(),
        previous_ts=ts_ms[last].copy(),
        # Like the level: off, the run's peak so far; on, the last reading's own measure.
        pending_peak=np.where(above[last], np.where(end_on, measure[last], end_peak), np.nan),
    )
    return Outcome(where, gid[where], action[where], np.where(cleared[where], prev_level[where], level[where]),
                   measure[where], peak_to(where), final, measure[last], end_peak)


def _peak_to(finite, begin, end) -> np.ndarray:
    """max(finite[begin[k] : end[k] + 1]) for each k (begin ≤ end), NaN where all are −inf: one reduceat over
    the interleaved (begin, end + 1) pairs, keeping every other result."""
    if not len(end):
        return np.zeros(0)
    padded = np.r_[finite, -np.inf]  # end + 1 may be one past the last reading
    bounds = np.empty(2 * len(end), np.int64)
    bounds[0::2], bounds[1::2] = begin, end + 1
    peak = np.maximum.reduceat(padded, bounds)[0::2]
    return np.where(np.isneginf(peak), np.nan, peak)


def judge(kind: str, ts_ms, value, starts, params: Params, state: State, *, clearing: bool = True) -> Outcome:
    """A high, low or rate rule over readings sorted by (group, time). `clearing=False` judges late readings:
    they may raise or escalate, never clear a newer state. Measures come back in the value's direction (a low
    rule's peak is its lowest value; a rate rule's measure is the rate per minute)."""
    n = len(value)
    lengths = _lengths(starts, n)
    per = Params(*(np.repeat(a, lengths) for a in (params.level1, params.level2, params.deadband, params.hold_ms)))
    if kind == RATE:
        measure = rates(ts_ms, value, starts, state.previous_value, state.previous_ts)
    else:
        measure = value
    directed, level1, level2 = _mirror(kind, measure, per)
    raw, clear = levels(directed, level1, level2, per.deadband)
    if not clearing:
        clear = np.zeros(n, bool)
    sign = -1.0 if kind == LOW else 1.0  # the state keeps a low rule's peak as its lowest value, the engine −it
    directed_state = State(state.level, state.pending_since, state.pending_level, state.previous_value,
                           state.previous_ts, sign * state.pending_peak)
    out = latch(ts_ms, raw, clear, per.hold_ms, starts, directed_state, directed)
    if n:
        out.final.previous_value = value[np.r_[starts[1:], n] - 1].copy()
    out.final.pending_peak = sign * out.final.pending_peak
    if kind == LOW:
        out.measure, out.peak, out.final_measure, out.final_peak = -out.measure, -out.peak, -out.final_measure, \
            -out.final_peak
    return out


def judge_events(ts_ms, events, starts, event: str, level, state: State, *, clearing: bool = True) -> Outcome:
    """A fire-panel event rule: `event` raises at `level` (per group), 复位 clears."""
    n = len(events)
    raw = np.where(events == event, np.repeat(np.asarray(level, np.int64), _lengths(starts, n)), 0).astype(np.int64)
    clear = (events == RESET_EVENT) if clearing else np.zeros(n, bool)
    return latch(ts_ms, raw, clear, np.zeros(n, np.int64), starts, state, np.full(n, np.nan))


# --- The same machine one reading at a time (baseline and oracle) -----------------------------------------

def reference_loop(kind: str, ts_ms, value, starts, params: Params, state: State, *, events=None,
                   event: str = "", clearing: bool = True):
    """Plain Python, reading by reading: returns ([(index, action, level, peak)], final State); the peak is in
    the value's direction, None when no measure (fire panels)."""
    ts_ms, n = list(map(int, ts_ms)), len(ts_ms)
    value = [float(v) for v in value] if events is None else None
    bounds = list(map(int, np.r_[starts, n]))
    transitions = []
    final = State.empty(len(starts))
    for gi in range(len(starts)):
        on = int(state.level[gi]) > 0
        lvl = int(state.level[gi])
        run_start = int(state.pending_since[gi]) if state.pending_since[gi] != NONE_TS else None
        run_level = int(state.pending_level[gi]) if run_start is not None else 0
        sign = -1.0 if kind == LOW else 1.0
        carried = sign * float(state.pending_peak[gi]) if run_start is not None else float("nan")
        peak = float("-inf")  # highest measure of the episode so far (this batch's readings, and a carried run's)
        prev_v, prev_t = float(state.previous_value[gi]), int(state.previous_ts[gi])
        l1, l2 = float(params.level1[gi]), float(params.level2[gi])
        db, hold = float(params.deadband[gi]), int(params.hold_ms[gi])
        r = 0
        for i in range(bounds[gi], bounds[gi + 1]):
            m = float("nan")
            if events is not None:
                r = int(params.level1[gi]) if events[i] == event else 0
                c = clearing and events[i] == RESET_EVENT
            else:
                if kind == RATE:
                    dt = ts_ms[i] - prev_t
                    m = abs(value[i] - prev_v) / (dt / 60_000.0) if prev_t != NONE_TS and dt > 0 else float("nan")
                    prev_v, prev_t = value[i], ts_ms[i]
                else:
                    m = value[i]
                m *= sign
                t1, t2 = sign * l1, (sign * l2 if l2 == l2 else float("inf"))
                r = 2 if m >= t2 else 1 if m >= t1 else 0
                c = clearing and m < t1 - db
            if r >= 1:
                if run_start is None:
                    run_start, run_level = ts_ms[i], r
                    if not on:  # a new excursion: its peak starts here
                        peak = float("-inf")
                else:
                    run_level = max(run_level, r)
                    if i == bounds[gi] and carried == carried:  # the run of the previous batch goes on
                        peak = max(peak, carried)
            else:
                run_start, run_level = None, 0
            if m == m:
                peak = max(peak, m)
            shown = None if peak == float("-inf") else sign * peak
            if on:
                if c:
                    on = False
                    transitions.append((i, CLEAR, lvl, shown))
                elif r > lvl:
                    lvl = r
                    transitions.append((i, ESCALATE, lvl, shown))
            elif r >= 1 and ts_ms[i] - run_start >= hold:
                on, lvl = True, run_level
                transitions.append((i, RAISE, lvl, shown))
            if not on:
                lvl = 0
        final.level[gi] = lvl if on else 0
        final.pending_since[gi] = run_start if run_start is not None else NONE_TS
        final.pending_level[gi] = (r if on else run_level) if run_start is not None else 0
        if run_start is not None and events is None:
            final.pending_peak[gi] = sign * (m if on else peak)
        final.previous_ts[gi] = ts_ms[bounds[gi + 1] - 1] if bounds[gi + 1] > bounds[gi] else state.previous_ts[gi]
        if events is None:
            final.previous_value[gi] = value[bounds[gi + 1] - 1] if bounds[gi + 1] > bounds[gi] else prev_v
    return transitions, final
