"""Warnings made through the life-cycle services, for the page tests (test_views*, test_public*, test_feed*): a
draft by the duty officer, submitted, reviewed and signed by the leader, for townships of 乐至县."""

from datetime import timedelta

from django.utils import timezone

from yingji.core.models import Region, User
from yingji.warnings.models import Warning
from yingji.warnings.services import lifecycle

TIANCHI, HUILAN, SHIFO = "512022001", "512022102", "512022101"  # 天池街道, 回澜镇, 石佛镇


def person(username: str) -> User:
    return User.objects.get(username=username)


def draft(*codes, level=1, event="11B03", headline=None, hours=6, by="duty", polygon=None, status="Actual"):
    """A draft warning for the townships `codes` (and a drawn polygon), by `by`."""
    now = timezone.now()
    regions = [Region.objects.get(code=c) for c in codes]
    areas = []
    if regions:
        areas.append({"area_desc": "、".join(r.name for r in regions), "regions": regions})
    if polygon:
        areas.append({"area_desc": "绘制区域", "regions": [], "polygon": polygon})
    data = {"event_code": event, "level": level, "headline": headline or f"乐至县气象台发布暴雨{'红橙黄蓝'[level - 1]}色预警",
            "description": "预计未来 6 小时内将出现 100 毫米以上降雨。", "instruction": "转移低洼地带人员，停止户外作业。",
            "onset": now, "expires": now + timedelta(hours=hours), "channels": [], "status": status}
    return lifecycle.save_draft(person(by), Warning(), data, areas)


def publish(warning, *, by="duty", reviewer="leader", signer="leader", channels=()):
    lifecycle.submit(person(by), warning)
    lifecycle.review(person(reviewer), warning)
    return lifecycle.publish(person(signer), warning, channels=list(channels))


def issue(*codes, **kwargs) -> Warning:
    """A published warning for the townships `codes`."""
    channels = kwargs.pop("channels", ())
    return Warning.objects.get(pk=publish(draft(*codes, **kwargs), channels=channels).pk)


def fresh(warning) -> Warning:
    return Warning.objects.get(pk=warning.pk)
