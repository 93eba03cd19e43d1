"""Demo data of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions (议定事项).

The 42 numbered tasks of 阳政办函〔2023〕36号 (seed 004) are transcribed exactly in data/yangquan_2023_36_tasks.csv;
their units are mapped to the demo city's units by data/yangquan_2023_36_units.csv (creating the missing ones, marked
demo). The demo has one city (资阳市), so the plan hangs there, and says so. The joint meetings are 资阳's 联席会议
with the 11 member units of seed 000; the meetings, their decisions and the progress reports are demo (marked)."""

import re
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from yingji.core import services as core_services
from yingji.core.models import Organisation, Region
from yingji.standards.tables import read_table

from ..models import Decision, ImplementationPlan, JointMeeting, PlanTask, ProgressReport, TaskMilestone
from ..services import tasks as services

DATA = Path(__file__).resolve().parent.parent / "data"
TASKS_FILE = DATA / "yangquan_2023_36_tasks.csv"
UNITS_FILE = DATA / "yangquan_2023_36_units.csv"

PLAN = {
    "title": "阳泉市贯彻落实省市“十四五”应急体系规划实施方案",
    "issuer": "阳泉市人民政府办公室",
    "document_number": "阳政办函〔2023〕36号",
    "issued_on": date(2023, 4, 11),
    "start": date(2023, 4, 11),
    "end": date(2025, 12, 31),
    "notes": "演示：42 项重点任务按阳政办函〔2023〕36号原文转录；演示数据只有资阳市一个地级市，"
             "故该方案挂在资阳市下，责任单位对应到演示单位（见 planning/data/yangquan_2023_36_units.csv）。",
}

# 资阳市应急救援能力提升局际联席会议的 11 个成员单位（seed 000 附件1 二、成员单位），in the order printed.
MEMBER_UNITS = ["资阳市应急管理局", "资阳军分区", "资阳市发展和改革委员会", "资阳市财政局", "资阳市自然资源和规划局",
                "资阳市生态环境局", "资阳市住房和城乡建设局", "资阳市交通运输局", "资阳市水务局",
                "资阳市政务服务和大数据管理局", "资阳市消防救援支队"]

_COLLECTIVE = ("成员单位", "各县")


def split_units(units_text: str) -> tuple[list[str], list[str]]:
    """The printed 责任单位 as (lead names, other names): "A、B牵头,C、D和各县(区)政府等按职责分工负责" →
    (["A", "B"], ["C", "D", "各县(区)政府"]). Without 牵头 (tasks 7, 8, 11, 18, 38) no lead is named."""
    text = re.sub(r"按(照)?职责分工负责$", "", units_text.replace("和各县", "、各县"))
    lead, _, rest = text.partition("牵头,") if "牵头," in text else ("", "", text)

    def names(part):
        return [n for n in (x.strip().removesuffix("等").strip() for x in part.split("、")) if n]

    return names(lead), names(rest)


def deadline_of(deadline_text: str) -> date | None:
    """“2023年” → 2023-12-31: a year as deadline means by the end of that year."""
    match = re.fullmatch(r"(\d{4})年", deadline_text)
    return date(int(match.group(1)), 12, 31) if match else None


def _city() -> Region:
    return Region.objects.get(code="512000")


def _units(city: Region) -> dict[str, Organisation]:
    """Printed unit name → demo organisation, creating the missing ones (demo) under 资阳市人民政府."""
    government = Organisation.objects.filter(region=city, name="资阳市人民政府").first()
    found = {}
    for row in read_table(UNITS_FILE):
        unit = Organisation.objects.filter(region=city, name=row["demo_name"]).first()
        if unit is None:
            unit = core_services.save_organisation(None, Organisation(), {
                "region": city, "name": row["demo_name"], "short_name": row["printed"], "type": row["type"],
                "parent": government if row["type"] == "department" else None, "is_demo": True,
                "duties": "演示：阳政办函〔2023〕36号分工表所列责任单位"})
        found[row["printed"]] = unit
    return found


def load_tasks(log, city: Region) -> ImplementationPlan:
    units = _units(city)
    plan = ImplementationPlan.objects.filter(region=city, title=PLAN["title"]).first() or ImplementationPlan()
    plan = services.save_plan(None, plan, {**PLAN, "region": city, "is_demo": True})
    for row in read_table(TASKS_FILE):
        leads, others = split_units(row["units_text"])
        mapped = [units[n] for n in leads if n in units]
        cos = [units[n] for n in others if n in units and units[n] not in mapped]
        unmapped = [n for n in [*leads, *others] if n not in units]
        number = int(row["number"])
        task = PlanTask.objects.filter(plan=plan, number=number).first() or PlanTask()
        services.save_task(None, task, {
            "plan": plan, "region": city, "number": number, "section": row["section"], "title": row["title"],
            "text": row["text"], "units_text": row["units_text"], "deadline_text": row["deadline_text"],
            "deadline": deadline_of(row["deadline_text"]), "lead_units": mapped, "co_units": list(dict.fromkeys(cos)),
            "collective_units": "、".join(dict.fromkeys(unmapped)), "is_demo": True})
    log(f"规划任务分工 {plan.tasks.count()} 项（阳政办函〔2023〕36号，{len(set(units.values()))} 个责任单位）")
    return plan


# (task number, printed unit, days after the plan's start, percent, text): demo reports, oldest first.
DEMO_REPORTS = [
    (1, "市应急局", 120, 60, "（演示）市应急救援总指挥部已调整组建，3 个县（区）指挥部完成组建，其余正在履行程序。"),
    (1, "市应急局", 240, 100, "（演示）市、县两级应急救援指挥部全部建立，指挥部工作规则印发实施。"),
    (2, "市水利局", 150, 40, "（演示）配合梳理水旱灾害防御领域执法事项清单，已报送市应急局。"),
    (19, "市应急局", 200, 70, "（演示）完成市级总体预案修订，专项预案修订 12 项，组织实战化演练 4 次。"),
    (39, "市应急局", 300, 45, "（演示）“智慧应急”一期完成招标，指挥中心互联互通传输通道正在建设。"),
]
# task number → (title, days after the plan's start, done)
DEMO_MILESTONES = {39: [("完成“智慧应急”建设方案编制", 60, True), ("一期工程建成并试运行", 500, False)]}


def load_progress(log, plan: ImplementationPlan):
    units = _units(plan.region)
    for number, unit, days, percent, text in DEMO_REPORTS:
        task = plan.tasks.get(number=number)
        when = timezone.make_aware(timezone.datetime.combine(plan.start + timedelta(days=days),
                                                             timezone.datetime.min.time().replace(hour=10)))
        if ProgressReport.objects.filter(task=task, text=text).exists():
            continue
        services.report_progress(None, task, {"text": text, "percent": percent, "reported_at": when,
                                              "is_demo": True}, organisation=units[unit])
    for number, milestones in DEMO_MILESTONES.items():
        task = plan.tasks.get(number=number)
        for title, days, done in milestones:
            due = plan.start + timedelta(days=days)
            milestone = TaskMilestone.objects.filter(task=task, title=title).first() or TaskMilestone()
            services.save_milestone(None, milestone, {"task": task, "title": title, "due": due,
                                                      "done_on": due if done else None, "is_demo": True})
    log(f"任务进展报告 {ProgressReport.objects.filter(task__plan=plan).count()} 条（演示）")


# (title, kind, days before today, minutes, [(responsible, deadline days from today, closed days after meeting)])
DEMO_MEETINGS = [
    ("资阳市应急救援能力提升局际联席会议全体成员会议（演示）", JointMeeting.REGULAR, 190,
     "（演示）听取市应急局关于《实施方案》推进情况的汇报和各成员单位重点项目进展，研究下半年工作。",
     [("资阳市消防救援支队", -120, 40, "（演示）报送城乡消防站、队建设进度表，明确各县（区）年度建设任务。"),
      ("资阳市财政局", -20, None, "（演示）提出应急救援能力提升重点项目市级资金安排意见。"),
      ("资阳市应急管理局", 40, None, "（演示）起草半年推进情况报告，按程序报市政府。")]),
    ("资阳市应急救援能力提升局际联席会议专题会议：应急物资储备（演示）", JointMeeting.SPECIAL, 25,
     "（演示）专题研究市级应急物资储备库建设选址和协议储备。",
     [("资阳市发展和改革委员会", 7, None, "（演示）会同市应急局完成储备库项目前期手续。"),
      ("资阳市自然资源和规划局", 75, None, "（演示）提出储备库建设用地保障方案。")]),
]


def load_meetings(log, city: Region):
    today = services.today()
    members = list(Organisation.objects.filter(region=city, name__in=MEMBER_UNITS))
    by_name = {o.name: o for o in members}
    for title, kind, ago, minutes, decisions in DEMO_MEETINGS:
        meeting = JointMeeting.objects.filter(region=city, title=title).first() or JointMeeting()
        held = today - timedelta(days=ago)
        services.save_meeting(None, meeting, {
            "region": city, "title": title, "kind": kind, "date": held, "place": "市应急局会议室",
            "convener": "市应急局主要负责同志", "minutes": minutes, "attendees": members, "is_demo": True})
        for number, (unit, due, closed_after, text) in enumerate(decisions, start=1):
            decision = Decision.objects.filter(meeting=meeting, number=number).first() or Decision()
            if decision.pk and decision.status == Decision.DONE:
                continue
            services.save_decision(None, decision, {
                "meeting": meeting, "number": number, "text": text, "responsible": by_name[unit],
                "deadline": today + timedelta(days=due), "is_demo": True})
            if closed_after is not None:
                services.close_decision(None, decision, "（演示）已按期报送，市应急局已汇总。",
                                        held + timedelta(days=closed_after))
    log(f"联席会议 {len(DEMO_MEETINGS)} 次（演示；成员单位 {len(members)} 个）")


def load(log):
    city = _city()
    plan = load_tasks(log, city)
    load_progress(log, plan)
    load_meetings(log, city)
