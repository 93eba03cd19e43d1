"""Delivery glue: Delivery rows ↔ the channels (warnings/channels, pure).

On publication `queue` writes one Delivery per (channel, address) the targeting reached — SMS to each distinct
mobile number, e-mail to each address, a play (or, for a Cancel, a stop) command to each loudspeaker terminal,
and the signed JSON to each webhook subscriber — inside the publication's transaction, and `schedule` hands the
send to the background task once it commits (tasks.send_deliveries; inline in tests).

`send` takes the queued rows of one warning channel by channel in batches: marks them sending, calls
channels.deliver (retries with backoff inside), and writes each outcome back (sent with the receipt, or failed
with the reason). A channel with no settings fails its rows with the reason, so the page shows why nothing went.
Progress is the count of rows per state (`progress`), which the warning's page polls."""

import logging
import os
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .. import channels
from ..models import Delivery, LoudspeakerTerminal, Recipient, SmsReportCount, Warning, WebhookSubscriber

CHANNEL_LABELS = dict(Delivery.CHANNEL_CHOICES)
BATCH = 500  # addresses per channel call: an SMS gateway batch, an SMTP session, one MQTT round of acks
INSERT_BATCH = 2000
REPEATS = {1: 3, 2: 3, 3: 2, 4: 2}  # times a loudspeaker plays the text, by level (red and orange: three)
SMS_MAX = 480
log = logging.getLogger("yingji.warnings")
RETRY_LATER_S = 300  # a retryable failure left over after deliver()'s own retries is tried again this much later
MAX_ATTEMPTS = 12  # …until it has had this many attempts in all (four sends of three), or the warning expired


def _mobile(phone: str) -> str | None:
    return channels.normalise_phone(phone) if phone else None


def queue(warning: Warning, reach, chosen) -> dict[str, int]:
    """One Delivery per address of the chosen channels; {channel: count}."""
    now, rows = timezone.now(), []
    if "sms" in chosen or "email" in chosen:
        reached = set(reach.recipient_ids.tolist())
        people = [p for p in Recipient.objects.filter(region_id__in=_regions(warning)).filter(is_active=True)
                  .values_list("id", "phone", "email") if p[0] in reached]
        if "sms" in chosen:
            seen = set()
            for pk, phone, _ in people:
                number = _mobile(phone)
                if number and number not in seen:
                    seen.add(number)
                    rows.append(Delivery(warning=warning, channel=Delivery.SMS, recipient_id=pk, address=number,
                                         queued_at=now))
        if "email" in chosen:
            seen = set()
            for pk, _, email in people:
                if email and email.lower() not in seen:
                    seen.add(email.lower())
                    rows.append(Delivery(warning=warning, channel=Delivery.EMAIL, recipient_id=pk, address=email,
                                         queued_at=now))
    if "loudspeaker" in chosen:
        for pk, code in LoudspeakerTerminal.objects.filter(pk__in=reach.terminal_ids.tolist()).values_list("id", "code"):
            rows.append(Delivery(warning=warning, channel=Delivery.LOUDSPEAKER, terminal_id=pk, address=code,
                                 queued_at=now))
    if "webhook" in chosen:
        from .webhooks import subscribers_for

        for url in settings.YINGJI_WARNING_WEBHOOK_URLS:  # the settings' subscribers (YINGJI_WEBHOOK_SECRET)
            rows.append(Delivery(warning=warning, channel=Delivery.WEBHOOK, address=url, queued_at=now))
        for subscriber in subscribers_for(warning):  # the register's, each signed with its own secret
            rows.append(Delivery(warning=warning, channel=Delivery.WEBHOOK, subscriber=subscriber,
                                 address=subscriber.url, queued_at=now))
    Delivery.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.channel] = counts.get(row.channel, 0) + 1
    return counts


def _regions(warning: Warning):
    from yingji.core.models import Region

    return Region.objects.filter(path__startswith=warning.region.path).values("id")


def schedule(warning: Warning):
    """Send after the publication commits (never a message for a publication that rolled back)."""
    from ..tasks import send_deliveries

    pk = warning.pk
    transaction.on_commit(lambda: send_deliveries.enqueue(pk))


# --- sending ----------------------------------------------------------------------------------------------------

def channel_configs() -> dict[str, dict]:
    configs = channels.config_from_env(os.environ)
    for name, override in (getattr(settings, "YINGJI_WARNING_CHANNELS", None) or {}).items():
        configs[name] = {**configs.get(name, {}), **override}
    return configs


def public_url(warning: Warning) -> str:
    """The message's public page (what a phone opens from the SMS), absolute when YINGJI_WARNING_PUBLIC_URL is set."""
    return f"{settings.YINGJI_WARNING_PUBLIC_URL}/public/warnings/{warning.identifier}/"


def message_of(warning: Warning) -> channels.Message:
    """What the channels send, from the published message."""
    colour = channels.base.LEVEL_COLOURS.get(warning.level or 4, "")
    url = public_url(warning)
    cancel = warning.msg_type == Warning.CANCEL
    sender = warning.sender_name or warning.region.name
    text = f"【{sender}】{warning.headline}：{warning.description}"
    if len(text) > SMS_MAX:
        text = text[:SMS_MAX - len(url) - 6] + f"…详见 {url}"
    body = warning.description + ("" if cancel or not warning.instruction else f"\n\n防御指南：\n{warning.instruction}")
    tts = f"{warning.headline}。{warning.description}" + ("" if cancel or not warning.instruction
                                                          else f"。防御指南：{warning.instruction}")
    return channels.Message(identifier=warning.identifier, msg_type=warning.msg_type, event=warning.event,
                            level=warning.level or 4, colour=colour, headline=warning.headline, sms_text=text,
                            body=f"{body}\n\n{url}", tts_text=tts, repeat=1 if cancel else REPEATS[warning.level or 4],
                            cap_xml=warning.cap_xml.encode("utf-8"), url=url)


def _retry_at(outcome, row: Delivery, warning: Warning, now):
    """When to try a failed delivery again, or None when it has failed for good: not retryable, attempts used up,
    or no earlier than the warning's expiry (a warning nobody may read any more is not sent)."""
    if not outcome.retryable or row.attempts >= MAX_ATTEMPTS:
        return None
    at = now + timedelta(seconds=max(RETRY_LATER_S, outcome.retry_after_s or 0))
    return at if warning.expires is None or at < warning.expires else None


def _write_outcomes(warning: Warning, by_id: dict, outcomes, now):
    rows = []
    for outcome in outcomes:
        row = by_id.get(outcome.delivery_id)
        if row is None:
            continue
        row.attempts += outcome.attempts
        row.retry_at = None
        if outcome.ok:
            row.state, row.receipt, row.error, row.sent_at = Delivery.SENT, (outcome.receipt or "")[:255], "", now
        elif (retry_at := _retry_at(outcome, row, warning, now)) is not None:
            row.state, row.retry_at = Delivery.QUEUED, retry_at
            row.error = f"{outcome.error or '发送失败'}（将于 {timezone.localtime(retry_at):%H:%M} 重试）"[:500]
        else:
            row.state, row.error = Delivery.FAILED, (outcome.error or "发送失败")[:500]
        rows.append(row)
    Delivery.objects.bulk_update(rows, ["state", "attempts", "receipt", "error", "sent_at", "retry_at"],
                                 batch_size=INSERT_BATCH)


def _due(warning: Warning, channel: str, now):
    return Delivery.objects.filter(Q(retry_at=None) | Q(retry_at__lte=now), warning=warning, channel=channel,
                                   state=Delivery.QUEUED)


def _claim(warning: Warning, channel: str) -> list[Delivery]:
    """The next batch of queued rows of the channel, marked sending in the same transaction (two workers never
    send the same row)."""
    with transaction.atomic():
        batch = list(_due(warning, channel, timezone.now()).select_for_update(skip_locked=True).order_by("id")[:BATCH])
        Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(state=Delivery.SENDING)
    return batch


def send(warning_id: int, *, sleep=None) -> dict[str, dict[str, int]]:
    """Send every queued delivery of the warning; returns progress(). Safe to run twice: only queued rows go."""
    warning = Warning.objects.select_related("region").get(pk=warning_id)
    message = message_of(warning)
    configs = channel_configs()
    for name in Delivery.CHANNELS:
        if not _due(warning, name, timezone.now()).exists():
            continue
        channel = channels.build(name, configs.get(name))
        while batch := _claim(warning, name):
            now = timezone.now()
            if name == Delivery.WEBHOOK:
                channel = _webhook_channel(configs.get(name), batch)
            if not channel.configured():
                reason = f"{channel.label}渠道未配置（{'、'.join(channels.env_names(name)[:2])} 等），未发送"
                outcomes = [channels.Outcome(d.pk, False, error=reason, attempts=0) for d in batch]
            else:
                addresses = [channels.Address(d.pk, d.address) for d in batch]
                extra = {"sleep": sleep} if sleep is not None else {}
                outcomes = channels.deliver(channel, message, addresses, **extra)
            _write_outcomes(warning, {d.pk: d for d in batch}, outcomes, now)
    _schedule_retries(warning)
    _mark_terminals(warning)
    counts = progress(warning)
    _record_summary(warning, counts)
    return counts


def _webhook_channel(config: dict | None, batch: list[Delivery]):
    """The webhook channel for a batch: each registered subscriber's delivery signed with its own secret."""
    secrets = dict(WebhookSubscriber.objects.filter(pk__in={d.subscriber_id for d in batch if d.subscriber_id})
                   .values_list("pk", "secret"))
    own = {d.pk: secrets[d.subscriber_id] for d in batch if d.subscriber_id in secrets}
    return channels.build("webhook", {**(config or {}), "delivery_secrets": own})


def _schedule_retries(warning: Warning):
    """Queue the next send for the earliest retry (on a backend that can defer: the worker's database queue; in
    tests and `yingji warnings send` the caller sends again)."""
    from ..tasks import send_deliveries

    first = (Delivery.objects.filter(warning=warning, state=Delivery.QUEUED).exclude(retry_at=None)
             .order_by("retry_at").values_list("retry_at", flat=True).first())
    if first is not None and getattr(send_deliveries.get_backend(), "supports_defer", False):
        send_deliveries.using(run_after=first).enqueue(warning.pk)


def _mark_terminals(warning: Warning):
    acknowledged = Delivery.objects.filter(warning=warning, channel=Delivery.LOUDSPEAKER, state=Delivery.SENT)
    LoudspeakerTerminal.objects.filter(pk__in=acknowledged.values("terminal_id")).update(last_ack_at=timezone.now())


def _record_summary(warning: Warning, counts):
    from .history import add_event

    parts = []
    for name, states in counts.items():
        done = states.get(Delivery.SENT, 0) + states.get(Delivery.DELIVERED, 0)
        parts.append(f"{CHANNEL_LABELS[name]}成功 {done}/{sum(states.values())}")
    if parts:
        with transaction.atomic():
            add_event(warning, "delivered", None, note="；".join(parts))


def progress(warning: Warning) -> dict[str, dict[str, int]]:
    """{channel: {state: count}} of the warning's deliveries (one grouped query on the (warning, channel, state)
    index): what the page polls while a send runs."""
    counts: dict[str, dict[str, int]] = {}
    for row in (Delivery.objects.filter(warning=warning).values("channel", "state").annotate(n=Count("id"))
                .order_by()):
        counts.setdefault(row["channel"], {})[row["state"]] = row["n"]
    return counts


class ReportRefused(Exception):
    """A delivery-report callback that is not accepted (no secret configured, bad signature, bad body)."""


def count_reports(kind: str, n: int = 1, note: str = ""):
    """Add n to a SmsReportCount counter (one UPDATE; the row is made on first use)."""
    if n <= 0:
        return
    now, note = timezone.now(), note[:255]
    rows = SmsReportCount.objects.filter(kind=kind)
    if rows.update(count=F("count") + n, last_at=now, last_note=note):
        return
    try:
        with transaction.atomic():
            SmsReportCount.objects.create(kind=kind, count=n, last_at=now, last_note=note)
    except IntegrityError:  # made meanwhile by another callback
        rows.update(count=F("count") + n, last_at=now, last_note=note)


def _refuse(reason: str):
    log.warning("SMS delivery-report callback refused: %s", reason)
    count_reports("refused", 1, reason)
    raise ReportRefused(reason)


def receive_sms_reports(body: bytes, headers) -> dict:
    """The SMS gateway's delivery-report callback: checked against YINGJI_SMS_SECRET (a callback anyone could
    forge is refused while no secret is set), then the whole batch applied in one transaction. Refused callbacks
    and unknown, repeated and applied reports are counted (SmsReportCount). Returns {"received", "applied",
    "repeated", "unknown"}; raises ReportRefused with the Chinese reason."""
    config = channel_configs().get("sms", {})
    if not config.get("secret"):
        _refuse("未配置短信状态报告密钥（YINGJI_SMS_SECRET），不接收状态报告。")
    channel = channels.build("sms", config)

    def lookup(receipts):
        return dict(Delivery.objects.filter(channel="sms", receipt__in=set(receipts)).values_list("receipt", "pk"))

    try:
        reports = channel.read_reports(body, headers, lookup)
    except ValueError as exc:
        _refuse(str(exc))
    with transaction.atomic():
        applied, repeated = apply_reports(reports)
        unknown = sum(1 for r in reports if r.delivery_id is None)
        count_reports("accepted")
        count_reports("applied", applied)
        count_reports("repeated", repeated)
        count_reports("unknown", unknown, "、".join(r.receipt for r in reports if r.delivery_id is None)[:200])
    return {"received": len(reports), "applied": applied, "repeated": repeated, "unknown": unknown}


def _report_time(report, now):
    """The outcome's time: the gateway's when it gives one that is not in the future, else now."""
    if report.at is None:
        return now
    at = datetime.fromtimestamp(report.at, tz=UTC)
    return at if at <= now + timedelta(minutes=5) else now


def apply_reports(reports) -> tuple[int, int]:
    """Delivery reports a gateway POSTs back later (SMS 状态报告): sent → delivered (with its time), or failed with
    the detail; the gateway's status code and the time are kept on the delivery. A delivery already delivered or
    failed is left as it is (a repeated report changes nothing). Returns (applied, repeated)."""
    now = timezone.now()
    ids = {r.delivery_id for r in reports if r.delivery_id is not None}
    open_rows = {d.pk: d for d in Delivery.objects.select_for_update()
                 .filter(pk__in=ids, state__in=(Delivery.SENT, Delivery.SENDING))}
    changed, repeated = [], 0
    for report in reports:
        if report.delivery_id is None:
            continue
        row = open_rows.pop(report.delivery_id, None)
        if row is None:  # final already (an earlier callback, or earlier in this one)
            repeated += 1
            continue
        at = _report_time(report, now)
        row.report_status, row.reported_at = report.status, at
        if report.state == "delivered":
            row.state, row.delivered_at = Delivery.DELIVERED, at
        else:
            row.state, row.error = Delivery.FAILED, (report.detail or "对方回报未送达")[:500]
        changed.append(row)
    Delivery.objects.bulk_update(changed, ["state", "delivered_at", "error", "report_status", "reported_at"],
                                 batch_size=INSERT_BATCH)
    return len(changed), repeated


def report_counts(warning: Warning) -> dict | None:
    """The SMS deliveries' receipts (状态报告) of a warning, one grouped query: delivered and failed by report,
    sent still awaiting one; None when the warning has no SMS deliveries."""
    rows = (Delivery.objects.filter(warning=warning, channel=Delivery.SMS).values("state")
            .annotate(n=Count("id"), reported=Count("id", filter=Q(reported_at__isnull=False))).order_by())
    by_state = {r["state"]: r for r in rows}
    if not by_state:
        return None
    last = (Delivery.objects.filter(warning=warning, channel=Delivery.SMS).exclude(reported_at=None)
            .order_by("-reported_at").values_list("reported_at", flat=True).first())
    return {"delivered": by_state.get(Delivery.DELIVERED, {}).get("reported", 0),
            "failed": by_state.get(Delivery.FAILED, {}).get("reported", 0),
            "awaiting": by_state.get(Delivery.SENT, {}).get("n", 0), "last": last}
