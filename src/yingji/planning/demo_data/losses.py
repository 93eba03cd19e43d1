"""Demo data of disaster-loss reports (灾情报告): a dozen made-up 灾害过程 in 乐至县 (512022), 2021–2025, each with
its townships' 初报 and 核报 accepted and the county's 初报/核报 filed upwards, and one event under way (days ago)
with reports waiting for review and a draft: enough for the indicators (每十万人受灾人次, 因灾直接经济损失占GDP比例 …)
to compute and for the review pages to show every state. All of it is marked as demo and goes through the services
(actor None: the system), with the past submit/review/filing times given explicitly."""

import datetime
from decimal import Decimal

from django.utils import timezone

from yingji.core.models import Region

from ..models import DisasterEvent, DisasterLossReport
from ..services import losses as services

Report = DisasterLossReport
COUNTY = "512022"

# (name, 灾种, occurred (local), days until 灾情稳定, [(township code, 受灾人口 at 核报, deaths, missing)])
EVENTS = [
    ("2021年7月乐至县暴雨洪涝", "flood", "2021-07-11 03:40", 4,
     [("512022001", 2860, 0, 0), ("512022102", 4120, 1, 0), ("512022105", 1930, 0, 0)]),
    ("2021年8月乐至县风雹", "hail", "2021-08-23 16:10", 2, [("512022101", 1240, 0, 0), ("512022110", 870, 0, 0)]),
    ("2021年9月回澜镇山体滑坡", "geological.landslide", "2021-09-05 06:20", 3, [("512022102", 312, 1, 1)]),
    ("2022年8月乐至县干旱", "drought", "2022-07-20 08:00", 30,
     [("512022103", 5620, 0, 0), ("512022104", 4880, 0, 0), ("512022112", 3970, 0, 0), ("512022001", 1210, 0, 0)]),
    ("2022年6月乐至县暴雨洪涝", "flood.flash", "2022-06-14 22:30", 3, [("512022001", 1530, 0, 0), ("512022106", 2210, 0, 0)]),
    ("2023年7月乐至县暴雨洪涝", "flood", "2023-07-17 01:15", 5,
     [("512022001", 3310, 0, 0), ("512022102", 5260, 0, 1), ("512022114", 2480, 0, 0)]),
    ("2023年4月乐至县风雹", "hail", "2023-04-02 18:45", 2, [("512022107", 960, 0, 0), ("512022115", 1120, 0, 0)]),
    ("2024年1月乐至县低温冷冻", "cold", "2024-01-21 05:00", 6, [("512022113", 1750, 0, 0), ("512022117", 1380, 0, 0)]),
    ("2024年7月乐至县暴雨洪涝", "flood", "2024-07-09 04:30", 4,
     [("512022001", 2150, 0, 0), ("512022102", 3680, 1, 0), ("512022118", 2040, 0, 0)]),
    ("2025年5月乐至县风雹", "hail", "2025-05-12 15:20", 2, [("512022108", 1460, 0, 0), ("512022109", 1290, 0, 0)]),
    ("2025年8月乐至县暴雨洪涝", "flood", "2025-08-03 02:50", 4,
     [("512022001", 2630, 0, 0), ("512022102", 2970, 0, 0), ("512022111", 1840, 0, 0)]),
]
# Under way: occurred this many hours ago, not yet stable (续报 every day).
CURRENT = ("乐至县连续强降雨（演示：进行中）", "flood.waterlogging", 40,
           [("512022001", 640), ("512022102", 980), ("512022116", 420)])


def figures(affected: int, deaths: int = 0, missing: int = 0, share: Decimal = Decimal(1)) -> dict:
    """A township's figures from its 受灾人口, in fixed demo proportions (share: the 初报's part of the final)."""
    people = int(affected * share)
    money = {  # 万元: the breakdown is the direct loss, exactly
        "loss_agriculture": _cents(people * Decimal("0.062") * share),
        "loss_industry": _cents(people * Decimal("0.011") * share),
        "loss_infrastructure": _cents(people * Decimal("0.034") * share),
        "loss_public": _cents(people * Decimal("0.006") * share),
        "loss_household": _cents(people * Decimal("0.017") * share),
    }
    crop = _cents(people * Decimal("0.085"))
    return {"affected_people": people, "deaths": deaths, "missing": missing, "relocated": people // 25,
            "needing_aid": people // 12, "crop_affected_ha": crop, "crop_damaged_ha": _cents(crop * Decimal("0.42")),
            "crop_lost_ha": _cents(crop * Decimal("0.09")), "collapsed_households": people // 900,
            "collapsed_rooms": people // 400, "severe_households": people // 300, "severe_rooms": people // 130,
            "minor_households": people // 45, "minor_rooms": people // 20, **money,
            "direct_loss": sum(money.values())}


def _cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _local(text: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def _report(event, region, stage, values, submitted, reviewed=None, remarks=""):
    report = services.save_report(None, Report(), {"event": event, "region": region, "stage": stage,
                                                   "covers_on": timezone.localdate(submitted) - datetime.timedelta(days=1)
                                                   if stage == Report.FOLLOWUP else None,
                                                   "is_demo": True, "remarks": remarks, **values})
    if submitted is not None:
        report = services.submit_report(None, report, at=submitted)
    if reviewed is not None:
        report = services.accept_report(None, report, at=reviewed)
    return report


def _past_event(county, regions, name, hazard, occurred, stable_days, townships):
    at = _local(occurred)
    ended = (at + datetime.timedelta(days=stable_days)).date()
    event = services.save_event(None, DisasterEvent(), {"name": name, "hazard": hazard, "occurred_at": at,
                                                        "ended_on": ended, "region": county, "is_demo": True})
    for n, (code, affected, deaths, missing) in enumerate(townships):
        first = figures(affected, deaths, missing, share=Decimal("0.6"))
        _report(event, regions[code], Report.INITIAL, first, at + datetime.timedelta(minutes=40 + 5 * n),
                at + datetime.timedelta(minutes=55 + 5 * n), remarks="初步统计。")
    services.file_upward(None, event, Report.INITIAL, at=at + datetime.timedelta(minutes=100))
    final_day = _local(f"{ended + datetime.timedelta(days=3)} 10:00")
    for n, (code, affected, deaths, missing) in enumerate(townships):
        _report(event, regions[code], Report.FINAL, figures(affected, deaths, missing),
                final_day + datetime.timedelta(minutes=10 * n), final_day + datetime.timedelta(hours=3, minutes=n),
                remarks="逐户核查后核定。")
    services.file_upward(None, event, Report.FINAL, at=final_day + datetime.timedelta(days=1))
    return event


def _current_event(county, regions):
    name, hazard, hours_ago, townships = CURRENT
    at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=hours_ago)
    event = services.save_event(None, DisasterEvent(), {"name": name, "hazard": hazard, "occurred_at": at,
                                                        "region": county, "is_demo": True})
    (first_code, first), (second_code, second), (third_code, third) = townships
    # 回澜镇: 初报 accepted (in the county's figures), 续报 waiting for review.
    _report(event, regions[second_code], Report.INITIAL, figures(second, share=Decimal("0.5")),
            at + datetime.timedelta(minutes=45), at + datetime.timedelta(minutes=70), remarks="初步统计。")
    _report(event, regions[second_code], Report.FOLLOWUP, figures(second), timezone.now() - datetime.timedelta(hours=2),
            remarks="截至昨日24时。")
    # 高寺镇: 初报 waiting for review.
    _report(event, regions[third_code], Report.INITIAL, figures(third), at + datetime.timedelta(minutes=50),
            remarks="初步统计。")
    # 天池街道: 初报 still a draft (past its deadline: flagged overdue).
    _report(event, regions[first_code], Report.INITIAL, figures(first), None, remarks="正在统计，待报送。")
    return event


def load(log):
    county = Region.objects.filter(code=COUNTY).first()
    if county is None:
        return
    loaded = DisasterEvent.objects.filter(is_demo=True)
    if loaded.exists():  # idempotent: the demo's events are loaded once (their reports are a history, not a registry)
        log(f"灾情报告：灾害过程 {loaded.count()} 个（已载入）")
        return
    regions = {r.code: r for r in Region.objects.filter(parent=county)}
    events = [_past_event(county, regions, *spec) for spec in EVENTS]
    events.append(_current_event(county, regions))
    reports = Report.objects.filter(event__in=events).count()
    log(f"灾情报告：灾害过程 {len(events)} 个（2021–2025 年 {len(EVENTS)} 个已核报，1 个进行中），乡镇报告 {reports} 份")
