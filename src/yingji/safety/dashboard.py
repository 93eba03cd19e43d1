"""What safety supervision puts on the home dashboard (collected by yingji.web): the inspector's board at a
glance — hazards (open, overdue, overdue 重大, 挂牌督办: services.hazards.board_cards), major hazard sources by
level and their assessment and 备案 to do, drawn enterprises still to inspect, licences expiring."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from yingji.core.scoping import scope

from .models import LEVELS, HazardUnit, Licence
from .services.hazards import board_cards
from .services.inspections import due_card


def _supervises(user) -> bool:
    """The supervisors and leaders see the board; the duty seat and townships already have theirs (the one-map
    still shows them the major hazard sources)."""
    return user.has_perm("safety.add_enterprise") or user.groups.filter(name="领导").exists()


def cards(user) -> list[dict]:
    if not _supervises(user):
        return []
    today = timezone.localdate()
    sources = scope(HazardUnit.objects.filter(is_major=True), user)
    by_level = dict(sources.values_list("level").annotate(n=Count("id")))
    states = [unit.register_state(today)[0] for unit in sources.only(
        "is_major", "level", "evaluated_on", "evaluated_level", "filed_on", "filing_number")]
    horizon = today + timedelta(days=settings.YINGJI_LICENCE_WARNING_DAYS)
    licences = scope(Licence.objects.filter(expires_on__lte=horizon), user)
    expired = licences.filter(expires_on__lt=today).count()
    expiring = licences.count() - expired
    due = due_card(user)
    return board_cards(user) + ([due] if due else []) + [
        {"label": "重大危险源（处）", "value": sum(by_level.values()), "url": reverse("safety:major_hazard_list"),
         "tone": "", "note": "，".join(f"{lv} {by_level[lv]}" for lv in LEVELS if by_level.get(lv)) or "无"},
        {"label": "重大危险源评估备案待办", "value": sum(state != "ok" for state in states),
         "note": f"未评估 {states.count('unassessed')}，待备案 {states.count('refile')}，应重新评估 {states.count('reassess')}",
         "url": reverse("safety:major_hazard_list"), "tone": "warn" if any(s != "ok" for s in states) else ""},
        {"label": "安全许可证到期预警", "value": expired + expiring,
         "note": f"已过期 {expired}，{settings.YINGJI_LICENCE_WARNING_DAYS} 天内到期 {expiring}",
         "url": reverse("safety:licence_list") + "?sort=expires_on", "tone": "warn" if expired or expiring else ""},
    ]
