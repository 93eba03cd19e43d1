"""Database metrics of warnings for /metrics (core/metrics.py collects them at each scrape): the SMS gateway's
delivery-report callbacks (accepted and refused) and their reports (applied, repeated, unknown), as counted by
services/delivery.py in the callback's own transaction (exact across every web process)."""

from prometheus_client.core import CounterMetricFamily


def collect(now):
    from .models import SmsReportCount

    counts = dict(SmsReportCount.objects.values_list("kind", "count"))
    callbacks = CounterMetricFamily("yingji_sms_report_callbacks", "SMS gateway delivery-report callbacks, by "
                                    "outcome (refused: no secret set, bad signature, stale timestamp, not JSON).",
                                    labels=["outcome"])
    for outcome in ("accepted", "refused"):
        callbacks.add_metric([outcome], counts.get(outcome, 0))
    reports = CounterMetricFamily("yingji_sms_reports", "SMS delivery reports in accepted callbacks, by result "
                                  "(applied, repeated: already final, unknown: a message id we never sent).",
                                  labels=["result"])
    for result in ("applied", "repeated", "unknown"):
        reports.add_metric([result], counts.get(result, 0))
    yield from (callbacks, reports)
