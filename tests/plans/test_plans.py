"""The plan registry: demo plans, validation with field errors, levels and templates, the original document."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yingji.core.models import AuditEntry, Organisation, Region
from yingji.plans import demo as plans_demo
from yingji.plans import services
from yingji.plans.models import Plan, ResponseLevel, TaskTemplate

from .conftest import FLOOD, GENERAL, HAZMAT

pytestmark = pytest.mark.django_db

SEED_PLANS = [GENERAL, FLOOD, "乐至县地质灾害应急预案", "乐至县森林火灾应急预案", HAZMAT]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def plan_data(**fields):
    county = Region.objects.get(code="512022")
    return {"name": "乐至县地震应急预案", "type": "special", "region": county,
            "owner": Organisation.objects.get(name="乐至县应急管理局"), "event_codes": ["11C00"],
            "version": "2024年版", "status": "draft", **fields}


def counts():
    return Plan.objects.count(), ResponseLevel.objects.count(), TaskTemplate.objects.count(), AuditEntry.objects.count()


def test_demo_has_the_seed_plans_with_four_levels_and_tasks(demo, plan):
    for name in SEED_PLANS:
        p = plan(name)
        assert p.is_demo and p.status == Plan.APPROVED and p.approved_on
        assert p.region.code == "512022"
        assert sorted(p.levels.values_list("level", flat=True)) == [1, 2, 3, 4], name
        for level in p.levels.all():
            assert level.criteria_lines, (name, level)
            tasks = list(level.tasks.all())
            assert len(tasks) >= 4 and all(t.local_government or t.organisation for t in tasks)
        # a higher level keeps the lower one's tasks, so escalation only adds
        texts = {lv.level: {t.text for t in lv.tasks.all()} for lv in p.levels.all()}
        assert texts[4] <= texts[3] <= texts[2] <= texts[1]
    assert plan(GENERAL).type == "general" and plan(GENERAL).version.endswith("（试行）")
    assert set(plan(FLOOD).event_codes) == {"11A00", "11B03"}
    assert plan(HAZMAT).event_codes == ["12D00"]


def test_demo_time_limits_follow_the_seeds(demo, plan):
    general = {t.text: t.due_offset_minutes for t in TaskTemplate.objects.filter(response_level__plan=plan(GENERAL))}
    assert any("30分钟内电话首报" in text and minutes == 30 for text, minutes in general.items())
    assert any("6小时内" in text and minutes == 360 for text, minutes in general.items())
    geo = TaskTemplate.objects.filter(response_level__plan__name="乐至县地质灾害应急预案")
    assert geo.filter(text__contains="4小时内获取灾区应急测绘", due_offset_minutes=240).exists()


def test_demo_loading_is_idempotent(demo):
    before = counts()[:3]
    plans_demo.load(lambda *_: None)
    assert counts()[:3] == before


@pytest.mark.parametrize("fields, field, reason", [
    ({"event_codes": []}, "event_codes", "请至少选择一个适用事件类别"),
    ({"event_codes": ["99Z99"]}, "event_codes", "不是 GB/T 35561 事件代码"),
    ({"status": "approved"}, "approved_on", "须填写审批日期"),
    ({"approved_on": date.today() + timedelta(days=3)}, "approved_on", "不能晚于今天"),
    ({"name": "乐至县防汛抗旱应急预案", "version": "2022年版"}, "version", "已有版本"),
    ({"type": "galaxy"}, "type", "不是有效选项"),
])
def test_bad_plans_name_the_field_and_write_nothing(demo, fields, field, reason):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.save_plan(None, Plan(), plan_data(**fields))
    assert reason in " ".join(caught.value.message_dict[field])
    assert counts() == before


def test_event_codes_are_normalised_and_deduplicated(demo):
    p = services.save_plan(None, Plan(), plan_data(event_codes=["11c00", "11C00", "11C02"]))
    assert p.event_codes == ["11C00", "11C02"]
    assert p.event_labels == ["地震灾害（11C00）", "天然地震事件（11C02）"]


def test_only_the_admin_manages_plans_and_only_in_their_region(demo, user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_plan(user("commander"), Plan(), plan_data())
    p = services.save_plan(user("admin"), Plan(), plan_data())
    entry = AuditEntry.objects.get(model="plans.plan", object_id=str(p.pk))
    assert entry.action == "create" and entry.changes["name"] == [None, "乐至县地震应急预案"]


def test_owner_outside_the_region_is_refused(demo, user):
    from django.contrib.auth.models import Group

    township2 = user("township2")
    township2.groups.add(Group.objects.get(name="管理员"))
    huilan = Region.objects.get(code="512022102")
    with pytest.raises(ValidationError) as caught:
        services.save_plan(township2, Plan(), plan_data(region=huilan))
    assert "编制单位不在您的管辖范围内" in caught.value.message_dict["owner"][0]
    with pytest.raises(ValidationError) as caught:
        services.save_plan(township2, Plan(), plan_data(owner=Organisation.objects.get(name="回澜镇人民政府")))
    assert "不在您的管辖范围内" in caught.value.message_dict["region"][0]


def test_a_level_needs_a_criterion_and_is_unique_in_its_plan(demo, plan):
    new = services.save_plan(None, Plan(), plan_data())
    with pytest.raises(ValidationError) as caught:
        services.save_level(None, ResponseLevel(), {"plan": new, "level": 4})
    assert "请至少填写一项启动条件" in caught.value.message_dict["min_grade"][0]
    level = services.save_level(None, ResponseLevel(), {"plan": new, "level": 4, "min_deaths": 1})
    assert level.name == "Ⅳ级响应"
    with pytest.raises(ValidationError) as caught:
        services.save_level(None, ResponseLevel(), {"plan": new, "level": 4, "min_deaths": 2})
    assert "已设置Ⅳ级响应" in caught.value.message_dict["level"][0]
    with pytest.raises(ValidationError) as caught:
        services.save_level(None, ResponseLevel(), {"plan": new, "level": 3, "min_deaths": 0})
    assert "min_deaths" in caught.value.message_dict


def test_a_template_has_a_unit_or_the_local_government_but_not_both(demo, plan):
    level = plan(HAZMAT).levels.get(level=4)
    ema = Organisation.objects.get(name="乐至县应急管理局")
    with pytest.raises(ValidationError, match="请选择责任单位"):
        services.save_template(None, TaskTemplate(), {"response_level": level, "text": "x", "due_offset_minutes": 5})
    with pytest.raises(ValidationError, match="请不要再指定责任单位"):
        services.save_template(None, TaskTemplate(), {"response_level": level, "text": "x", "organisation": ema,
                                                      "local_government": True, "due_offset_minutes": 5})
    t = services.save_template(None, TaskTemplate(), {"response_level": level, "text": " 通知周边企业 ",
                                                      "organisation": ema, "due_offset_minutes": 90})
    assert t.text == "通知周边企业" and t.offset_label == "+1 小时 30 分钟" and t.unit_label == "乐至县应急管理局"


def test_document_upload_checks_type_and_size_and_keeps_the_name_in_the_trail(demo, plan, media, settings):
    p = plan(FLOOD)
    with pytest.raises(ValidationError, match="只能是 PDF"):
        services.save_plan(None, p, {"document": SimpleUploadedFile("预案.exe", b"MZ")})
    settings.MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("预案.pdf", b"%PDF" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(ValidationError, match="文件过大"):
        services.save_plan(None, p, {"document": big})
    p = services.save_plan(None, plan(FLOOD), {"document": SimpleUploadedFile("防汛预案.pdf", b"%PDF-1.7 test")})
    assert p.document.name.startswith(f"plans/{timezone.now():%Y}/") and p.document_name.endswith(".pdf")
    entry = AuditEntry.objects.filter(model="plans.plan", object_id=str(p.pk)).latest("id")
    assert entry.changes["document"] == ["", p.document.name]
    services.save_plan(None, p, {"summary": "修订说明", "document": p.document})  # unchanged file is kept
    p.refresh_from_db()
    assert p.document and p.summary == "修订说明"


def test_document_is_served_only_through_the_scoped_view(demo, plan, media, web):
    p = services.save_plan(None, plan(FLOOD), {"document": SimpleUploadedFile("防汛预案.pdf", b"%PDF-1.7 test")})
    response = web("duty").get(f"/plans/{p.pk}/document/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert "attachment" in response["Content-Disposition"]
    assert web("township2").get(f"/plans/{p.pk}/document/").status_code == 200  # applies downwards (issue 12)
    assert web("duty").get(f"/plans/{plan(HAZMAT).pk}/document/").status_code == 404  # none uploaded
    assert web("duty").get("/media/" + p.document.name).status_code == 404


def test_plan_form_with_upload_and_edit(demo, web, media):
    client = web("admin")
    county = Region.objects.get(code="512022")
    owner = Organisation.objects.get(name="乐至县应急管理局")
    form = {"name": "乐至县地震应急预案", "type": "special", "region": county.pk, "owner": owner.pk,
            "event_codes": ["11C00"], "extra_codes": "11C02，11C01", "version": "2024年版", "status": "approved",
            "approved_on": "2024-03-01", "summary": "", "document": SimpleUploadedFile("地震.docx", b"PK..")}
    response = client.post("/plans/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    p = Plan.objects.get(name="乐至县地震应急预案")
    assert p.event_codes == ["11C00", "11C02", "11C01"] and p.document_name.endswith(".docx")
    assert response.url == f"/plans/{p.pk}/"
    page = client.get(f"/plans/{p.pk}/edit/").content.decode()
    assert re.search(r'value="11C00"[^>]*checked', page)
    assert "11C02 11C01" in page
    bad = client.post("/plans/add/", {**form, "name": "x", "event_codes": [], "extra_codes": "",
                                      "document": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert bad.status_code == 200 and "请至少选择一个适用事件类别" in bad.content.decode()
    assert web("commander").get("/plans/add/").status_code == 403


def test_level_and_template_pages(demo, web, plan):
    client = web("admin")
    p = plan(HAZMAT)
    level = p.levels.get(level=4)
    response = client.post(f"/plans/levels/{level.pk}/edit/", {"level": 4, "name": "", "min_grade": 4,
                                                               "min_deaths": 2, "warning_colour": ""})
    assert response.status_code == 302 and response.url == f"/plans/levels/{level.pk}/"
    assert client.get(response.url).url == f"/plans/{p.pk}/#level-4"
    level.refresh_from_db()
    assert level.min_deaths == 2 and level.min_injured is None
    response = client.post(f"/plans/levels/{level.pk}/tasks/add/", {"text": "通知下游取水口", "local_government": "on",
                                                                    "due_offset_minutes": 45, "order": 9})
    assert response.status_code == 302
    template = level.tasks.get(text="通知下游取水口")
    assert template.local_government and template.response_level == level
    assert client.post(f"/plans/task-templates/{template.pk}/delete/").url == f"/plans/{p.pk}/"
    assert not TaskTemplate.objects.filter(pk=template.pk).exists()
    html = client.get(f"/plans/{p.pk}/").content.decode()
    assert "满足<strong>任一项</strong>" in html and "死亡（含下落不明）2人以上" in html


def test_a_plan_that_has_been_activated_cannot_be_deleted(demo, plan, open_incident, commander):
    p = plan(HAZMAT)
    services.activate(commander, open_incident(), p, 4)
    with pytest.raises(ValidationError, match="已废止"):
        services.delete_plan(None, p)
    new = services.save_plan(None, Plan(), plan_data())
    pk = new.pk
    services.delete_plan(None, new)
    assert AuditEntry.objects.filter(model="plans.plan", object_id=str(pk), action="delete").exists()
