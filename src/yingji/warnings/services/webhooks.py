"""The webhook register (Webhook 订阅): other systems that receive our published messages as signed JSON.

A subscriber belongs to a region (a county sees its own and its townships' subscribers, a township only its own),
has a URL (http or https only), a secret made here (shown once when made or renewed, masked afterwards: the
audit trail records only its last four characters) and what it wants: event types (GB/T 35561 codes, a 类 or
大类 covering its 细类), levels and regions. `subscribers_for(warning)` picks the active subscribers a published
message goes to; delivery.queue writes one Delivery per subscriber, sent with that subscriber's secret and
retried like every other delivery.

Subscribers are disabled, never deleted: their delivery records stay with them."""

import secrets
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Region
from yingji.core.services import save_scoped
from yingji.standards import event_codes as event_table

from ..models import Warning, WarningArea, WarningCoverage, WebhookSubscriber
from . import checks

SECRET_BYTES = 32


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def check_url(url: str) -> list[str]:
    """Why a subscriber URL is refused (empty: fine): only http(s) with a host; no spaces."""
    url = (url or "").strip()
    if not url:
        return ["请填写接收地址（URL）。"]
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = url.split("?")[0][:60]
        return [f"接收地址“{shown}”不是 http:// 或 https:// 开头的网址：Webhook 只能推送到 HTTP(S) 地址。"]
    if not parts.hostname or any(c.isspace() for c in url):
        return [f"接收地址“{url.split('?')[0][:60]}”不是有效的网址（缺少主机名或含空格）。"]
    if parts.username or parts.password:
        return ["接收地址中不要写用户名和密码：接收方以签名密钥校验推送。"]
    return []


def _codes(values) -> tuple[list[str], list[str]]:
    codes, errors = [], []
    for value in values or []:
        code = str(value).strip().upper()
        if not code:
            continue
        try:
            codes.append(event_table.get(code).code)
        except ValueError as exc:
            errors.append(f"事件类型：{exc}")
    return sorted(set(codes)), errors


def _levels(values) -> tuple[list[int], list[str]]:
    levels, errors = [], []
    for value in values or []:
        try:
            level = int(value)
        except (TypeError, ValueError):
            level = 0
        if level not in (1, 2, 3, 4):
            errors.append(f"预警级别“{value}”不正确：应为 1（红）、2（橙）、3（黄）或 4（蓝）。")
        else:
            levels.append(level)
    return sorted(set(levels)), errors


def check_subscriber(subscriber: WebhookSubscriber, regions: list[Region] | None) -> dict:
    """Every problem at once, each under its field."""
    errors: dict[str, list[str]] = {}
    subscriber.name = (subscriber.name or "").strip()
    if not subscriber.name:
        errors["name"] = ["请填写名称。"]
    subscriber.url = (subscriber.url or "").strip()
    if problems := check_url(subscriber.url):
        errors["url"] = problems
    subscriber.event_codes, problems = _codes(subscriber.event_codes)
    if problems:
        errors["event_codes"] = problems
    subscriber.levels, problems = _levels(subscriber.levels)
    if problems:
        errors["levels"] = problems
    home = subscriber.region if subscriber.region_id else None
    if home is not None and regions:
        outside = [r.name for r in regions if not r.path.startswith(home.path)]
        if outside:
            errors["regions"] = [f"关注区划“{'、'.join(outside)}”不在所属区划“{home.name}”范围内。"]
    if home is not None and subscriber.name and WebhookSubscriber.objects.filter(
            region=home, name=subscriber.name).exclude(pk=subscriber.pk).exists():
        errors.setdefault("name", []).append(f"“{home.name}”已有名为“{subscriber.name}”的订阅。")
    return errors


def _region_codes(regions) -> list[str]:
    return sorted(r.code or r.name for r in regions)


@transaction.atomic
def save_subscriber(actor, subscriber: WebhookSubscriber, data: dict) -> WebhookSubscriber:
    """Create or edit a subscriber (audited; the secret is made on creation and never written to the trail).
    After a creation `subscriber.secret` holds the secret to show once."""
    data = dict(data)
    regions = data.pop("regions", None)
    regions = list(regions) if regions is not None else None
    for key in ("secret", "secret_hint", "secret_set_at"):
        data.pop(key, None)
    if subscriber.pk is None:
        secret = new_secret()
        data.update(secret=secret, secret_hint=secret[-4:], secret_set_at=timezone.now())
    saved = save_scoped(actor, subscriber, data, validate=lambda s: checks.raise_if(check_subscriber(s, regions)))
    if regions is not None:
        before = _region_codes(saved.regions.all())
        saved.regions.set(regions)
        after = _region_codes(regions)
        if before != after:
            audit.record(actor, AuditEntry.UPDATE, saved, {"regions": [before, after]})
    return saved


@transaction.atomic
def renew_secret(actor, subscriber: WebhookSubscriber) -> str:
    """A new secret for the subscriber (the old one stops working at once); returns it to show once."""
    subscriber = WebhookSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    secret = new_secret()  # the trail shows the new hint and time, never the secret
    save_scoped(actor, subscriber, {"secret": secret, "secret_hint": secret[-4:], "secret_set_at": timezone.now()})
    return secret


def set_active(actor, subscriber: WebhookSubscriber, active: bool) -> WebhookSubscriber:
    return save_scoped(actor, subscriber, {"is_active": active})


# --- who gets a message ----------------------------------------------------------------------------------------

def _touched_paths(warning: Warning) -> set[str]:
    """The region paths a message reaches: its areas' regions and the townships its coverage reaches."""
    paths = set(WarningArea.regions.through.objects.filter(warningarea__warning=warning)
                .values_list("region__path", flat=True))
    paths |= set(WarningCoverage.objects.filter(warning=warning, reached__gt=0).values_list("township__path", flat=True))
    return paths


def wants(subscriber: WebhookSubscriber, warning: Warning, issuer_path: str, touched: set[str],
          watched: list[str]) -> bool:
    """Whether the subscriber asked for this message: its event type and level, and a watched region (default:
    the subscriber's own) that issued it, lies in its area, or contains a part of its area."""
    if subscriber.event_codes and not event_table.covers(subscriber.event_codes, warning.event_code or ""):
        return False
    if subscriber.levels and warning.level not in subscriber.levels:
        return False
    for path in watched or [subscriber.region.path]:
        if issuer_path.startswith(path) or any(t.startswith(path) or path.startswith(t) for t in touched):
            return True
    return False


def subscribers_for(warning: Warning) -> list[WebhookSubscriber]:
    """The active subscribers a published message goes to (a register of dozens: checked in Python): those that
    want it, and those that received an earlier message of its chain — an Update or Cancel reaches whoever got
    the Alert, even when it no longer matches their filters (a red warning downgraded to orange)."""
    from ..models import Delivery

    touched = _touched_paths(warning)
    issuer = warning.region.path
    earlier = set(Delivery.objects.filter(warning__chain=warning.chain, subscriber__isnull=False)
                  .exclude(warning=warning).values_list("subscriber_id", flat=True))
    chosen = []
    for subscriber in (WebhookSubscriber.objects.filter(is_active=True).select_related("region")
                       .prefetch_related("regions")):
        if subscriber.pk in earlier or wants(subscriber, warning, issuer, touched,
                                              [r.path for r in subscriber.regions.all()]):
            chosen.append(subscriber)
    return chosen

