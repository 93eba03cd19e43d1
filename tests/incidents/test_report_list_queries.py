"""The information-report list costs the same number of queries for 5 reports as for 50: each row's state,
countdown, links, deliveries, 催报 and relay chain come from the page's own queries, not one per report."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from yingji.incidents.models import InformationReport
from yingji.incidents.services import reports as services

pytestmark = pytest.mark.django_db

MEASURES = {"measures": "县应急管理局值班领导带队赶赴现场，消防救援大队到场处置。"}
PAGE = 50  # ReportListView.paginate_by


def listed(client, tab: str) -> tuple[int, int, list[str]]:
    """(rows shown, queries, the SQL) of one page of the list."""
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("incidents:report_list"), {"status": tab})
    assert answer.status_code == 200
    return len(answer.context["rows"]), len(queries), [q["sql"] for q in queries.captured_queries]


def open_reports(open_incident, duty, count: int, *, issue: bool) -> None:
    for n in range(count):
        incident = open_incident(title=f"查询计数测试事件{n}")
        if issue:
            services.issue_report(duty, incident.reports.get(kind=InformationReport.INITIAL), MEASURES)


@pytest.mark.parametrize("tab, issue", [("due", False), ("issued", True)])
def test_queries_do_not_grow_with_the_reports(web, open_incident, duty, tab, issue):
    client = web("duty")
    client.get(reverse("incidents:report_list"), {"status": tab})  # session, permissions and caches warmed
    open_reports(open_incident, duty, 5, issue=issue)
    few_rows, few, _ = listed(client, tab)
    open_reports(open_incident, duty, PAGE - 5, issue=issue)
    many_rows, many, sql = listed(client, tab)
    assert many_rows == PAGE and few_rows < many_rows  # a full page against a short one
    assert many == few, "\n".join(sql)
