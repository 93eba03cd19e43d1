"""Staff pages of warnings: the list (chips, filters, scope), a warning's page (chain, map, targeting, deliveries,
history) with only the steps the user may take, the steps themselves through the services, the draft form (areas
from townships and drawn shapes; refusals named on the form, nothing written), the CAP XML, the progress JSON,
the one-map layer and the duty-board panel."""

import json

import pytest
from django.urls import reverse

from yingji.warnings.models import Delivery, Warning

from .ui_helpers import HUILAN, SHIFO, TIANCHI, draft, fresh, issue, person, publish

pytestmark = pytest.mark.django_db

LIST = "/warnings/"


def listed(response) -> list[int]:
    return [item["warning"].pk for item in response.context["items"]]


def test_list_shows_colour_chips_and_filters_by_level_and_state(demo, web):
    red = issue(HUILAN, level=1, headline="测试红色暴雨预警")
    blue = draft(TIANCHI, level=4, headline="测试蓝色暴雨预警草稿")
    duty = web("duty")
    response = duty.get(LIST, {"q": "测试"})
    assert response.status_code == 200
    assert {red.pk, blue.pk} <= set(listed(response))
    html = response.content.decode()
    assert 'class="wl wl-red"' in html and 'class="wl wl-blue"' in html and "红色预警" in html
    assert listed(duty.get(LIST, {"q": "测试", "level": "1"})) == [red.pk]
    assert listed(duty.get(LIST, {"q": "测试", "state": "draft"})) == [blue.pk]
    assert red.pk in listed(duty.get(LIST, {"q": "测试", "period": "24h"}))


def test_township_sees_only_published_warnings_that_reach_it(demo, web):
    huilan = issue(HUILAN, headline="只到回澜镇的预警")
    county_draft = draft(HUILAN, headline="县局草稿")
    in_huilan, in_tianchi = web("township2"), web("township")  # 回澜镇, 天池街道
    assert huilan.pk in listed(in_huilan.get(LIST))
    assert county_draft.pk not in listed(in_huilan.get(LIST))
    assert in_huilan.get(huilan.get_absolute_url()).status_code == 200
    assert in_huilan.get(county_draft.get_absolute_url()).status_code == 404
    assert huilan.pk not in listed(in_tianchi.get(LIST))
    assert in_tianchi.get(huilan.get_absolute_url()).status_code == 404
    assert in_tianchi.get(reverse("warnings:warning_cap", args=[huilan.pk])).status_code == 404


def buttons(response) -> set[str]:
    html = response.content.decode()
    return {step for step in ("edit", "submit", "review", "reject", "publish", "update", "cancel")
            if f'data-testid="action-{step}"' in html}


def test_buttons_follow_who_may_take_each_step(demo, web):
    warning = draft(HUILAN, TIANCHI)
    url = warning.get_absolute_url()
    duty, leader, township = web("duty"), web("leader"), web("township2")
    assert buttons(duty.get(url)) == {"edit", "submit"}
    assert duty.post(reverse("warnings:warning_submit", args=[warning.pk])).status_code == 302
    assert fresh(warning).state == Warning.SUBMITTED
    assert buttons(duty.get(url)) == set()  # the drafter never reviews their own draft
    assert buttons(leader.get(url)) == {"review", "reject"}
    leader.post(reverse("warnings:warning_review", args=[warning.pk]))
    assert fresh(warning).state == Warning.REVIEWED
    assert buttons(duty.get(url)) == set()  # only 领导 signs (YINGJI_WARNING_SIGNERS)
    assert buttons(leader.get(url)) == {"publish"}
    response = leader.post(reverse("warnings:warning_publish", args=[warning.pk]), follow=True)
    published = fresh(warning)
    assert published.state == Warning.PUBLISHED and published.identifier
    assert published.identifier in response.content.decode()  # "已签发发布：<identifier>"
    assert buttons(leader.get(url)) == {"cancel"}  # 领导 signs and cancels; drafters write Updates
    assert buttons(duty.get(url)) == {"update"}
    assert buttons(township.get(url)) == set()


def test_reject_needs_a_reason_and_shows_it_to_the_drafter(demo, web):
    warning = draft(HUILAN)
    web("duty").post(reverse("warnings:warning_submit", args=[warning.pk]))
    leader = web("leader")
    response = leader.post(reverse("warnings:warning_reject", args=[warning.pk]), {"reason": " "}, follow=True)
    assert "请填写原因" in response.content.decode()
    assert fresh(warning).state == Warning.SUBMITTED
    leader.post(reverse("warnings:warning_reject", args=[warning.pk]), {"reason": "区域应包括石佛镇"})
    assert fresh(warning).state == Warning.DRAFT
    page = web("duty").get(warning.get_absolute_url()).content.decode()
    assert "退回原因：区域应包括石佛镇" in page


def test_a_step_the_user_may_not_take_is_refused_with_the_reason(demo, web):
    warning = draft(HUILAN)
    duty = web("duty")
    duty.post(reverse("warnings:warning_submit", args=[warning.pk]))
    response = duty.post(reverse("warnings:warning_review", args=[warning.pk]), follow=True)
    assert "审核人不能是拟稿人" in response.content.decode()
    assert fresh(warning).state == Warning.SUBMITTED


def test_detail_shows_area_map_targeting_chain_and_history(demo, web):
    warning = issue(HUILAN, TIANCHI, headline="两镇暴雨红色预警")
    leader = web("leader")
    update = publish(_followup(warning))
    response = leader.get(update.get_absolute_url())
    assert response.status_code == 200
    context = response.context
    features = context["map_config"]["areas"]["features"]
    assert features and all(f["properties"]["colour"] == "#d9342b" for f in features)
    assert {f["properties"].get("region") for f in features} >= {"回澜镇", "天池街道"}
    html = response.content.decode()
    assert 'data-testid="warning-chain"' in html and warning.identifier in html
    assert f'href="{warning.get_absolute_url()}"' in html  # the message it references, linked
    assert [m.pk for m in context["chain"]] == [warning.pk, update.pk]
    assert 'data-testid="people-reached"' in html and 'data-testid="warning-history"' in html
    assert "签发发布" in html or "发布更新" in html
    assert fresh(warning).state == Warning.SUPERSEDED


def _followup(warning):
    from yingji.warnings.services import lifecycle

    return lifecycle.draft_followup(person("duty"), warning, Warning.UPDATE, {"headline": "更新：两镇暴雨红色预警"})


def test_progress_json_counts_deliveries_per_channel(demo, web):
    warning = issue(HUILAN)
    Delivery.objects.bulk_create([Delivery(warning=warning, channel="sms", address=f"1380000000{i}",
                                           state=state) for i, state in enumerate(["queued", "sending", "sent",
                                                                                    "delivered", "failed"])])
    data = web("duty").get(reverse("warnings:warning_progress", args=[warning.pk])).json()
    sms = next(c for c in data["channels"] if c["channel"] == "sms")
    assert (sms["queued"], sms["sent"], sms["delivered"], sms["failed"], sms["total"]) == (2, 1, 1, 1, 5)
    assert data["running"] is True
    page = web("duty").get(warning.get_absolute_url()).content.decode()
    assert 'data-running="1"' in page and 'data-channel="sms"' in page
    assert web("township").get(reverse("warnings:warning_progress", args=[warning.pk])).status_code == 404


def test_cap_page_and_download(demo, web):
    warning = issue(HUILAN)
    duty = web("duty")
    page = duty.get(reverse("warnings:warning_cap", args=[warning.pk]))
    assert page.status_code == 200 and warning.identifier in page.content.decode()
    download = duty.get(reverse("warnings:warning_cap_download", args=[warning.pk]))
    assert download["Content-Type"].startswith("application/cap+xml")
    assert "attachment" in download["Content-Disposition"]
    assert download.content.decode() == warning.cap_xml
    unpublished = draft(HUILAN)
    response = duty.get(reverse("warnings:warning_cap_download", args=[unpublished.pk]), follow=True)
    assert "尚未生成 CAP 报文" in response.content.decode()


# --- The draft form -------------------------------------------------------------------------------------------------

def form_data(demo_regions, **overrides):
    data = {"event_code": "11B03", "level": "1", "headline": "乐至县暴雨红色预警", "description": "预计出现特大暴雨。",
            "instruction": "停止集会、停课停业。", "onset": "2030-06-01T08:00", "expires": "2030-06-01T20:00",
            "regions": [r.pk for r in demo_regions], "channels": ["sms"], "status": "Actual", "area_desc": ""}
    data.update(overrides)
    return data


def test_form_page_offers_the_townships_and_the_map(demo, web):
    response = web("duty").get(reverse("warnings:warning_add"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-area-editor' in html and "回澜镇" in html and "vendor/leaflet/draw/leaflet.draw.js" in html
    config = response.context["editor_config"]
    assert any(f["properties"]["name"] == "回澜镇" for f in config["regions"]["features"])
    assert web("township").get(reverse("warnings:warning_add")).context["tree"][0]["region"].name == "天池街道"


def test_form_saves_a_draft_for_two_townships_and_a_drawn_polygon(demo, web, region):
    polygon = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[105.0, 30.25], [105.05, 30.25], [105.05, 30.3], [105.0, 30.25]]]}},
        {"type": "Feature", "properties": {"radius_m": 2000}, "geometry": {"type": "Point",
                                                                           "coordinates": [105.1, 30.22]}}]}
    before = Warning.objects.count()
    response = web("duty").post(reverse("warnings:warning_add"), form_data(
        [region(HUILAN), region(TIANCHI)], shapes=json.dumps(polygon)))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Warning.objects.count() == before + 1
    warning = Warning.objects.latest("id")
    assert warning.state == Warning.DRAFT and warning.drafted_by.username == "duty"
    areas = list(warning.areas.order_by("id"))
    assert [sorted(r.name for r in areas[0].regions.all())] == [["回澜镇", "天池街道"]]
    assert areas[0].area_desc == "回澜镇、天池街道" or areas[0].area_desc == "天池街道、回澜镇"
    assert areas[1].polygon["type"] == "Polygon" and areas[2].circle_radius_km == 2.0


def test_form_names_each_problem_and_writes_nothing(demo, web, region):
    before = Warning.objects.count()
    crossing = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[105.0, 30.2], [105.1, 30.3], [105.1, 30.2], [105.0, 30.3],
                                            [105.0, 30.2]]]}}]}
    response = web("duty").post(reverse("warnings:warning_add"), form_data(
        [region(HUILAN)], expires="2030-06-01T07:00", shapes=json.dumps(crossing)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "失效时间应晚于生效时间" in html
    assert "自相交" in html
    assert Warning.objects.count() == before
    response = web("duty").post(reverse("warnings:warning_add"), form_data([], event_code="11B03", level="1"))
    assert "请至少指定一个预警区域" in response.content.decode()
    assert Warning.objects.count() == before


def test_township_cannot_pick_another_township(demo, web, region):
    response = web("township").post(reverse("warnings:warning_add"), form_data([region(HUILAN)]))
    assert response.status_code == 200  # 回澜镇 is not offered to 天池街道: the choice is refused
    assert response.context["form"].errors.get("regions")


def test_only_a_draft_can_be_edited(demo, web):
    warning = issue(SHIFO)
    response = web("duty").get(reverse("warnings:warning_edit", args=[warning.pk]), follow=True)
    assert "只有草稿可以编辑" in response.content.decode()


# --- One-map layer and duty board ----------------------------------------------------------------------------------

def test_one_map_layer_has_the_warnings_in_force_in_their_colour(demo, web):
    from yingji.warnings.services import lifecycle

    warning = issue(HUILAN, level=2, headline="橙色图层测试")
    layer = web("duty").get(reverse("warnings:warning_layer"), {"bbox": "104,29,106,31"}).json()
    mine = [f for f in layer["features"] if f["properties"]["name"] == "橙色图层测试"]
    assert mine and all(f["properties"]["level_colour"] == "orange" for f in mine)
    assert "people_reached" in mine[0]["properties"]
    lifecycle.cancel(person("leader"), warning, "雨势减弱")
    layer = web("duty").get(reverse("warnings:warning_layer")).json()
    assert not [f for f in layer["features"] if f["properties"]["name"] in ("橙色图层测试", "解除橙色图层测试")]


def test_duty_board_lists_warnings_in_force(demo, web):
    issue(HUILAN, headline="首页面板测试预警")
    html = web("duty").get("/").content.decode()
    assert 'data-testid="warning-panel"' in html and "首页面板测试预警" in html
    onemap = web("duty").get(reverse("web:onemap"))
    assert "warnings_active" in onemap.content.decode()


def test_form_fills_from_a_template_and_offers_only_the_levels_an_event_allows(demo, web):
    from yingji.warnings.models import WarningTemplate
    from yingji.warnings.services import lifecycle
    from yingji.warnings.services.checks import allowed_levels

    template = WarningTemplate.objects.filter(is_active=True, level__isnull=True).order_by("pk").first() \
        or WarningTemplate.objects.filter(is_active=True).order_by("pk").first()
    assert template is not None, "the demo has warning templates"
    duty = web("duty")
    response = duty.get(reverse("warnings:warning_add"), {"template": template.pk, "level": "2"})
    expected = lifecycle.template_values(template, person("duty").region, 2)
    form = response.context["form"]
    assert form.initial["headline"] == expected["headline"] and form.initial["event_code"] == template.event_code
    assert form.initial["instruction"] == expected["instruction"]
    restricted = response.context["restricted"]
    assert all(levels == list(allowed_levels(code)) and len(levels) < 4 for code, levels in restricted.items())
    assert 'id="restricted-levels"' in response.content.decode()
    # A level the event does not allow is refused by the service, named on the level field.
    code, levels = next(iter(restricted.items()), (None, None))
    if code is not None:
        refused = next(n for n in (1, 2, 3, 4) if n not in levels)
        before = Warning.objects.count()
        response = duty.post(reverse("warnings:warning_add"), form_data(
            [], event_code=code, level=str(refused), shapes="", regions=[person("duty").region.children.first().pk]))
        assert response.status_code == 200 and response.context["form"].errors.get("level")
        assert Warning.objects.count() == before
