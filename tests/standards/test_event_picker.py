"""The searchable event-type picker (issue 12: "the event-type select has ~370 options and no search"): pinyin
initials computed on the server, shipped on the select's options, the plain select kept for pages without
JavaScript, the script and styles served by the app (no CDN), on every form that picks one event type."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

from yingji.core.models import User
from yingji.incidents.forms import EventTypeSelect, IncidentForm
from yingji.standards import event_codes

STATIC = ("incidents/event_picker.js", "incidents/event_picker.css")


def test_initials_of_every_name_are_latin_letters():
    initials = event_codes.initials()
    assert set(initials) == set(event_codes.table())
    assert all(re.fullmatch(r"[a-z]+", value) for value in initials.values()), [
        (code, value) for code, value in initials.items() if not re.fullmatch(r"[a-z]+", value)]
    assert initials["11B03"] == "bysj"  # 暴雨事件
    assert initials["11G01"] == "jnslhzsj"  # 境内森林火灾事件
    assert initials["12G00"] == "hzsg"  # 火灾事故
    assert initials["12Q07"] == "dflfhqslsj"  # 盗伐、滥伐、哄抢森林事件: punctuation dropped


def test_search_finds_by_pinyin_initials_after_code_and_name():
    by = [c.code for c in event_codes.search("by")]
    assert "11B03" in by and "14A15" in by  # 暴雨事件, 暴狱事件
    assert "13D01" not in by  # 菌株、毒株、致病因子丢失事件 has b-y inside only: two letters match the start
    forest = [c.code for c in event_codes.search("slhz")]
    assert {"11G01", "11G02", "11G04"} <= set(forest)
    assert event_codes.search("11B")[0].code == "11B00"  # code prefix first, the 类 before its 细类
    assert event_codes.search("暴雨")[0].code == "11B03"
    assert event_codes.search("zzz") == []


def test_select_options_carry_name_level_and_initials(demo):
    form = IncidentForm(user=User.objects.get(username="duty"))
    assert isinstance(form.fields["event_code"].widget, EventTypeSelect)
    html = str(form["event_code"])
    assert re.search(r'<select name="event_code"[^>]*data-event-picker', html)
    assert len(re.findall(r"<option value=\"1", html)) == len(event_codes.table()) - 4  # 大类 are the groups
    assert '<optgroup label="自然灾害">' in html
    option = re.search(r'<option value="11G01"[^>]*>', html).group(0)
    assert 'data-py="jnslhzsj"' in option and 'data-name="境内森林火灾事件"' in option and 'data-level="细类"' in option
    assert 'data-level="类"' in re.search(r'<option value="11G00"[^>]*>', html).group(0)


def test_intake_page_serves_the_picker_from_the_app(web, demo):
    page = web("duty").get("/incidents/add/").content.decode()
    for name in STATIC:
        assert f"/static/{name}" in page
    assert "<select name=\"event_code\"" in page  # works without JavaScript
    inline = [tag for tag in re.findall(r"<script[^>]*>", page) if "src=" not in tag]
    assert all('type="application/json"' in tag for tag in inline), inline  # the CSP forbids inline scripts
    for name in STATIC:
        path = finders.find(name)
        assert path, name
        text = Path(path).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{name} fetches from outside (offline deployments)"


def test_public_inbox_verify_form_uses_the_picker(web, demo):
    from yingji.incidents.services.public import submit_public_report

    report = submit_public_report({"phone": "13900000000", "description": "回澜镇场镇有一处民房起火冒烟",
                                   "longitude": "105.118", "latitude": "30.226"}, None, "10.0.0.9")
    page = web("duty").get(f"/incidents/inbox/{report.pk}/").content.decode()
    assert re.search(r'<select name="event_code"[^>]*data-event-picker', page)
    assert "/static/incidents/event_picker.js" in page
