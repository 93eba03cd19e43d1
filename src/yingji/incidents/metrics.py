"""Database metrics of incidents for /metrics (core/metrics.py collects them at each scrape)."""

from django.db.models import Count, Q
from prometheus_client.core import GaugeMetricFamily


def collect(now):
    """Information reports (首报/续报/终报) not yet issued, and those past their deadline, by kind."""
    from .models import InformationReport

    rows = (InformationReport.objects.filter(status__in=InformationReport.PENDING).values("kind")
            .annotate(pending=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))).order_by("kind"))
    found = {row["kind"]: row for row in rows}
    pending = GaugeMetricFamily("yingji_incident_reports_pending", "Information reports not yet issued, by kind.",
                                labels=["kind"])
    overdue = GaugeMetricFamily("yingji_incident_reports_overdue",
                                "Information reports past their deadline and not yet issued, by kind.", labels=["kind"])
    for kind, _label in InformationReport.KIND_CHOICES:  # every kind, 0 included: alerts need the series
        row = found.get(kind, {"pending": 0, "overdue": 0})
        pending.add_metric([kind], row["pending"])
        overdue.add_metric([kind], row["overdue"])
    yield from (pending, overdue)
