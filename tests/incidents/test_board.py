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
