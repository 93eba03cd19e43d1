"""The duty roster (值班表): shifts with a 带班领导 and 值班员, handover notes, who is on duty now, and the
值班日志 (calls in and out, instructions, tasks) kept during a shift.

Making the roster (creating, editing or deleting a shift) needs `incidents.add_dutyshift`; handing
over needs being on that shift (as 带班领导 or 值班员, whatever one's role) or being allowed to make the roster.
Handing over signs the shift's log (交班人, time): its entries are kept as they are from then on; someone on
the next shift of the region signs for it (接班签收).
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Region, User
from yingji.core.scoping import require_region, scope
from yingji.core.services import delete_scoped, person, require_perm, save_scoped
from yingji.core.validators import normalise_phone

from ..models import DutyLogEntry, DutyShift

SHIFT_FIELDS = {"region", "starts_at", "ends_at", "leader", "phone", "is_demo"}
MAX_SHIFT = timedelta(days=7)
BUREAU_SHIFT_START = time(8, 30)  # the usual bureau shift: 08:30 to 08:30 the next day


def _snapshot(shift: DutyShift, officers) -> dict:
    data = audit.snapshot(shift)
    data["officers"] = sorted(u.pk for u in officers)
    return data


def _check_person(actor, shift: DutyShift, user, label: str) -> list[str]:
    if user is None:
        return []
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first()
        if user is None:
            return [f"{label}不存在。"]
    problems = []
    if not user.is_active:
        problems.append(f"{label}“{user}”的账号已停用。")
    if actor is not None and not scope(User.objects.filter(pk=user.pk), actor).exists():
        problems.append(f"{label}“{user}”不在您的管辖范围内。")
    elif shift.region_id and (user.region is None or not user.region.is_within(shift.region)):
        where = user.region.name if user.region else "未设区划"
        problems.append(f"{label}“{user}”（{where}）不属于值班区划“{shift.region.name}”。")
    return problems


def _check_shift(actor, shift: DutyShift, officers: list) -> None:
    errors: dict[str, list[str]] = {}
    if shift.region_id is None:
        errors["region"] = ["请选择值班区划。"]
    else:
        try:
            require_region(actor, shift.region)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if shift.starts_at is None:
        errors["starts_at"] = ["请填写开始时间。"]
    if shift.ends_at is None:
        errors["ends_at"] = ["请填写结束时间。"]
    if shift.starts_at and shift.ends_at:
        if shift.ends_at <= shift.starts_at:
            errors["ends_at"] = ["结束时间必须晚于开始时间。"]
        elif shift.ends_at - shift.starts_at > MAX_SHIFT:
            errors["ends_at"] = ["一个班次不能超过 7 天，请检查日期。"]
    if shift.leader_id:
        problems = _check_person(actor, shift, shift.leader, "带班领导")
        if problems:
            errors["leader"] = problems
    if not officers:
        errors["officers"] = ["请至少安排一名值班员。"]
    else:
        problems = [p for officer in officers for p in _check_person(actor, shift, officer, "值班员")]
        if shift.leader_id and any(o.pk == shift.leader_id for o in officers):
            problems.append(f"“{shift.leader}”已是带班领导，不能同时作为值班员。")
        if problems:
            errors["officers"] = problems
    if shift.phone:
        try:
            shift.phone = normalise_phone(shift.phone, field="phone", label="值班电话")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not errors and shift.starts_at and shift.ends_at:
        _check_overlaps(shift, officers, errors)
    if errors:
        raise ValidationError(errors)


def _overlapping(shift: DutyShift):
    return (DutyShift.objects.filter(starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at)
            .exclude(pk=shift.pk).select_related("region"))


def _when(value) -> str:
    return f"{timezone.localtime(value):%m-%d %H:%M}"


def _check_overlaps(shift: DutyShift, officers: list, errors: dict):
    clash = _overlapping(shift).filter(region=shift.region).first()
    if clash is not None:
        errors["starts_at"] = [f"与{shift.region.name}已有的班次（{_when(clash.starts_at)}～{_when(clash.ends_at)}）"
                               "时间重叠。"]
        return
    people = [o.pk for o in officers] + ([shift.leader_id] if shift.leader_id else [])
    busy = (_overlapping(shift).filter(Q(leader__in=people) | Q(officers__in=people))
            .prefetch_related("officers").select_related("leader").distinct().first())
    if busy is not None:
        names = {u.pk: str(u) for u in [*busy.officers.all(), busy.leader] if u is not None}
        who = "、".join(names[p] for p in people if p in names)
        errors["officers"] = [f"{who}在同一时段已排在{busy.region.name}的班次（{_when(busy.starts_at)}～"
                              f"{_when(busy.ends_at)}）。"]


@transaction.atomic
def save_shift(actor, shift: DutyShift, data: dict, officers) -> DutyShift:
    """Create (no pk) or edit a shift: ends after it starts, no overlap with another shift of the same
    region, leader and officers active users of the shift's region (or below). A shift already handed
    over is a record and is not edited."""
    require_perm(actor, "incidents.add_dutyshift")
    creating = shift.pk is None
    unknown = set(data) - SHIFT_FIELDS
    if unknown:
        raise ValidationError({f: ["此项不能在排班时填写。"] for f in sorted(unknown)})
    officers = list(officers or [])
    before: dict = {}
    if not creating:
        stored = DutyShift.objects.select_for_update().get(pk=shift.pk)
        require_region(actor, stored.region)
        if stored.handed_over_at:
            raise ValidationError({"starts_at": ["该班次已交班，不能再修改。"]})
        before = _snapshot(stored, stored.officers.all())
    resolved = []
    for officer in officers:
        user = officer if isinstance(officer, User) else User.objects.filter(pk=officer).first()
        if user is None:
            raise ValidationError({"officers": [f"编号为 {officer} 的用户不存在。"]})
        if user not in resolved:
            resolved.append(user)
    region = data.get("region", shift.region if shift.region_id else None)
    if isinstance(region, int):
        data = {**data, "region": Region.objects.filter(pk=region).first()}
    for key, value in data.items():
        setattr(shift, key, value)
    if shift.region_id:
        # Roster changes of one region queue up here, so two planners cannot both pass the overlap check.
        list(Region.objects.select_for_update().filter(pk=shift.region_id).values_list("pk"))
    _check_shift(actor, shift, resolved)
    shift.save()
    shift.officers.set(resolved)
    changes = audit.diff(before, _snapshot(shift, resolved))
    if creating or changes:
        audit.record(actor, AuditEntry.CREATE if creating else AuditEntry.UPDATE, shift, changes)
    return shift


def _not_started(shift: DutyShift):
    if shift.starts_at <= timezone.now():
        raise ValidationError("班次已开始，不能删除（值班记录须保留）。")


def delete_shift(actor, shift: DutyShift):
    """Only a shift that has not started yet may be deleted; a past shift is a record of who was on duty."""
    delete_scoped(actor, shift, validate=_not_started)


def on_shift(user, shift: DutyShift) -> bool:
    return user is not None and user.pk is not None and (
        shift.leader_id == user.pk or shift.officers.filter(pk=user.pk).exists())


def may_hand_over(user, shift: DutyShift) -> bool:
    """Being put on the shift is what allows handing it over (a commander or leader serving on it too),
    besides those who make the roster."""
    return on_shift(user, shift) or user.has_perm("incidents.add_dutyshift")


@transaction.atomic
def hand_over(actor, shift: DutyShift, notes: str) -> DutyShift:
    """交班: the handover note of a shift, written by someone on it once it has started."""
    shift = DutyShift.objects.select_for_update().select_related("region").get(pk=shift.pk)
    require_region(actor, shift.region)
    if actor is not None and not may_hand_over(actor, shift):
        raise ValidationError({"handover_notes": ["只有本班次的带班领导或值班员可以交班。"]})
    now = timezone.now()
    if shift.starts_at > now:
        raise ValidationError({"handover_notes": [f"班次尚未开始（{_when(shift.starts_at)} 开始），不能交班。"]})
    if shift.handed_over_at:
        raise ValidationError({"handover_notes": [f"本班次已于 {_when(shift.handed_over_at)} 交班。"]})
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"handover_notes": ["请填写交接班记录：本班接报、处置中的事件、待办事项。"]})
    before = audit.snapshot(shift)
    shift.handover_notes = notes
    shift.handed_over_at = now
    shift.handed_over_by = person(actor)  # signs the shift's log: its entries are kept as they are
    shift.save(update_fields=["handover_notes", "handed_over_at", "handed_over_by", "updated_at"])
    audit.record(actor, AuditEntry.UPDATE, shift, audit.diff(before, audit.snapshot(shift)))
    return shift


def next_shift(shift: DutyShift) -> DutyShift | None:
    """The shift of the same region that takes over from `shift` (starting within two hours of its end)."""
    return (DutyShift.objects.filter(region=shift.region_id, starts_at__gte=shift.ends_at - TAKEOVER_WINDOW,
                                     starts_at__lte=shift.ends_at + TAKEOVER_WINDOW)
            .exclude(pk=shift.pk).order_by("starts_at").first())


TAKEOVER_WINDOW = timedelta(hours=2)


def may_take_over(user, shift: DutyShift) -> bool:
    following = next_shift(shift)
    return (following is not None and on_shift(user, following)) or user.has_perm("incidents.add_dutyshift")


@transaction.atomic
def take_over(actor, shift: DutyShift) -> DutyShift:
    """接班签收: someone on the next shift signs for the handover (its notes and open follow-ups)."""
    shift = DutyShift.objects.select_for_update().select_related("region").get(pk=shift.pk)
    require_region(actor, shift.region)
    if not shift.handed_over_at:
        raise ValidationError({"taken_over_at": ["本班次尚未交班，不能接班签收。"]})
    if shift.taken_over_at:
        raise ValidationError({"taken_over_at": [f"本班次已于 {_when(shift.taken_over_at)} 由{shift.taken_over_by or '系统'}"
                                                 "接班签收。"]})
    if actor is not None and not may_take_over(actor, shift):
        raise ValidationError({"taken_over_at": ["只有下一班次的带班领导或值班员可以接班签收。"]})
    before = audit.snapshot(shift)
    shift.taken_over_at, shift.taken_over_by = timezone.now(), person(actor)
    shift.save(update_fields=["taken_over_at", "taken_over_by", "updated_at"])
    audit.record(actor, AuditEntry.UPDATE, shift, audit.diff(before, audit.snapshot(shift)))
    return shift


# --- 值班日志 -------------------------------------------------------------------------------------------

LOG_FIELDS = {"shift", "time", "kind", "counterpart", "content", "handled_by", "follow_up", "follow_up_done"}
LOG_SLACK = timedelta(minutes=5)  # a clock a little ahead of the server's


def _check_log_entry(actor, entry: DutyLogEntry) -> None:
    errors: dict[str, list[str]] = {}
    shift = entry.shift if entry.shift_id else None
    if shift is None:
        errors["shift"] = ["请选择班次。"]
    elif shift.handed_over_at:
        errors["shift"] = [f"该班次已于 {_when(shift.handed_over_at)} 交班，值班日志已签字封存，不能再修改。"]
    if entry.time is None:
        errors["time"] = ["请填写时间。"]
    elif shift is not None and not shift.starts_at <= entry.time <= shift.ends_at:
        errors["time"] = [f"时间应在班次时段内（{_when(shift.starts_at)}～{_when(shift.ends_at)}）。"]
    elif entry.time > timezone.now() + LOG_SLACK:
        errors["time"] = ["时间不能晚于现在：值班日志记已发生的事。"]
    entry.content = (entry.content or "").strip()
    entry.counterpart = (entry.counterpart or "").strip()
    if not entry.content:
        errors["content"] = ["请填写内容：来电去电要点、上级指示或交办事项。"]
    if entry.kind in (DutyLogEntry.INCOMING, DutyLogEntry.OUTGOING) and not entry.counterpart:
        errors["counterpart"] = ["来电、去电请填写对方单位、姓名或电话。"]
    if entry.follow_up_done and not (entry.follow_up or "").strip():
        errors["follow_up_done"] = ["没有后续跟进事项，无需标记办结。"]
    if entry.handled_by_id and shift is not None:
        problems = _check_person(actor, shift, entry.handled_by, "经办人")
        if problems:
            errors["handled_by"] = problems
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_log_entry(actor, entry: DutyLogEntry, data: dict) -> DutyLogEntry:
    """Add (no pk) or correct an entry of a shift's log while the shift is not handed over; the shift row is
    locked so that an entry cannot slip in while the shift is being handed over. Audited."""
    unknown = set(data) - LOG_FIELDS
    if unknown:
        raise ValidationError({f: ["此项不能在值班日志中填写。"] for f in sorted(unknown)})
    shift = data.get("shift") or (entry.shift if entry.shift_id else None)
    if shift is not None:
        shift = DutyShift.objects.select_for_update().get(pk=shift.pk if isinstance(shift, DutyShift) else shift)
        data = {**data, "shift": shift}
    if entry.pk is not None and "shift" in data and data["shift"].pk != entry.shift_id:
        raise ValidationError({"shift": ["日志条目不能移到另一个班次。"]})
    if entry.pk is None and "handled_by" not in data:
        data = {**data, "handled_by": person(actor)}
    return save_scoped(actor, entry, data, validate=lambda e: _check_log_entry(actor, e), field="shift")


def _log_open(entry: DutyLogEntry):
    if entry.shift.handed_over_at:
        raise ValidationError("该班次已交班，值班日志已签字封存，不能删除。")


def delete_log_entry(actor, entry: DutyLogEntry):
    """Only before the handover: afterwards the log is a signed record."""
    delete_scoped(actor, entry, validate=_log_open, field="shift")


def open_follow_ups(shift: DutyShift, user):
    """Entries of the shift (and of the one before it) with a follow-up not yet done: what the handover passes on."""
    earlier = (DutyShift.objects.filter(region=shift.region_id, ends_at__lte=shift.starts_at + TAKEOVER_WINDOW)
               .exclude(pk=shift.pk).order_by("-ends_at").values_list("pk", flat=True)[:1])
    return (scope(DutyLogEntry.objects.filter(shift__in=[shift.pk, *earlier], follow_up_done=False)
                  .exclude(follow_up=""), user).select_related("handled_by", "shift").order_by("time"))


def log_for(user):
    """The log entries `user` may see (their region and below)."""
    return scope(DutyLogEntry.objects.all(), user).select_related("shift__region", "handled_by")


def shifts_for(user):
    """The shifts `user` may see (their region and below), with leader, officers and region loaded."""
    return (scope(DutyShift.objects.all(), user).select_related("region", "leader")
            .prefetch_related("officers"))


def on_duty_now(user, at=None) -> list[DutyShift]:
    """The shifts going on now that the user may see: their own region's first, then the regions below,
    then those above (a township's staff find their own duty room before the county's)."""
    at = at or timezone.now()
    shifts = shifts_for(user).filter(starts_at__lte=at, ends_at__gt=at)
    home = getattr(user, "region", None)

    def order(shift):
        above = home is not None and not shift.region.is_within(home)
        return (above, -len(shift.region.path) if above else len(shift.region.path), shift.region.path,
                shift.starts_at)

    return sorted(shifts, key=order)


def duty_day(at=None):
    """The bureau's duty day of a moment: before 08:30 it is still yesterday's shift."""
    local = timezone.localtime(at or timezone.now())
    return local.date() - timedelta(days=1) if local.time() < BUREAU_SHIFT_START else local.date()


def bureau_shift_times(day):
    """08:30 of `day` to 08:30 of the next day, in the configured local time zone."""
    zone = timezone.get_current_timezone()
    starts = timezone.make_aware(datetime.combine(day, BUREAU_SHIFT_START), zone)
    return starts, timezone.make_aware(datetime.combine(day + timedelta(days=1), BUREAU_SHIFT_START), zone)


DEMO_COUNTY = "512022"
DEMO_HANDOVER = ("本班接报 3 起：回澜镇储罐泄漏已处置完毕，续报已报送；石佛镇山林火情误报已核实驳回；"
                 "天池街道一处积水点已通知住建部门。待办：交通局道路巡查情况 10 时前反馈。")


def load_demo(log):
    """Demo shifts for 乐至县: the bureau's 08:30–次日08:30 shifts of yesterday, today and tomorrow, led by
    `leader` with `duty`/`commander` on duty; yesterday's is handed over. Idempotent (found by start time).
    Returns nothing, so that an app's demo.load(log) may simply call it (load_all collects returned lists)."""
    county = Region.objects.filter(code=DEMO_COUNTY).first()
    users = {u.username: u for u in User.objects.filter(username__in=["leader", "duty", "commander"])}
    if county is None or len(users) < 3:
        log("值班安排：缺少乐至县或演示用户，跳过")
        return
    today = duty_day()
    plan = [(-1, ["commander"]), (0, ["duty", "commander"]), (1, ["duty"])]
    shifts = []
    for offset, names in plan:
        starts, ends = bureau_shift_times(today + timedelta(days=offset))
        shift = DutyShift.objects.filter(region=county, starts_at=starts).first()
        data = {"region": county, "starts_at": starts, "ends_at": ends, "leader": users["leader"],
                "phone": "028-23322110", "is_demo": True}
        try:
            if shift is None:  # an existing shift is left as the bureau may have edited it
                shift = save_shift(None, DutyShift(), data, [users[n] for n in names])
            if offset < 0 and not shift.handed_over_at:
                _demo_log(shift, DEMO_LOG, users["duty" if "duty" in names else "commander"])
                shift = hand_over(None, shift, DEMO_HANDOVER)

        except ValidationError as exc:
            log(f"值班安排 {starts:%m-%d}：{'；'.join(exc.messages)}，跳过")
            continue
        shifts.append(shift)
    log(f"值班安排 {len(shifts)} 班（乐至县，昨日、今日、明日）")
    _demo_township_shift(log, today)
    current = next((s for s in shifts if s.starts_at <= timezone.now() < s.ends_at), None)
    if current is not None and not current.log_entries.exists():  # last: today's open log is the newest entry
        minutes = max(0, min(30, int((timezone.now() - current.starts_at).total_seconds() // 60)))
        _demo_log(current, [(minutes, DutyLogEntry.INCOMING, "县气象局 028-23310000",
                             "通报：今夜至明日有中到大雨，局地暴雨。", "通知各乡镇做好防汛准备", False)], users["duty"])


# (minutes after the shift began, kind, counterpart, content, follow-up, done)
DEMO_LOG = [
    (95, DutyLogEntry.INCOMING, "回澜镇应急办 028-23311102", "报告某化工厂储罐阀门泄漏，已疏散周边群众。", "", False),
    (110, DutyLogEntry.OUTGOING, "县消防救援大队 119", "通报储罐泄漏情况，请派员到场处置。", "", False),
    (180, DutyLogEntry.INSTRUCTION, "市应急局值班室", "要求 30 分钟内电话报告泄漏处置情况，1 小时内书面报告。",
     "书面报告已报送", True),
    (600, DutyLogEntry.ASSIGNED, "分管领导", "交办：督促交通局反馈辖区道路巡查情况。", "交通局 10 时前反馈", False),
]
DEMO_TOWNSHIP = "512022102"


def _demo_log(shift: DutyShift, entries, handled_by):
    for minutes, kind, counterpart, content, follow_up, done in entries:
        save_log_entry(None, DutyLogEntry(), {
            "shift": shift, "time": shift.starts_at + timedelta(minutes=minutes), "kind": kind,
            "counterpart": counterpart, "content": content, "handled_by": handled_by, "follow_up": follow_up,
            "follow_up_done": done})


def _demo_township_shift(log, today):
    """A past shift of 回澜镇 (its own duty room) two days ago, with a logged call, handed over."""
    region = Region.objects.filter(code=DEMO_TOWNSHIP).first()
    officer = User.objects.filter(username="township2").first()
    if region is None or officer is None:
        return
    starts, ends = bureau_shift_times(today - timedelta(days=2))
    if DutyShift.objects.filter(region=region, starts_at=starts).exists():
        return
    try:
        shift = save_shift(None, DutyShift(), {"region": region, "starts_at": starts, "ends_at": ends,
                                                "phone": "028-23311102", "is_demo": True}, [officer])
        _demo_log(shift, [(120, DutyLogEntry.INCOMING, "村民 13900000102", "反映回澜村一处沟渠堵塞，雨天易积水。",
                           "已通知村委会清掏", False)], officer)
        hand_over(None, shift, "本班接报 1 起：回澜村沟渠堵塞，已通知村委会清掏，待反馈。")
    except ValidationError as exc:
        log(f"回澜镇值班：{'；'.join(exc.messages)}，跳过")
        return
    log("值班安排：回澜镇前日 1 班（含值班日志）")
