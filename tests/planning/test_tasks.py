"""Plan tasks (规划任务/分工): the transcribed 分工 table of 阳政办函〔2023〕36号, units seeing and reporting only their
own tasks, progress reports with their bad input, overdue flags, reminders, the 分工 export and progress_summary."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from yingji.core.demo import DEMO_PASSWORD
from yingji.core.models import AuditEntry, Organisation, User
from yingji.core.notifications import collect
from yingji.planning.demo_data.tasks import TASKS_FILE, UNITS_FILE, deadline_of, split_units
from yingji.planning.models import ImplementationPlan, PlanTask, ProgressReport
from yingji.planning.services import tasks as services
from yingji.standards.tables import read_table

PLAN_TITLE = "阳泉市贯彻落实省市“十四五”应急体系规划实施方案"


# --- the data file, against the seed as printed ---------------------------------------------------------------

def test_the_data_file_holds_the_42_numbered_tasks_as_printed():
    rows = read_table(TASKS_FILE)
    assert [int(r["number"]) for r in rows] == list(range(1, 43))
    first, last = rows[0], rows[-1]
    assert (first["section"], first["title"]) == ("1.深化应急管理体制机制改革", "强化领导指挥体系")
    assert first["text"] == ("2023年市县级党委、政府领导下的应急救援指挥部全部建立,统一指挥各类应急救援队伍、"
                             "统筹灾害事故救援全过程管理。")
    assert first["units_text"] == "市应急局牵头,市应急救援总指挥部成员单位和各县(区)人民政府按职责分工负责"
    assert last["title"] == "提高社会服务能力"
    assert last["units_text"] == "市应急局牵头,市民政局、市住建局、市交通运输局、市市场监管局、阳泉银保监分局等按职责分工负责"
    assert rows[28]["units_text"] == ("市交通运输局、北京铁路局阳泉站牵头,市工信局、市财政局、市应急局、市邮政管理局、"
                                      "等按职责分工负责")  # the stray 、 is the seed's
    assert {r["deadline_text"] for r in rows} == {"2023年"}
    assert {r["section"][:2] for r in rows} == {f"{n}." for n in range(1, 10)}


SEED = Path("/work/shared/seeds/004_1049485ff5b4be1e.txt")


@pytest.mark.skipif(not SEED.exists(), reason="the seed documents are not on this machine")
def test_every_row_is_found_verbatim_in_the_seed():
    printed = SEED.read_text(encoding="utf-8")
    for row in read_table(TASKS_FILE):
        assert f"({row['number']}){row['title']}。{row['text']}({row['units_text']})" in printed, row["number"]


def test_units_split_into_lead_and_others_as_printed():
    assert split_units("市应急局牵头,市应急救援总指挥部成员单位和各县(区)人民政府按职责分工负责") == (
        ["市应急局"], ["市应急救援总指挥部成员单位", "各县(区)人民政府"])
    assert split_units("市应急局、市司法局牵头,市安委会成员单位和各县(区)人民政府按职责分工负责")[0] == ["市应急局", "市司法局"]
    # No 牵头 printed (task 7): no lead unit, every unit listed is responsible.
    leads, others = split_units("市应急局、市住建局、市消防救援支队等按职责分工负责")
    assert leads == [] and others == ["市应急局", "市住建局", "市消防救援支队"]
    assert split_units("市工信局、市应急局、市邮政管理局、等按职责分工负责")[1] == ["市工信局", "市应急局", "市邮政管理局"]
    # 市规划和自然资源局 keeps its 和.
    assert split_units("市应急局牵头,市规划和自然资源局、市水利局等按职责分工负责")[1] == ["市规划和自然资源局", "市水利局"]


def test_deadline_of_a_printed_year_is_its_last_day_and_nothing_else():
    assert deadline_of("2023年") == date(2023, 12, 31)
    assert deadline_of("") is None
    assert deadline_of("2023年底前") is None


def test_every_named_unit_of_the_table_is_mapped_or_kept_in_text():
    mapped = {r["printed"] for r in read_table(UNITS_FILE)}
    named = {n for r in read_table(TASKS_FILE) for part in split_units(r["units_text"]) for n in part}
    unmapped = named - mapped
    assert unmapped == {"市应急救援总指挥部成员单位", "市安委会成员单位", "各县(区)人民政府", "各县(区)政府",
                        "武警阳泉支队", "北京铁路局阳泉站", "阳泉银保监分局"}


# --- the demo -------------------------------------------------------------------------------------------------

def _plan():
    return ImplementationPlan.objects.get(title=PLAN_TITLE)


def _task(number):
    return PlanTask.objects.get(plan=_plan(), number=number)


def test_demo_plan_has_the_42_tasks_with_units_and_deadlines(demo):
    plan = _plan()
    assert plan.is_demo and plan.document_number == "阳政办函〔2023〕36号" and plan.tasks.count() == 42
    first = _task(1)
    assert [o.name for o in first.lead_units.all()] == ["资阳市应急管理局"]
    assert first.collective_units == "市应急救援总指挥部成员单位、各县(区)人民政府"
    assert first.deadline == date(2023, 12, 31) and first.deadline_text == "2023年"
    railway = _task(29)
    assert [o.name for o in railway.lead_units.all()] == ["资阳市交通运输局"]
    assert "北京铁路局阳泉站" in railway.collective_units
    seven = _task(7)
    assert seven.lead_units.count() == 0 and seven.co_units.count() == 9
    assert {o.name for o in _task(8).co_units.all()} == {o.name for o in seven.co_units.all()}  # 市交通局 is 交通运输局
    created = Organisation.objects.filter(is_demo=True, duties__startswith="演示：阳政办函")
    assert created.count() == 18


# --- who sees and reports what ----------------------------------------------------------------------------------

@pytest.fixture
def justice_user(demo):
    """A staff member of 资阳市司法局: lead of task 5, co-unit of tasks 7 and 8, nothing else."""
    unit = Organisation.objects.get(name="资阳市司法局")
    user = User.objects.create_user("sifa", password=DEMO_PASSWORD, region=unit.region, organisation=unit)
    user.groups.add(Group.objects.get(name="值班员"))
    return User.objects.get(pk=user.pk)


def test_a_unit_sees_only_its_own_tasks_and_the_planning_staff_all(justice_user):
    assert set(PlanTask.objects.for_user(justice_user).values_list("number", flat=True)) == {5, 7, 8}
    admin = User.objects.get(username="admin")
    assert PlanTask.objects.for_user(admin).count() == 42
    assert PlanTask.objects.for_user(User.objects.get(username="dispatcher")).count() == 0  # county, no task


def test_a_unit_cannot_open_or_report_on_another_units_task(justice_user, web, api):
    other = _task(1)
    client = web("sifa")
    assert client.get(reverse("planning:task_detail", args=[other.pk])).status_code == 404
    answer = client.post(reverse("planning:task_report", args=[other.pk]), {"text": "越权报告", "percent": "50"})
    assert answer.status_code == 404
    rest = api("sifa")
    assert rest.get(reverse("planning-task-detail", args=[other.pk])).status_code == 404
    assert rest.post(reverse("planning-task-report", args=[other.pk]), {"text": "越权", "percent": 5}).status_code == 404
    answer = rest.post(reverse("planning-task-report-list"), {"task": other.pk, "text": "越权", "percent": 5})
    assert answer.status_code == 400 and "task" in answer.json()["error"]["fields"]
    with pytest.raises(ValidationError) as caught:
        services.report_progress(justice_user, other, {"text": "越权", "percent": 5})
    assert "不是任务“强化领导指挥体系”的牵头或配合单位" in caught.value.message_dict["task"][0]
    assert not ProgressReport.objects.filter(text__startswith="越权").exists()
    listed = rest.get(reverse("planning-task-list"), {"page_size": 100}).json()["results"]
    assert {t["number"] for t in listed} == {5, 7, 8}


def test_a_unit_reports_on_its_own_task_from_the_page(justice_user, web):
    task = _task(7)
    client = web("sifa")
    page = client.get(reverse("planning:task_detail", args=[task.pk]))
    assert page.status_code == 200 and 'data-testid="report-form"' in page.content.decode()
    before = AuditEntry.objects.count()
    answer = client.post(reverse("planning:task_report", args=[task.pk]), {"text": "执法责任清单已印发。", "percent": "60"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert (task.percent, task.status) == (60, PlanTask.IN_PROGRESS)
    report = task.reports.get()
    assert report.organisation.name == "资阳市司法局" and report.reporter.username == "sifa"
    models = set(AuditEntry.objects.order_by("-id")[: AuditEntry.objects.count() - before].values_list("model", flat=True))
    assert {"planning.progressreport", "planning.plantask"} <= models


@pytest.mark.parametrize(("value", "shown"), [("101", "0 到 100 之间"), ("-1", "0 到 100 之间"), ("abc", "无效"),
                                              ("50.5", "无效"), ("", "无效")])
def test_a_percentage_outside_0_100_is_refused_naming_the_field(justice_user, api, value, shown):
    task = _task(5)
    answer = api("sifa").post(reverse("planning-task-report", args=[task.pk]), {"text": "进展", "percent": value})
    assert answer.status_code == 400
    message = answer.json()["error"]["fields"]["percent"][0]
    assert "完成进度" in message and shown in message
    assert not task.reports.exists()
    task.refresh_from_db()
    assert task.percent == 0


def test_100_percent_completes_the_task_and_clears_its_overdue_flag(demo):
    task = _task(13)
    assert task.is_overdue  # 2023-12-31 passed long ago
    unit = Organisation.objects.get(name="资阳市应急管理局")
    services.report_progress(None, task, {"text": "专项整治完成。", "percent": 100}, organisation=unit)
    task.refresh_from_db()
    assert (task.status, task.percent, task.is_overdue) == (PlanTask.DONE, 100, False)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


def test_attachments_are_checked_by_content_and_served_to_the_tasks_units(justice_user, web):
    task = _task(5)
    client = web("sifa")
    fake = SimpleUploadedFile("方案.pdf", b"not a pdf at all", content_type="application/pdf")
    client.post(reverse("planning:task_report", args=[task.pk]), {"text": "附件", "percent": "10", "attachment": fake})
    assert not task.reports.exists()
    client.post(reverse("planning:task_report", args=[task.pk]), {"text": "附件", "percent": "10", "attachment": _png()})
    report = task.reports.get()
    assert report.attachment_name == "现场照片.png" and report.attachment_type == "image/png"
    assert not report.attachment.name.endswith("现场照片.png")  # stored under a random name
    url = reverse("planning:task_report_attachment", args=[report.pk])
    assert client.get(url).status_code == 200
    assert web("dispatcher").get(url).status_code in (403, 404)


# --- bad input on tasks ---------------------------------------------------------------------------------------

def test_a_deadline_before_the_plan_start_is_refused_naming_the_field(demo):
    task = _task(2)
    with pytest.raises(ValidationError) as caught:
        services.save_task(None, task, {"deadline": date(2023, 1, 1)})
    assert "不能早于方案实施起始日期（2023-04-11）" in caught.value.message_dict["deadline"][0]
    task.refresh_from_db()
    assert task.deadline == date(2023, 12, 31)


def test_a_unit_cannot_be_lead_and_co_unit_at_once(demo):
    unit = Organisation.objects.get(name="资阳市应急管理局")
    with pytest.raises(ValidationError) as caught:
        services.save_task(None, _task(2), {"lead_units": [unit], "co_units": [unit]})
    assert "已是牵头单位" in caught.value.message_dict["co_units"][0]


def test_unit_changes_are_in_the_audit_trail(demo):
    task = _task(9)
    admin = User.objects.get(username="admin")
    services.save_task(admin, task, {"co_units": [Organisation.objects.get(name="资阳市财政局")]})
    entry = AuditEntry.objects.filter(model="planning.plantask", object_id=str(task.pk)).order_by("-id").first()
    assert entry.changes["co_units"] == [["资阳市市场监管局"], ["资阳市财政局"]]


# --- overdue flags and reminders ------------------------------------------------------------------------------

def test_overdue_is_computed_stored_and_refreshed(demo):
    task = _task(3)
    services.save_task(None, task, {"deadline": services.today() + timedelta(days=1)})
    task.refresh_from_db()
    assert not task.is_overdue
    changed = services.refresh_overdue(services.today() + timedelta(days=2))
    task.refresh_from_db()
    assert task.is_overdue and changed["tasks"] >= 1
    services.refresh_overdue()
    task.refresh_from_db()
    assert not task.is_overdue
    assert AuditEntry.objects.filter(model="planning.plantask", object_id=str(task.pk), changes__has_key="is_overdue"
                                     ).count() >= 2


def test_reminders_before_and_after_the_deadline_reach_the_units_own_tasks(justice_user):
    soon = _task(5)
    services.save_task(None, soon, {"deadline": services.today() + timedelta(days=10)})
    items = {s["key"]: s for s in collect(justice_user)["sources"]}["plan_tasks"]["items"]
    # Tasks 7 and 8 overdue first, then task 5 before its deadline: nothing of other units.
    assert [(i["title"][:3], i["kind"]) for i in items] == [
        ("（7）", "规划任务逾期未完成"), ("（8）", "规划任务逾期未完成"), ("（5）", "规划任务即将到期")]
    assert "还有 10 天" in items[2]["note"] and items[2]["id"] == f"plantask-due-{soon.pk}"
    leader = {s["key"]: s for s in collect(User.objects.get(username="admin"))["sources"]}
    assert leader["plan_tasks"]["count"] == 42 - 1  # task 1 is done (demo)


def test_the_list_flags_overdue_and_filters_on_it(justice_user, web):
    client = web("sifa")
    page = client.get(reverse("planning:task_list"), {"overdue": "true"})
    assert page.status_code == 200
    assert {t.number for t, overdue in page.context["tasks"]} == {5, 7, 8}
    assert 'data-testid="overdue-flag"' in page.content.decode()
    assert client.get(reverse("planning:task_list"), {"overdue": "也许"}).status_code == 400


# --- the 分工 export --------------------------------------------------------------------------------------------

def test_the_division_table_exports_what_the_user_sees(justice_user, web):
    from openpyxl import load_workbook

    answer = web("sifa").get(reverse("planning:task_export"))
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("实施方案", "序号", "所属部分", "任务名称", "任务内容", "牵头单位")
    assert sorted(r[1] for r in rows[1:]) == [5, 7, 8]
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT, object_repr="导出规划任务分工").exists()
    full = web("admin").get(reverse("planning:task_export"))
    assert len(list(load_workbook(io.BytesIO(full.content), read_only=True).active.iter_rows())) == 43


def test_the_division_table_imports_back_all_or_nothing(demo):
    from yingji.core.imports import SHEETS, export_xlsx, run_import

    admin = User.objects.get(username="admin")
    spec = SHEETS["plan_tasks"]
    content = export_xlsx(spec, PlanTask.objects.filter(plan=_plan()).order_by("number")[:2])
    result = run_import(admin, spec, io.BytesIO(content))
    assert result.ok and result.updated == 2
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    book.active.cell(3, 11).value = "2023-01-01"  # task 2's deadline before the plan start
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    before = AuditEntry.objects.count()
    result = run_import(admin, spec, buffer)
    assert not result.ok and any("完成期限" in e.reason or e.column == "完成期限" for e in result.errors)
    assert AuditEntry.objects.count() == before


# --- progress_summary, for the half-year report --------------------------------------------------------------

def test_progress_summary_as_of_the_end_of_a_period(demo):
    city = _plan().region
    summary = services.progress_summary(city, date(2023, 7, 1), date(2023, 12, 31))
    rows = {r["number"]: r for r in summary["tasks"]}
    assert len(rows) == 42 and summary["task_totals"]["total"] == 42
    assert (rows[1]["status"], rows[1]["percent"], rows[1]["overdue"]) == ("done", 100, False)
    assert (rows[2]["status"], rows[2]["percent"], rows[2]["last_report"]["organisation"]) == (
        "in_progress", 40, "资阳市水务局")
    assert rows[1]["reports_in_period"] == 2 and rows[19]["reports_in_period"] == 1  # 2023-08-09, 12-07; 10-28
    assert rows[19]["percent"] == 70
    later = services.progress_summary(city, date(2024, 1, 1), date(2024, 6, 30))
    late = {r["number"]: r for r in later["tasks"]}
    assert late[2]["overdue"] and not late[1]["overdue"]
    assert later["task_totals"]["done"] == 1 and later["task_totals"]["overdue"] == 41
    earlier = services.progress_summary(city, date(2023, 4, 1), date(2023, 6, 30))
    assert {r["number"]: r["percent"] for r in earlier["tasks"]}[1] == 0  # nothing reported by then


def test_progress_summary_leaves_out_other_regions(demo):
    township = User.objects.get(username="township").region
    assert services.progress_summary(township, date(2023, 1, 1), date(2025, 12, 31))["tasks"] == []


def test_deleting_a_plan_is_audited_with_its_tasks(demo):
    admin = User.objects.get(username="admin")
    plan = services.save_plan(admin, ImplementationPlan(), {"region": admin.region, "title": "试行方案",
                                                            "start": date(2024, 1, 1), "end": date(2024, 12, 31)})
    task = services.save_task(admin, PlanTask(), {"plan": plan, "number": 1, "title": "试行", "text": "内容"})
    assert task.region == plan.region
    services.delete_plan(admin, plan)
    assert AuditEntry.objects.filter(model="planning.plantask", object_id=str(task.pk), action="delete").exists()


def test_plan_end_before_start_is_refused(demo):
    admin = User.objects.get(username="admin")
    with pytest.raises(ValidationError) as caught:
        services.save_plan(admin, ImplementationPlan(), {"region": admin.region, "title": "倒序方案",
                                                         "start": date(2024, 1, 1), "end": date(2023, 1, 1)})
    assert "end" in caught.value.message_dict


def test_api_report_with_an_attachment_and_filters(justice_user, api):
    task = _task(8)
    client = api("sifa")
    answer = client.post(reverse("planning-task-report", args=[task.pk]),
                         {"text": "审议制度已起草。", "percent": "30", "attachment": _png()}, format="multipart")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["percent"], body["attachment_name"], body["organisation"]) == (
        30, "现场照片.png", Organisation.objects.get(name="资阳市司法局").pk)
    admin = api("admin")
    justice = Organisation.objects.get(name="资阳市司法局").pk
    numbers = {t["number"] for t in admin.get(reverse("planning-task-list"), {"unit": justice}).json()["results"]}
    assert numbers == {5, 7, 8}
    led = {t["number"] for t in admin.get(reverse("planning-task-list"), {"lead_unit": justice}).json()["results"]}
    assert led == {5}
    assert admin.get(reverse("planning-task-list"), {"overdue": "maybe"}).status_code == 400
    reports = admin.get(reverse("planning-task-report-list"), {"task": task.pk}).json()["results"]
    assert [r["percent"] for r in reports] == [30]
