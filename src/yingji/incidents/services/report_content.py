"""The text of an information report: the parts pre-filled from the incident and its timeline, the labels
the edit form uses, checking edits, and the 公文 .docx (report_docx.py lays it out).

A report reads as a 公文 信息报告: 一、事件基本情况 二、简要经过 三、伤亡和损失 四、已采取的措施 五、事件发展趋势
六、领导到位情况 七、下一步工作建议 (and 其他 when there is anything). A 续报 does not tell the initial account
again (local rules: 续报一般不再复述事件初始过程): it reports what changed since the previous issued report
(the figures kept in its `facts`) and the measures taken since; the 终报 summarises the whole response.
Pre-filled text is plain 公文 prose: no zero counts, no system lines ("按493号令定级为…"), no "暂未记录".
"""

import re

from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.models import Organisation
from yingji.core.services import person

from ..models import DutyShift, Incident, InformationReport, TimelineEntry
from . import report_docx
from .reports import _lineage, casualty_window, local_text, sender, wan_text

# What a report contains, in the order the edit form asks for it. Keys are what the form, the API and
# `content` use. 第十二条's six items (一 单位概况 … 六 其他) and the parts local 信息报送 rules add (可能造成,
# 发展趋势, 领导到位, 下一步建议, 抄送), which the model keeps in columns of their own (COLUMNS).
SECTIONS = [
    ("time_place_scene", "事件基本情况：时间、地点、类型和等级"),
    ("unit_overview", "事件基本情况：事发单位概况"),
    ("account", "简要经过"),
    ("casualties_loss", "伤亡和损失：已造成（含下落不明）"),
    ("potential_loss", "伤亡和损失：可能造成"),
    ("measures", "已采取的措施"),
    ("trend", "事件发展趋势"),
    ("leaders", "领导到位情况"),
    ("next_steps", "下一步工作建议"),
    ("other", "其他需要报告的情况"),
]
FOLLOW_UP_LABELS = {"account": "事态发展（上次报告以来的变化）", "measures": "处置进展（上次报告以来的措施）",
                    "time_place_scene": "补充核实情况：时间、地点等", "unit_overview": "补充核实情况：事发单位"}
SIGNATURE = [("copy_to", "抄送"), ("filled_by", "联系人（填报人）"), ("phone", "联系电话")]
CONTENT_LABELS = dict(SECTIONS + SIGNATURE)
COLUMNS = ("potential_loss", "trend", "leaders", "next_steps", "copy_to")
MAX_CHARS = {"filled_by": 64, "phone": 32, "copy_to": 255}
MAX_SECTION_CHARS = 5000

def _when(time, day_of=None) -> str:
    """22时40分, or 12月1日08时10分 when on another day than `day_of`."""
    t = timezone.localtime(time)
    same_day = day_of is not None and timezone.localtime(day_of).date() == t.date()
    return (f"{t:%H}时{t:%M}分" if same_day else f"{t.month}月{t.day}日{t:%H}时{t:%M}分")


def _sentence(text: str) -> str:
    text = text.strip().rstrip("，,；;")
    return text if not text or text[-1] in "。！？" else text + "。"


def _names_down_from_county(region) -> list[str]:
    """乐至县, 回澜镇[, 村]: the place as the bureau and the level above name it."""
    lineage = region.ancestors(include_self=True)
    levels = [r.level for r in lineage]
    start = levels.index("county") if "county" in levels else 0
    return [r.name for r in lineage[start:]]


def _joined(names: list[str], text: str) -> str:
    """The region names, then `text` without repeating those it already starts with (回澜镇 + 回澜镇工业集中区)."""
    for index, name in enumerate(names):
        if text.startswith(name):
            return "".join(names[:index]) + text
    return "".join(names) + text


def place_text(incident: Incident, with_coordinates: bool = True) -> str:
    where = _joined(_names_down_from_county(incident.region), (incident.address or "").strip())
    if with_coordinates and incident.longitude is not None and incident.latitude is not None:
        where += f"（东经{incident.longitude:.4f}°，北纬{incident.latitude:.4f}°）"
    return where


def event_title(incident: Incident) -> str:
    """乐至县回澜镇某化工厂储罐泄漏事故: the place where the title lacks it, 事故 for 事故灾难."""
    title = _joined(_names_down_from_county(incident.region)[:2], incident.title.strip())
    if incident.is_accident and not title.endswith(("事故", "事件")):
        title += "事故"
    return title


def report_title(report: InformationReport) -> str:
    return f"关于{event_title(report.incident)}的{report}"


PERSON_FIGURES = (("deaths", "死亡"), ("missing", "下落不明"), ("serious_injuries", "重伤"), ("injuries", "轻伤"))


def facts(incident: Incident) -> dict:
    """What a later 续报 compares with: the figures, grade and status as reported."""
    return {**{name: getattr(incident, name) for name, _ in PERSON_FIGURES},
            "people_affected": incident.people_affected, "direct_loss_wan": wan_text(incident.direct_loss_wan),
            "accident_grade": incident.accident_grade, "level": incident.level, "status": incident.status}


def casualty_sentence(incident: Incident, now=None, total=False) -> str:
    """截至11月30日22时38分，已造成1人死亡、2人轻伤；初步估计直接经济损失12.5万元。 Zero counts are left out."""
    now = now or timezone.now()
    counts = "、".join(f"{getattr(incident, name)}人{label}" for name, label in PERSON_FIGURES
                      if getattr(incident, name))
    text = f"截至{local_text(now, with_year=False)}，" + (
        f"{'累计' if total else '已'}造成{counts}" if counts else "暂无人员伤亡")
    if incident.people_affected:
        text += f"，受影响群众{incident.people_affected}人"
    loss = wan_text(incident.direct_loss_wan)
    return text + ("；直接经济损失正在核实。" if loss == "0" else f"；初步估计直接经济损失{loss}万元。")


def _previous(report: InformationReport) -> InformationReport | None:
    """The last report of the incident issued before this one: what a 续报 reports changes against."""
    issued = report.incident.reports.filter(status=InformationReport.ISSUED).exclude(pk=report.pk)
    if report.issued_at is not None:
        issued = issued.filter(issued_at__lt=report.issued_at)
    return issued.order_by("-issued_at", "-id").first()


STATUS_PHRASES = {
    Incident.REPORTED: "事件恢复为接报核实阶段", Incident.VERIFYING: "正在核实现场情况",
    Incident.RESPONDING: "进入应急处置阶段", Incident.CONTROLLED: "事态得到控制",
    Incident.ENDED: "现场处置工作结束", Incident.ARCHIVED: "事件处置工作结束",
}
# Words that make a clause of the scene description a measure already taken (已启动应急处置, 已疏散住户…).
MEASURE_WORDS = ("启动", "疏散", "撤离", "送医", "救治", "处置", "转移", "警戒", "封控", "封闭", "关闭", "堵漏", "灭火",
                 "救援", "搜救", "抢修", "管控", "稀释", "围堵", "切断", "赶赴", "到场", "安置", "监测")
LEADER = re.compile(r"(领导|局长|县长|区长|市长|书记|镇长|乡长|主任|指挥长|负责同志).{0,30}(到达|赶赴|抵达|到场|到位|带队|坐镇)"
                    r"|(到达|赶赴|抵达|到场|到位|带队|坐镇).{0,30}(领导|局长|县长|区长|市长|书记|镇长|乡长|指挥长)")


def _reason(text: str) -> str:
    """The reason a person gave, which the services append to timeline lines in （…）."""
    found = re.search(r"（([^（）]+)）$", text.strip())
    return found.group(1) if found else ""


def _measure(entry: TimelineEntry) -> str:
    """A timeline entry as a measure in 公文 words, or "" for entries that are not one."""
    text, data = entry.text.strip(), entry.data or {}
    if entry.kind == "dispatch":
        if "status" not in data:
            return re.split(r"，预计|，响应用时", text)[0] + "赶赴现场"
        if data.get("status") == "on_scene":
            notes = text.split("：", 1)[1].strip() if "：" in text else ""
            return text.split("到场", 1)[0] + "到达现场" + (f"，{notes}" if notes else "")
        return ""
    if entry.kind == "activation":
        head = text.split("》", 1)
        return head[0] + "》" + re.split(r"[（：，]", head[1])[0] if len(head) == 2 else text
    if entry.kind == "task":
        created = re.match(r"增派任务“(.+?)”，责任单位(.+?)，时限", text)
        if created:
            return f"部署“{created.group(1)}”任务，由{created.group(2)}负责"
        done = re.match(r"任务“(.+?)”（(.+?)）", text)
        return f"{done.group(2)}完成“{done.group(1)}”任务" if done and data.get("new") == "done" else ""
    if entry.kind == "note" and "public_report" not in data and not LEADER.search(text):
        return text
    return ""


def _scene_measures(incident: Incident) -> str:
    """据报，厂区已启动应急处置，2名员工吸入不适送医。: what the first report says was already done."""
    clauses = [c.strip() for c in re.split(r"[，。；,;]", incident.description or "") if c.strip()]
    taken = [c for c in clauses if any(word in c for word in MEASURE_WORDS)]
    return _sentence("据报，" + "，".join(taken)) if taken else ""


def _timeline_lines(incident: Incident, entries, pick) -> list[str]:
    lines = []
    for entry in entries:
        text = pick(entry)
        if text:
            lines.append(_sentence(f"{_when(entry.time, incident.occurred_at)}，{text}"))
    return lines


def _changes(before: dict, incident: Incident, entries) -> list[str]:
    """What changed since the figures `before`: casualties, loss, grade, status, each as a sentence."""
    now = facts(incident)
    lines = []
    counts = []
    for name, label in PERSON_FIGURES + (("people_affected", "受影响群众"),):
        old, new = before.get(name, now[name]), now[name]
        if old != new:
            noun = label if name == "people_affected" else f"{label}人数"
            counts.append(f"{noun}由{old}人{'增至' if new > old else '减至'}{new}人")
    old_loss, new_loss = before.get("direct_loss_wan", now["direct_loss_wan"]), now["direct_loss_wan"]
    if old_loss != new_loss:
        counts.append(f"初步估计直接经济损失由{old_loss}万元调整为{new_loss}万元" if old_loss != "0"
                      else f"初步估计直接经济损失{new_loss}万元")
    if counts:
        reasons = [r for e in entries if e.kind == "casualty" and (r := _reason(e.text))]
        lines.append(f"经核实，{'，'.join(counts)}" + (f"（{'；'.join(reasons)}）" if reasons else "") + "。")
    if before.get("accident_grade", now["accident_grade"]) != now["accident_grade"]:
        lines.append(f"事故等级由{before['accident_grade'] or '未定级'}调整为{now['accident_grade']}。")
    if before.get("level", now["level"]) != now["level"]:
        labels = dict(Incident.LEVEL_CHOICES)
        lines.append(f"事件级别由{labels.get(before['level'], '未定级')}调整为{labels.get(now['level'], '未定级')}。")
    for entry in entries:
        if entry.kind == "status" and (entry.data or {}).get("new") in STATUS_PHRASES:
            reason = _reason(entry.text)
            lines.append(_sentence(f"{_when(entry.time, incident.occurred_at)}，"
                                   f"{STATUS_PHRASES[entry.data['new']]}" + (f"（{reason}）" if reason else "")))
    return lines


def _facts_before(entries) -> dict:
    """For a report issued before `facts` were kept: the figures as they were, from the first change the
    timeline records after it (casualty entries carry {field: [old, new]}, grade entries {"old", "new"})."""
    before = {}
    for entry in entries:
        data = entry.data or {}
        if entry.kind == "casualty":
            for name, change in data.items():
                if isinstance(change, list | tuple) and len(change) == 2:
                    before.setdefault(name, wan_text(change[0]) if name == "direct_loss_wan" else change[0])
        elif entry.kind == "grade" and "old" in data:
            before.setdefault("level" if isinstance(data.get("new"), int) else "accident_grade", data["old"])
    return before


def _basic(incident: Incident) -> str:
    """一、事件基本情况: time, place, type and (if graded) the grade, one sentence each."""
    lines = [f"时间：{local_text(incident.occurred_at)}。", f"地点：{place_text(incident)}。",
             f"类型：{incident.event_name}。"]
    basis = incident.graded_by.removeprefix("493号令：").strip()
    how = "，".join(x for x in (getattr(incident, "grading_basis_label", ""),
                                f"依据：{basis}" if basis else "") if x)
    if incident.accident_grade:
        lines.append(f"等级：经初步认定为{incident.accident_grade}" + (f"，{how}" if how else "") + "。")
    elif incident.level:
        lines.append(f"级别：经初步认定为{incident.get_level_display()}" + (f"，{how}" if how else "") + "。")
    return "\n".join(lines)


def _unit(incident: Incident) -> str:
    if incident.unit_overview.strip():
        return incident.unit_overview.strip()
    return "事发单位名称、性质、生产经营和安全生产许可等情况正在核实。" if incident.is_accident else ""


def _account(incident: Incident, bureau: str, entries) -> str:
    """二、简要经过: what happened (the scene description), how the bureau learned of it, the stages since."""
    first = f"{local_text(incident.occurred_at)}许，{place_text(incident, with_coordinates=False)}发生{incident.event_name}。"
    description = incident.description.strip()
    lines = [first + _sentence(description) if description else first]
    reporter = incident.reporter_name + (f"（电话{incident.reporter_phone}）" if incident.reporter_phone else "")
    lines.append(f"{_when(incident.reported_at, incident.occurred_at)}，{bureau}通过{incident.get_source_display()}"
                 f"接到{reporter or '有关方面'}报告。")
    lines += [line for line in _changes({}, incident, entries)]
    return "\n".join(lines)


def _trend(incident: Incident) -> str:
    if incident.status in (Incident.ENDED, Incident.ARCHIVED):
        ended = f"已于{local_text(incident.ended_at)}" if incident.ended_at else "已"
        return f"事件现场处置工作{ended}结束。"
    text = {Incident.CONTROLLED: "事态已得到控制。",
            Incident.RESPONDING: "现场处置工作正在进行，事态发展趋势正在进一步研判。"}.get(
        incident.status, "现场情况正在核实，事态发展趋势有待进一步研判。")
    if incident.missing:
        text += f"仍有{incident.missing}人下落不明，伤亡人数可能发生变化。"
    return text


def _potential(incident: Incident) -> str:
    if incident.status in (Incident.ENDED, Incident.ARCHIVED):
        return ""
    if incident.missing or incident.serious_injuries:
        return "下落不明和重伤人员情况正在核实，伤亡人数可能增加。"
    return "可能造成的人员伤亡和财产损失正在进一步核实。"


def _next_steps(incident: Incident, final: bool) -> str:
    if final or incident.status in (Incident.ENDED, Incident.ARCHIVED):
        steps = ["做好善后处置工作"] + (["配合做好事故调查处理工作"] if incident.is_accident else [])
        return "，".join(steps) + "。"
    steps = ["继续做好现场处置工作"]
    if incident.missing:
        steps.append("全力搜救下落不明人员")
    if incident.deaths or incident.serious_injuries or incident.injuries:
        steps.append("全力救治受伤人员")
    steps.append("密切关注事态发展，及时续报有关情况")
    return "，".join(steps) + "。"


def _other(report: InformationReport, incident: Incident, now) -> str:
    other = []
    if incident.is_drill:
        other.append("本事件为演练。")
    if report.kind == InformationReport.INITIAL:
        window = casualty_window(incident, now)
        if window["applies"] and window["open"]:
            other.append(f"事故发生之日起{window['days']}日内（至{local_text(window['ends'])}）伤亡人数发生变化的，"
                         "将及时补报。")
    return "\n".join(other)


def copy_to_default(incident: Incident) -> str:
    """抄送: the bodies 493号令第十条 has the bureau notify and report to (本级人民政府、公安机关、劳动保障行政部门、
    工会、人民检察院) for a production-safety accident, by their registered names; blank otherwise (editable)."""
    from .incidents import article10_notices  # the incident services call this module: import when used

    return "、".join(row["name"] for row in article10_notices(incident))


def draft_content(report: InformationReport, actor=None) -> dict:
    """Every part of the report pre-filled from the incident and its timeline (see the note above)."""
    incident = report.incident
    now = timezone.now()
    entries = list(incident.timeline.order_by("time", "id"))
    bureau = sender(incident)
    previous = _previous(report) if report.kind == InformationReport.FOLLOW_UP else None
    since = previous.issued_at if previous is not None else None
    recent = [e for e in entries if since is None or e.time > since]
    measures = _timeline_lines(incident, recent, _measure)
    leaders = _timeline_lines(incident, recent, lambda e: e.text.strip() if e.kind == "note" and LEADER.search(e.text)
                              else "")
    final = report.kind == InformationReport.FINAL
    if previous is not None:
        changes = _changes(previous.facts or _facts_before(recent), incident, recent)
        content = {"time_place_scene": "", "unit_overview": "",
                   "account": "\n".join(changes) or "与上次报告相比，事态无明显变化。",
                   "casualties_loss": casualty_sentence(incident, now, total=True)}
    else:
        scene = _scene_measures(incident)
        measures = ([scene] if scene else []) + measures
        content = {"time_place_scene": _basic(incident), "unit_overview": _unit(incident),
                   "account": _account(incident, bureau, entries), "casualties_loss": casualty_sentence(incident, now)}
    if not measures and previous is None:
        measures = ["先期处置情况正在核实，将及时续报。"]
    signer = person(actor) or incident.duty_officer
    content.update({
        "potential_loss": _potential(incident), "measures": "\n".join(measures),
        "trend": _trend(incident), "leaders": "\n".join(leaders), "next_steps": _next_steps(incident, final),
        "other": _other(report, incident, now), "copy_to": copy_to_default(incident),
        "filled_by": str(signer) if signer is not None else "", "phone": _phone(incident, signer, bureau, now),
    })
    return {key: content.get(key, "") for key in CONTENT_LABELS}


def _phone(incident: Incident, filer, bureau: str, now) -> str:
    """The filer's mobile, else the duty phone of the shift on now at the reporting county, else the bureau's."""
    if getattr(filer, "phone", ""):
        return filer.phone
    reporting, _ = _lineage(incident)
    shift = (DutyShift.objects.filter(region=reporting, starts_at__lte=now, ends_at__gt=now).exclude(phone="")
             .order_by("-starts_at").values_list("phone", flat=True).first())
    return shift or Organisation.objects.filter(name=bureau).exclude(phone="").values_list("phone", flat=True).first() or ""


def section_labels(report: InformationReport) -> list[tuple[str, str]]:
    """The parts as the edit form names them for this kind of report (a 续报's 简要经过 is its 事态发展)."""
    renamed = FOLLOW_UP_LABELS if report.kind == InformationReport.FOLLOW_UP else {}
    return [(key, renamed.get(key, label)) for key, label in SECTIONS]


def required(report: InformationReport) -> list[str]:
    keys = ["account", "casualties_loss", "filled_by"]
    if report.kind != InformationReport.FOLLOW_UP:
        keys += ["time_place_scene", "measures"]  # 第十二条 (二)(五): a 续报 may have nothing new to add
        if report.incident.is_accident:
            keys.append("unit_overview")  # 第十二条 (一)
    return keys


def _lines(*texts) -> str:
    return "\n".join(t.strip() for t in texts if t and t.strip())


def _losses(content: dict) -> str:
    possible = content.get("potential_loss", "").strip()
    if possible and not possible.startswith("可能"):
        possible = "可能造成：" + possible
    return _lines(content.get("casualties_loss", ""), possible)


def document_parts(report: InformationReport, content: dict) -> list[tuple[str, str]]:
    """The numbered parts of the 正文 [(heading, text)]; parts with nothing to say are left out (the core of a
    首报 or 终报 always stays, so a blank one shows)."""
    follow_up = report.kind == InformationReport.FOLLOW_UP
    basic = _lines(content.get("time_place_scene", ""), content.get("unit_overview", ""))
    if follow_up:
        parts = [("事态发展", content.get("account", ""), True), ("补充核实情况", basic, False),
                 ("伤亡和损失", _losses(content), True), ("处置进展", content.get("measures", ""), False)]
    else:
        parts = [("事件基本情况", basic, True),
                 ("事件经过" if report.kind == InformationReport.FINAL else "简要经过", content.get("account", ""), True),
                 ("伤亡和损失", _losses(content), True), ("已采取的措施", content.get("measures", ""), True)]
    parts += [("事件发展趋势", content.get("trend", ""), False), ("领导到位情况", content.get("leaders", ""), False),
              ("下一步工作建议", content.get("next_steps", ""), False),
              ("其他需要报告的情况", content.get("other", ""), False)]
    return [(heading, text.strip()) for heading, text, always in parts
            if always or (text.strip() and text.strip() not in ("无", "无。"))]


def opening(report: InformationReport) -> str:
    """The 导语 before the parts: a 续报 says which report it follows, the 终报 that the response ended."""
    incident = report.incident
    if report.kind == InformationReport.FOLLOW_UP:
        previous = _previous(report)
        said = f"我局已于{local_text(previous.issued_at, with_year=False)}报送{previous}。" if previous else ""
        return said + "现将事态发展和处置进展续报如下："
    if report.kind == InformationReport.FINAL:
        ended = f"已于{local_text(incident.ended_at, with_year=False)}" if incident.ended_at else "已"
        return f"该事件现场处置工作{ended}结束。现将事件发生和处置情况终报如下："
    return "现将有关情况报告如下："


def current_content(report: InformationReport, actor=None) -> dict:
    """What the edit form shows: the saved (or issued) content, else a fresh draft."""
    if report.content:
        saved = {key: report.content.get(key, "") for key in CONTENT_LABELS}
        return {**saved, **{name: getattr(report, name) for name in COLUMNS}}
    return draft_content(report, actor)


def _clean(report: InformationReport, content, actor) -> dict:
    """Merge `content` into the current content, refusing what is not an item of the report."""
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise ValidationError({"content": ["报告内容应为各项内容组成的对象，例如 {\"measures\": \"…\"}。"]})
    merged = current_content(report, actor)
    errors = {}
    for key, value in content.items():
        label = CONTENT_LABELS.get(key)
        if label is None:
            errors[str(key)] = [f"未知的报告内容项“{key}”，可填：{'、'.join(CONTENT_LABELS)}。"]
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = [f"“{label}”应为文字。"]
            continue
        value = value.replace("\r\n", "\n").strip()
        limit = MAX_CHARS.get(key, MAX_SECTION_CHARS)
        if len(value) > limit:
            errors[key] = [f"“{label}”不能超过 {limit} 字（现有 {len(value)} 字）。"]
        merged[key] = value
    if errors:
        raise ValidationError(errors)
    return merged


def _require_complete(report: InformationReport, content: dict):
    labels = dict(section_labels(report) + SIGNATURE)
    errors = {key: [f"报送前请填写“{labels[key]}”（没有的可填“无”）。"]
              for key in required(report) if not content.get(key, "").strip()}
    if errors:
        raise ValidationError(errors)


def _store(report: InformationReport, merged: dict) -> dict:
    """The changes that keep `merged`: the parts the model has columns for, the rest in `content`."""
    return {"content": {k: v for k, v in merged.items() if k not in COLUMNS}, **{k: merged[k] for k in COLUMNS}}


def document_data(report: InformationReport, content: dict, draft: bool = False) -> report_docx.ReportDocument:
    incident = report.incident
    issued = timezone.localtime(report.issued_at) if report.issued_at else None
    return report_docx.ReportDocument(
        title=report_title(report), number=incident.number, sender=sender(incident),
        kind=f"第{report.sequence}次续报" if report.kind == InformationReport.FOLLOW_UP else str(report),
        recipient=report.recipient, signed_by=str(report.issued_by) if report.issued_by else "",
        issued_at=local_text(report.issued_at), opening=opening(report), sections=document_parts(report, content),
        dated=f"{issued.year}年{issued.month}月{issued.day}日" if issued else "",
        copy_to=content.get("copy_to", ""), filled_by=content.get("filled_by", ""), phone=content.get("phone", ""),
        drill=incident.is_drill, draft=draft)


def render_document(report: InformationReport, content: dict | None = None, draft: bool = False) -> bytes:
    return report_docx.render(document_data(report, content if content is not None else current_content(report),
                                            draft=draft))


def document_filename(report: InformationReport) -> str:
    """What a person downloads: YJ20260305-0001-续报（第2次）.docx."""
    return f"{report.incident.number}-{report}.docx"

