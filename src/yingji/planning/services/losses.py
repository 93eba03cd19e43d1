"""Services of disaster-loss reports (灾情报告), after 《自然灾害情况统计调查制度》 (应急管理部、国家统计局，
应急〔2020〕19号): the township (乡镇/街道) enters and submits; the county (值班员/管理员 of the county) accepts or
returns with a reason; the county's figures are the exact sum of the accepted current township reports; the county
files the upward report (a stored snapshot, who and when). Every change is one transaction with an audit entry.

Deadlines (报送时限) come from the 制度's county deadlines (settings YINGJI_LOSS_*): 初报 2 hours after the disaster,
续报 by 09:00 for the day before, 核报 within 5 days of the 灾情稳定 date; a township's are YINGJI_LOSS_TOWNSHIP_LEAD_MINUTES
earlier. They are computed and stored when a report is saved; one submitted late is marked 迟报."""

import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from yingji.core.models import Region
from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, person, require_perm, save_scoped, update_audited
from yingji.standards import divisions
from yingji.standards.tables import read_table

from ..models import (
    BREAKDOWN_FIELDS,
    COUNT_FIELDS,
    FIGURE_FIELDS,
    DisasterEvent,
    DisasterLossReport,
    LossFiling,
)

DATA = Path(__file__).resolve().parent.parent / "data"
SOURCE = "《自然灾害情况统计调查制度》（应急管理部、国家统计局，应急〔2020〕19号）"
Report = DisasterLossReport
REVIEW = "planning.review_disasterlossreport"
CENT = Decimal("0.01")


def grant_roles(roles):
    """Everyone on duty and leadership look; townships enter and submit their own reports; the county's duty seat
    and admins keep the events, may enter for a township, and review, aggregate and file upwards."""
    view = ["planning.view_disasterevent", "planning.view_disasterlossreport", "planning.view_lossfiling"]
    for role in ("管理员", "值班员", "指挥长", "乡镇用户", "领导"):
        roles.grant(role, view)
    for role in ("管理员", "值班员", "乡镇用户"):
        roles.grant(role, ["planning.add_disasterlossreport", "planning.change_disasterlossreport",
                           "planning.delete_disasterlossreport"])
    for role in ("管理员", "值班员"):
        roles.grant(role, ["planning.add_disasterevent", "planning.change_disasterevent", REVIEW])
    roles.grant("管理员", ["planning.delete_disasterevent"])


def ready():
    from yingji.core import roles

    from .. import sheets_losses  # noqa: F401  (registers the import/export sheet)

    grant_roles(roles)


# --- the 制度's tables (data/ziran_zaihai_tongji_*.csv) ---------------------------------------------------------

@cache
def indicators() -> dict[str, dict]:
    """field → {name, unit, decimals, parent, definition}, in the 快报表's column order."""
    return {row["field"]: {**row, "decimals": int(row["decimals"])}
            for row in read_table(DATA / "ziran_zaihai_tongji_zhibiao.csv")}


@cache
def hazard_types() -> dict[str, dict]:
    """code → {name, parent, label}; a 亚灾种's label names its 一级灾种 (“地质灾害·滑坡”)."""
    rows = {row["code"]: row for row in read_table(DATA / "ziran_zaihai_tongji_zaizhong.csv")}
    for row in rows.values():
        parent = rows.get(row["parent"])
        row["label"] = f"{parent['name']}·{row['name']}" if parent else row["name"]
    return rows


def hazard_choices() -> list[tuple[str, str]]:
    return [(code, row["label"]) for code, row in hazard_types().items()]


def label(field: str) -> str:
    """The indicator's name with its unit, as errors and headers name it: “受灾人口（人次）”."""
    item = indicators()[field]
    return f"{item['name'].removeprefix('其中：')}（{item['unit']}）"


# --- deadlines ---------------------------------------------------------------------------------------------------

def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def county_due(event: DisasterEvent, stage: str, covers_on: datetime.date | None = None):
    """When the county's report of `stage` is due under the 制度 (None while it cannot be known: a 核报 before the
    灾情稳定 date, a 续报 without its date)."""
    if stage == Report.INITIAL:
        return event.occurred_at + datetime.timedelta(hours=settings.YINGJI_LOSS_INITIAL_HOURS)
    if stage == Report.FOLLOWUP:
        if covers_on is None:
            return None
        by = datetime.time.fromisoformat(settings.YINGJI_LOSS_FOLLOWUP_BY)
        return timezone.make_aware(datetime.datetime.combine(covers_on + datetime.timedelta(days=1), by))
    if event.ended_on is None:
        return None
    # “5日内”: through the fifth day after the 灾情稳定 date, i.e. before midnight starting the sixth.
    return _local_midnight(event.ended_on + datetime.timedelta(days=settings.YINGJI_LOSS_FINAL_DAYS + 1))


def township_due(event: DisasterEvent, stage: str, covers_on=None):
    due = county_due(event, stage, covers_on)
    return None if due is None else due - datetime.timedelta(minutes=settings.YINGJI_LOSS_TOWNSHIP_LEAD_MINUTES)


def overdue_q(now=None) -> Q:
    """Reports flagged overdue: not submitted and past the deadline, or submitted late (迟报)."""
    return Q(late=True) | Q(status__in=Report.EDITABLE, due_at__lt=now or timezone.now())


# --- checks ------------------------------------------------------------------------------------------------------

def check_figures(values: dict) -> dict[str, list[str]]:
    """The 快报表's rules, each error naming the indicator: no negatives, whole numbers of people and houses, at most
    two decimals in 公顷 and 万元, 成灾 ≤ 受灾, 绝收 ≤ 成灾, 死亡+失踪 ≤ 受灾人口, the loss breakdown adding up to
    the direct loss. `values` holds every figure (missing ones count as 0)."""
    errors: dict[str, list[str]] = {}
    clean = {}
    for field in FIGURE_FIELDS:
        clean[field] = _figure(field, values.get(field), errors)
    if errors:
        return errors
    _not_above(clean, "crop_damaged_ha", "crop_affected_ha", errors)
    _not_above(clean, "crop_lost_ha", "crop_damaged_ha", errors)
    if clean["deaths"] + clean["missing"] > clean["affected_people"]:
        errors["deaths"] = [f"因灾死亡与失踪人口之和（{clean['deaths'] + clean['missing']} 人）不能大于受灾人口"
                            f"（{clean['affected_people']} 人次）。"]
    parts = sum(clean[f] for f in BREAKDOWN_FIELDS)
    if parts != clean["direct_loss"]:
        names = "、".join(indicators()[f]["name"].removeprefix("其中：") for f in BREAKDOWN_FIELDS)
        errors["direct_loss"] = [f"直接经济损失（{clean['direct_loss']} 万元）应等于{names}之和（{parts} 万元）。"]
    return errors


def _figure(field: str, value, errors: dict):
    """One figure as int (people, houses) or Decimal (公顷, 万元), or an error naming it."""
    name = label(field)
    if value in (None, ""):
        return 0 if field in COUNT_FIELDS else Decimal("0")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        errors[field] = [f"{name}“{value}”不是有效数字。"]
        return None
    if not number.is_finite():
        errors[field] = [f"{name}“{value}”不是有效数字。"]
    elif number < 0:
        errors[field] = [f"{name}不能为负数。"]
    elif field in COUNT_FIELDS and number != number.to_integral_value():
        errors[field] = [f"{name}应为整数。"]
    elif field not in COUNT_FIELDS and number != number.quantize(CENT):
        errors[field] = [f"{name}最多保留两位小数。"]
    elif number >= Decimal("1e11"):
        errors[field] = [f"{name}过大，请核对计量单位。"]
    else:
        return int(number) if field in COUNT_FIELDS else number
    return None


def _not_above(clean: dict, part: str, whole: str, errors: dict):
    if clean[part] > clean[whole]:
        errors[part] = [f"{indicators()[part]['name'].removeprefix('其中：')}（{clean[part]} 公顷）不能大于"
                        f"{indicators()[whole]['name'].removeprefix('其中：')}（{clean[whole]} 公顷）。"]


def _county_actor(actor):
    """Reviewing and filing upwards is the county's (or above): a township account may not, whatever its roles."""
    require_perm(actor, REVIEW)
    if actor is None or actor.is_superuser:
        return
    home = getattr(actor, "region", None)
    if home is None or divisions.LEVELS.index(home.level) > divisions.LEVELS.index(divisions.COUNTY):
        raise PermissionDenied("灾情审核、汇总和上报须由县级（或以上）应急管理部门办理。")


def is_county_or_above(user) -> bool:
    """Whether the user sits at a county (or above): the level that reviews, aggregates and files upwards."""
    if user is None or user.is_superuser:
        return True
    home = getattr(user, "region", None)
    return home is not None and divisions.LEVELS.index(home.level) <= divisions.LEVELS.index(divisions.COUNTY)


def county_of(region: Region) -> Region:
    """The reporting unit of an event's area: the region itself at county level, else the county above it."""
    if region.level != divisions.TOWNSHIP or region.parent is None:
        return region
    return region.parent


# --- events ------------------------------------------------------------------------------------------------------

@transaction.atomic
def save_event(actor, event: DisasterEvent, data: dict) -> DisasterEvent:
    """Open or correct a 灾害过程; its 开始日期 follows the 发现时间, and a new 灾情稳定 date moves the 核报 deadlines."""
    creating = event.pk is None
    stored_end = None if creating else DisasterEvent.objects.get(pk=event.pk).ended_on

    def check(e):
        errors: dict[str, list[str]] = {}
        if e.hazard not in hazard_types():
            errors["hazard"] = [f"灾种“{e.hazard}”不在{SOURCE}的灾种中。"]
        if e.region_id and e.region.level not in (divisions.COUNTY, divisions.TOWNSHIP):
            errors["region"] = ["灾害过程的受灾区划应为县级（或限于某一乡镇时为该乡镇）。"]
        if e.occurred_at:
            if e.occurred_at > timezone.now() + datetime.timedelta(minutes=5):
                errors["occurred_at"] = ["灾害发生时间不能晚于现在。"]
            e.started_on = timezone.localdate(e.occurred_at)
            if e.ended_on and e.ended_on < e.started_on:
                errors["ended_on"] = [f"灾情稳定日期（{e.ended_on:%Y-%m-%d}）不能早于开始日期（{e.started_on:%Y-%m-%d}）。"]
        if e.ended_on and e.ended_on > timezone.localdate():
            errors.setdefault("ended_on", ["灾情稳定日期不能晚于今天。"])
        if not creating and e.region_id and e.reports.exclude(region__path__startswith=e.region.path).exists():
            errors.setdefault("region", ["已有乡镇报告不在新的受灾区划内，不能这样修改。"])
        if errors:
            raise ValidationError(errors)

    event = save_scoped(actor, event, data, validate=check)
    if not creating and event.ended_on != stored_end:
        _refresh_final_deadlines(actor, event)
    return event


def _refresh_final_deadlines(actor, event: DisasterEvent):
    due = township_due(event, Report.FINAL)
    update_audited(actor, Report.objects.filter(event=event, stage=Report.FINAL, status__in=Report.EDITABLE),
                   due_at=due)


def delete_event(actor, event: DisasterEvent):
    if event.reports.exists() or event.filings.exists():
        raise ValidationError("该灾害过程已有乡镇报告或上报记录，不能删除。")
    delete_scoped(actor, event)


# --- township reports --------------------------------------------------------------------------------------------

@transaction.atomic
def save_report(actor, report: DisasterLossReport, data: dict) -> DisasterLossReport:
    """Enter (no pk) or correct a township's report while it is a draft or returned; review fields never come in here.
    The deadline is computed and stored."""
    data = {k: v for k, v in data.items() if k not in ("status", "is_current")}
    if report.pk is not None:
        stored = Report.objects.select_for_update().get(pk=report.pk)
        if not stored.editable:
            raise ValidationError({"status": [f"报告当前为“{stored.get_status_display()}”，不能修改（只有草稿或已退回的报告可以修改）。"]})
    for field in FIGURE_FIELDS:  # an empty box is 0 (a figure left out of a partial update stays as it is)
        if field in data and data[field] in (None, ""):
            data[field] = 0 if field in COUNT_FIELDS else Decimal("0")

    def check(r):
        errors = check_figures({f: getattr(r, f) for f in FIGURE_FIELDS})
        errors.update(_check_place_and_stage(actor, r))
        if errors:
            raise ValidationError(errors)
        r.due_at = township_due(r.event, r.stage, r.covers_on)

    return save_scoped(actor, report, data, validate=check)


def _check_place_and_stage(actor, r: DisasterLossReport) -> dict:
    errors: dict[str, list[str]] = {}
    if not r.event_id or not r.region_id:
        return errors  # the model's own check says the field is required
    event, region = r.event, r.region
    if region.level != divisions.TOWNSHIP:
        errors["region"] = ["灾情报告以乡（镇、街道）为统计单位，请选择乡镇（街道）。"]
    elif not region.path.startswith(event.region.path):
        errors["region"] = [f"“{region.name}”不在灾害过程“{event.name}”的受灾区划（{event.region.name}）内。"]
    else:
        try:
            require_region(actor, region)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if actor is not None and not actor.is_superuser and getattr(actor, "region", None) is not None \
            and not event.region.path.startswith(actor.region.path) and not actor.region.path.startswith(event.region.path):
        errors["event"] = ["该灾害过程不在您的管辖范围内。"]
    errors.update(_check_stage(r))
    return errors


def _check_stage(r: DisasterLossReport) -> dict:
    """初报 once, then 续报 (one per 统计截至日期), then 核报 once (after the 灾情稳定 date is set); nothing after the
    核报 and nothing once the county has filed its 核报."""
    siblings = Report.objects.filter(event=r.event, region=r.region).exclude(pk=r.pk)
    stage = r.stage
    if stage not in Report.STAGE_ORDER:
        return {"stage": ["报送阶段应为初报、续报或核报。"]}
    if LossFiling.objects.filter(event=r.event, stage=Report.FINAL).exists():
        return {"event": ["该灾害过程县级已核报，不能再填报或修改乡镇报告。"]}
    if siblings.filter(stage=Report.FINAL).exists():
        return {"stage": [f"{r.region.name}本灾害过程已有核报，不能再填报。"]}
    if stage == Report.INITIAL and siblings.filter(stage=Report.INITIAL).exists():
        return {"stage": [f"{r.region.name}本灾害过程已有初报，请填报续报或核报。"]}
    if stage != Report.INITIAL and not siblings.filter(stage=Report.INITIAL).exists():
        return {"stage": ["请先填报初报。"]}
    if stage == Report.FOLLOWUP:
        if r.covers_on is None:
            r.covers_on = timezone.localdate()
        if r.covers_on < r.event.started_on or r.covers_on > timezone.localdate():
            return {"covers_on": ["统计截至日期应在灾害开始日期与今天之间。"]}
        if siblings.filter(stage=Report.FOLLOWUP, covers_on=r.covers_on).exists():
            return {"covers_on": [f"{r.region.name}已有截至 {r.covers_on:%Y-%m-%d} 的续报，请修改该续报。"]}
    else:
        r.covers_on = None
    if stage == Report.FINAL and r.event.ended_on is None:
        return {"stage": ["灾害过程尚未填写灾情稳定日期，不能填报核报。"]}
    return {}


def _when(actor, at):
    """Now, or — for the system alone (the demo loader transcribing past reports) — the given time."""
    if at is not None and actor is not None:
        raise PermissionDenied("只有系统可以补录过去的报送、审核时间。")
    return at or timezone.now()


def _report_for_write(actor, report: DisasterLossReport, perm: str) -> DisasterLossReport:
    require_perm(actor, perm)
    stored = Report.objects.select_for_update(of=("self",)).select_related("event", "region").get(pk=report.pk)
    require_region(actor, stored.region)
    return stored


def _require_status(report: DisasterLossReport, allowed: tuple, action: str):
    if report.status not in allowed:
        raise ValidationError({"status": [f"报告当前为“{report.get_status_display()}”，不能{action}。"]})


@transaction.atomic
def submit_report(actor, report: DisasterLossReport, at=None) -> DisasterLossReport:
    """草稿/已退回 → 待审核, marked 迟报 when past its deadline. `at` (the system only: the demo loader transcribing
    past reports) is when it was submitted."""
    now = _when(actor, at)
    report = _report_for_write(actor, report, "planning.change_disasterlossreport")
    _require_status(report, Report.EDITABLE, "报送")
    errors = check_figures({f: getattr(report, f) for f in FIGURE_FIELDS}) | _check_stage(report)
    if errors:
        raise ValidationError(errors)
    due = township_due(report.event, report.stage, report.covers_on)
    update_audited(actor, Report.objects.filter(pk=report.pk), status=Report.SUBMITTED, submitted_at=now,
                   submitted_by=person(actor), due_at=due, late=due is not None and now > due, return_reason="")
    return Report.objects.get(pk=report.pk)


@transaction.atomic
def accept_report(actor, report: DisasterLossReport, at=None) -> DisasterLossReport:
    """The county accepts: 待审核 → 已审核; the township's current report for the event is recomputed."""
    _county_actor(actor)
    now = _when(actor, at)
    report = _report_for_write(actor, report, REVIEW)
    _require_status(report, (Report.SUBMITTED,), "审核通过")
    update_audited(actor, Report.objects.filter(pk=report.pk), status=Report.ACCEPTED, reviewed_at=now,
                   reviewed_by=person(actor))
    refresh_current(actor, report.event_id, report.region_id)
    return Report.objects.get(pk=report.pk)


@transaction.atomic
def return_report(actor, report: DisasterLossReport, reason: str) -> DisasterLossReport:
    """The county returns it with a reason: 待审核 → 已退回, for the township to correct and submit again."""
    _county_actor(actor)
    report = _report_for_write(actor, report, REVIEW)
    _require_status(report, (Report.SUBMITTED,), "退回")
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写退回原因。"]})
    update_audited(actor, Report.objects.filter(pk=report.pk), status=Report.RETURNED, reviewed_at=timezone.now(),
                   reviewed_by=person(actor), return_reason=reason)
    return Report.objects.get(pk=report.pk)


def _current_key(report) -> tuple:
    """The latest accepted stage wins; among 续报 the latest 统计截至日期, then the latest reviewed."""
    return (Report.STAGE_ORDER[report.stage], report.covers_on or datetime.date.min,
            report.reviewed_at or timezone.now(), report.pk)


def refresh_current(actor, event_id: int, region_id: int):
    """Keep is_current true on exactly one accepted report per (event, township): the latest accepted stage."""
    accepted = list(Report.objects.filter(event_id=event_id, region_id=region_id, status=Report.ACCEPTED))
    current = max(accepted, key=_current_key, default=None)
    others = Report.objects.filter(event_id=event_id, region_id=region_id, is_current=True)
    if current is not None:
        update_audited(actor, others.exclude(pk=current.pk), is_current=False)
        update_audited(actor, Report.objects.filter(pk=current.pk, is_current=False), is_current=True)
    else:
        update_audited(actor, others, is_current=False)


def delete_report(actor, report: DisasterLossReport):
    if not report.editable:
        raise ValidationError({"status": ["只有草稿或已退回的报告可以删除。"]})
    delete_scoped(actor, report)


# --- aggregation and the upward report ---------------------------------------------------------------------------

def _sums() -> dict:
    return {field: Sum(field) for field in FIGURE_FIELDS}


def _zeroed(row: dict) -> dict:
    """Every figure of a row of sums: 0 for none, money and areas to the cent (SQLite sums decimals as floats:
    exact to the cent at any realistic size, with trailing noise removed here)."""
    return {f: int(row.get(f) or 0) if f in COUNT_FIELDS else Decimal(str(row.get(f) or 0)).quantize(CENT)
            for f in FIGURE_FIELDS}


def aggregate(event: DisasterEvent) -> dict:
    """The county's figures for an event: one row per township from its accepted current report, and the total, both
    summed in SQL over the same rows (so the rows add up exactly to the total)."""
    current = Report.objects.filter(event=event, is_current=True).order_by()
    rows = current.values("id", "region_id", "region__name", "region__code", "stage", *FIGURE_FIELDS)
    townships = [{"region_id": r["region_id"], "name": r["region__name"], "code": r["region__code"],
                  "stage": r["stage"], "report_id": r["id"], **_zeroed(r)} for r in rows.order_by("region__code")]
    total = _zeroed(current.aggregate(**_sums()))
    return {"townships": townships, "total": total, "count": len(townships)}


def _json_figures(values: dict) -> dict:
    return {f: str(values[f]) if f not in COUNT_FIELDS else values[f] for f in FIGURE_FIELDS}


@transaction.atomic
def file_upward(actor, event: DisasterEvent, stage: str, covers_on=None, at=None) -> LossFiling:
    """The county files `stage` upwards: a stored snapshot of the aggregate (totals and township rows) with who and
    when, marked 迟报 past the 制度's county deadline. A 核报 needs every reporting township's current report to be
    its accepted 核报, and nothing left pending."""
    _county_actor(actor)
    now = _when(actor, at)
    event = DisasterEvent.objects.select_for_update().select_related("region").get(pk=event.pk)
    require_region(actor, county_of(event.region))
    errors = _check_filing(event, stage, covers_on)
    if errors:
        raise ValidationError(errors)
    if stage == Report.FOLLOWUP:
        covers_on = covers_on or timezone.localdate()
    else:
        covers_on = None
    totals = aggregate(event)
    due = county_due(event, stage, covers_on)
    snapshot = {"source": SOURCE, "total": _json_figures(totals["total"]),
                "townships": [{"region_id": t["region_id"], "name": t["name"], "code": t["code"],
                               "stage": t["stage"], "report_id": t["report_id"], **_json_figures(t)}
                              for t in totals["townships"]]}
    return save_scoped(actor, LossFiling(), {
        "event": event, "region": county_of(event.region), "stage": stage, "covers_on": covers_on,
        "snapshot": snapshot, "filed_at": now, "filed_by": person(actor), "due_at": due,
        "late": due is not None and now > due}, perm=REVIEW)


def _check_filing(event: DisasterEvent, stage: str, covers_on) -> dict:
    if stage not in Report.STAGE_ORDER:
        return {"stage": ["报送阶段应为初报、续报或核报。"]}
    filings = LossFiling.objects.filter(event=event)
    if filings.filter(stage=Report.FINAL).exists():
        return {"stage": ["该灾害过程已核报，不能再上报。"]}
    if stage == Report.INITIAL and filings.filter(stage=Report.INITIAL).exists():
        return {"stage": ["该灾害过程已上报初报，请上报续报或核报。"]}
    if stage == Report.FOLLOWUP and filings.filter(stage=Report.FOLLOWUP, covers_on=covers_on or timezone.localdate()).exists():
        return {"covers_on": ["该统计截至日期的续报已上报。"]}
    reports = event.reports.all()
    if not reports.filter(is_current=True).exists():
        return {"event": ["还没有审核通过的乡镇报告，不能汇总上报。"]}
    if stage == Report.FINAL:
        if event.ended_on is None:
            return {"stage": ["请先填写灾情稳定日期，再核报。"]}
        pending = sorted(set(reports.filter(status__in=(Report.DRAFT, Report.SUBMITTED, Report.RETURNED))
                             .values_list("region__name", flat=True)))
        not_final = sorted(set(reports.values_list("region__name", flat=True))
                           - set(reports.filter(is_current=True, stage=Report.FINAL).values_list("region__name", flat=True)))
        if pending or not_final:
            names = "、".join(sorted(set(pending) | set(not_final)))
            return {"stage": [f"以下乡镇的核报尚未审核通过（或仍有待审核、退回的报告）：{names}。"]}
    return {}


# --- yearly totals (for the indicators) --------------------------------------------------------------------------

def yearly_totals(regions_qs, years) -> dict[int, dict]:
    """{year: {figure: sum, "reports": n}} of the accepted current township reports within `regions_qs` (each region
    and everything below it), by the year of the event's 开始日期; every year asked for is present (zeros if none).
    One grouped query."""
    years = sorted({int(y) for y in years})
    result = {year: {**_zeroed({}), "reports": 0} for year in years}
    paths = list(regions_qs.values_list("path", flat=True))
    if not paths or not years:
        return result
    within = Q()
    for path in paths:
        within |= Q(region__path__startswith=path)
    rows = (Report.objects.filter(within, is_current=True, event__started_on__year__in=years).order_by()
            .annotate(year=ExtractYear("event__started_on")).values("year")
            .annotate(reports=Count("id"), **_sums()))
    for row in rows:
        result[row["year"]] = {**_zeroed(row), "reports": row["reports"]}
    return result

