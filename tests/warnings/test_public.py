"""Public warning pages, no login: only our published, actual, public messages appear; a cancelled or expired one
leaves "in force" (the page and the GeoJSON) while its CAP XML stays readable; nothing internal leaks (no user or
recipient names, no drafts); bad identifiers are 404s."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yingji.warnings.models import Warning
from yingji.warnings.services import lifecycle

from .ui_helpers import HUILAN, TIANCHI, draft, fresh, issue, person

pytestmark = pytest.mark.django_db

PAGE, GEOJSON = "/public/warnings/", "/public/warnings/warnings.geojson"


def shown(client) -> set[str]:
    response = client.get(PAGE)
    assert response.status_code == 200
    return {card["warning"].identifier for card in response.context["cards"]}


def geojson_ids(client) -> set[str]:
    response = client.get(GEOJSON)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/geo+json")
    return {f["properties"]["identifier"] for f in response.json()["features"]}


def test_public_page_shows_published_warnings_without_login(demo):
    red = issue(HUILAN, TIANCHI, level=1, headline="公众页红色暴雨预警")
    unpublished = draft(HUILAN, headline="公众页不应出现的草稿")
    exercise = issue(HUILAN, headline="演练消息", status="Exercise")
    client = Client()
    response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200 and "公众页红色暴雨预警" in html
    assert "公众页不应出现的草稿" not in html and "演练消息" not in html
    assert red.identifier in shown(client) and exercise.identifier not in shown(client)
    assert unpublished.identifier is None
    assert 'class="wl wl-red"' in html and "转移低洼地带人员" in html  # level chip, 防御指南
    assert "回澜镇" in html and "天池街道" in html
    # Nothing internal: no user names, no recipients, no coverage counts.
    for secret in (person("duty").display_name, person("leader").display_name, "覆盖人数", "people_reached"):
        assert secret and secret not in html, secret
    assert "application/atom+xml" in html  # the feed is announced


def test_public_map_and_geojson_have_the_areas_in_their_colour(demo):
    warning = issue(HUILAN, level=2, headline="公众页橙色预警")
    client = Client()
    config = client.get(PAGE).context["map_config"]
    mine = [f for f in config["areas"]["features"] if f["properties"]["identifier"] == warning.identifier]
    assert mine and all(f["properties"]["colour"] == "#f28c28" for f in mine)
    data = client.get(GEOJSON).json()
    features = [f for f in data["features"] if f["properties"]["identifier"] == warning.identifier]
    assert features and features[0]["properties"]["cap_url"] == f"/public/warnings/{warning.identifier}.xml"
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon", "Point") for f in features)
    assert "people_reached" not in json_text(data) and "drafted_by" not in json_text(data)


def json_text(data) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


def test_cancel_removes_a_warning_from_in_force_but_keeps_its_cap(demo):
    warning = issue(HUILAN, headline="将被解除的预警")
    client = Client()
    assert warning.identifier in shown(client) and warning.identifier in geojson_ids(client)
    cancel = lifecycle.cancel(person("leader"), warning, "降雨减弱")
    assert fresh(warning).state == Warning.CANCELLED
    assert warning.identifier not in shown(client) and cancel.identifier not in shown(client)
    assert warning.identifier not in geojson_ids(client)
    for message in (warning, cancel):
        xml = client.get(f"/public/warnings/{message.identifier}.xml")
        assert xml.status_code == 200 and xml["Content-Type"].startswith("application/cap+xml")
    assert b"<msgType>Cancel</msgType>" in client.get(f"/public/warnings/{cancel.identifier}.xml").content


def test_an_expired_warning_leaves_in_force_at_its_expiry(demo):
    warning = issue(HUILAN, headline="将过期的预警", hours=1)
    client = Client()
    assert warning.identifier in shown(client)
    # An hour later: the expiry job may not have run yet; the public queries read `expires` themselves.
    Warning.objects.filter(pk=warning.pk).update(expires=timezone.now() - timedelta(seconds=1),
                                                 onset=timezone.now() - timedelta(hours=1))
    assert warning.identifier not in shown(client) and warning.identifier not in geojson_ids(client)
    lifecycle.expire_due()
    assert fresh(warning).state == Warning.EXPIRED
    assert warning.identifier not in shown(client)


def test_unknown_or_unpublished_identifiers_are_404(demo):
    client = Client()
    assert client.get("/public/warnings/512022000000000_20300101000000_0.xml").status_code == 404
    assert client.get("/public/warnings/..%2F..%2Fetc.xml").status_code == 404
    exercise = issue(HUILAN, status="Exercise")
    assert client.get(f"/public/warnings/{exercise.identifier}.xml").status_code == 404


def test_each_message_has_a_public_page_the_sms_links_to(demo):
    from yingji.warnings.services.delivery import message_of

    warning = issue(HUILAN, level=2, headline="公众详情页橙色预警")
    client = Client()
    page = client.get(f"/public/warnings/{warning.identifier}/")
    html = page.content.decode()
    assert page.status_code == 200 and "公众详情页橙色预警" in html and 'class="wl wl-orange"' in html
    assert 'data-testid="public-ended"' not in html
    assert message_of(warning).url == f"/public/warnings/{warning.identifier}/"  # the SMS link: a page, not XML
    assert f'href="/public/warnings/{warning.identifier}/"' in client.get(PAGE).content.decode()
    cancel = lifecycle.cancel(person("leader"), warning, "降雨减弱")
    assert "已解除" in client.get(f"/public/warnings/{warning.identifier}/").content.decode()
    assert "解除通知" in client.get(f"/public/warnings/{cancel.identifier}/").content.decode()
    draft_only = draft(HUILAN, headline="草稿不公开")
    assert client.get(f"/public/warnings/{draft_only.pk}/").status_code == 404
    assert client.get("/public/warnings/512022000000000_20300101000000_0/").status_code == 404
