"""The command board: its live part renders the incident's state and is scoped like the incident page."""

import pytest

from tests.dispatching import idle_candidate
from yingji.core.models import User
from yingji.incidents.services import dispatch

pytestmark = pytest.mark.django_db


def test_board_and_live_part(open_incident, web):
    incident = open_incident()
    client = web("duty")
    page = client.get(f"/incidents/{incident.pk}/board/").content.decode()
    assert 'data-testid="board-live"' in page and "首报" in page and "推荐力量" in page
    duty = User.objects.get(username="duty")
    dispatch.dispatch(duty, incident, idle_candidate(incident, duty).force)
    live = client.get(f"/incidents/{incident.pk}/board/live/")
    assert live["Cache-Control"] == "no-store"
    html = live.content.decode()
    assert "已派" in html and "调派" in html and "<html" not in html


def test_board_is_scoped(open_incident, web):
    incident = open_incident()  # 回澜镇
    assert web("township").get(f"/incidents/{incident.pk}/board/").status_code == 404
    assert web("township").get(f"/incidents/{incident.pk}/board/live/").status_code == 404
    assert web("township2").get(f"/incidents/{incident.pk}/board/live/").status_code == 200


def test_board_offers_signing_only_to_a_signer_with_the_confirmation(open_incident, web, settings):
    from yingji.incidents.models import InformationReport
    from yingji.incidents.services import report_workflow as workflow

    settings.YINGJI_NIGHT_SIGNERS = []  # whatever the hour, only the leader signs
    incident = open_incident()
    live = f"/incidents/{incident.pk}/board/live/"
    assert "编辑" in web("duty").get(live).content.decode()
    report = incident.reports.get(kind=InformationReport.INITIAL)
    report = workflow.submit_report(User.objects.get(username="duty"), report, {"measures": "已组织疏散。"})
    workflow.review_report(User.objects.get(username="commander"), report, True)
    assert 'data-body=\'{"confirm": true}\'' not in web("duty").get(live).content.decode()
    html = web("leader").get(live).content.decode()
    assert 'data-body=\'{"confirm": true}\'' in html and "不能撤回" in html


def test_board_poll_reads_no_region_boundary(open_incident, web):
    """The live part is fetched every 5 s by every board on screen: it must not read the regions' GeoJSON
    boundaries (a county's is ~20 KB) for the plans and reports it lists. The user's own region is read once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incident = open_incident()
    client = web("duty")
    url = f"/incidents/{incident.pk}/board/live/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_X_YINGJI_BACKGROUND="1")
    boundaries = [q["sql"][:120] for q in queries.captured_queries if '"core_region"."boundary"' in q["sql"]]
    assert response.status_code == 200 and "推荐力量" in response.content.decode()
    assert len(boundaries) <= 1, boundaries
