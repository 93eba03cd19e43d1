"""Database metrics of monitoring for /metrics (core/metrics.py collects them at each scrape): the ingest counters
the gateways keep (Gateway.accepted_count / rejected_count, maintained by services/ingest in the same transaction as
the readings, so they are exact across every consumer and web process) and recent refusals by channel."""

from datetime import timedelta

from django.db.models import Count, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily


def collect(now):
    from .models import Gateway, IngestRejection

    totals = Gateway.objects.aggregate(accepted=Sum("accepted_count"), rejected=Sum("rejected_count"))
    accepted = CounterMetricFamily("yingji_ingest_readings_accepted",
                                   "Readings stored from sensors of a gateway (MQTT and HTTP); rate() gives the "
                                   "ingest rate.")
    accepted.add_metric([], totals["accepted"] or 0)
    rejected = CounterMetricFamily("yingji_ingest_readings_rejected",
                                   "Readings refused from sensors of a gateway (MQTT and HTTP).")
    rejected.add_metric([], totals["rejected"] or 0)
    recent = GaugeMetricFamily("yingji_ingest_rejections_last_hour",
                               "Refused readings in the last hour by channel (unknown sensors included).",
                               labels=["channel"])
    counts = dict(IngestRejection.objects.filter(received_at__gte=now - timedelta(hours=1)).values_list("channel")
                  .annotate(n=Count("id")).order_by("channel").values_list("channel", "n"))
    for channel in ("mqtt", "http"):
        recent.add_metric([channel], counts.get(channel, 0))
    yield from (accepted, rejected, recent)
