"""External CAP messages (a provincial feed, another county, the OASIS examples): parsed and validated by
standards.cap (hardened XML, the OASIS CAP 1.2 XSD, the profile checks, an XML signature verified or refused),
then stored read-only beside ours (source "imported"), with the XML exactly as received.

Signatures: a signed message must verify against a trusted certificate (YINGJI_CAP_TRUSTED_CERTIFICATES) or it
is refused with the reason; an unsigned one is refused too once trusted certificates are configured, unless
YINGJI_CAP_ALLOW_UNSIGNED says otherwise (settings explains the default).

A message whose identifier we hold already is refused (a feed polled twice stores nothing twice). An Update or
Cancel of a message we hold links to it and ends it, as ours do. The regions its <geocode>s name are linked when
we know them; other codes are kept as they came."""

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import require_region
from yingji.core.services import require_perm
from yingji.standards import cap, event_codes

from ..models import Warning, WarningArea
from .history import add_event

MAX_BYTES = 2 * 1024 * 1024


def _info(alert: cap.Alert) -> cap.Info | None:
    """The Chinese info block when there is one, else the first."""
    return next((i for i in alert.infos if (i.language or "").lower().startswith("zh")), None) or \
        (alert.infos[0] if alert.infos else None)


def _polygon(points) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in points]]}


def _areas(warning: Warning, info: cap.Info, actor):
    for area in info.areas if info else []:
        codes = [value for name, value in area.geocodes]
        known = list(Region.objects.filter(code__in=codes))
        known_codes = {r.code for r in known}
        shapes = [_polygon(p) for p in area.polygons] or [None]
        circles = area.circles or [None]
        for index, polygon in enumerate(shapes):
            circle = circles[index] if index < len(circles) else None
            row = WarningArea.objects.create(
                warning=warning, area_desc=area.desc[:255], polygon=polygon,
                circle_latitude=circle[0] if circle else None, circle_longitude=circle[1] if circle else None,
                circle_radius_km=circle[2] if circle else None,
                geocodes=[[n, v] for n, v in area.geocodes if v not in known_codes] if index == 0 else [])
            if index == 0:
                row.regions.set(known)
            trail = audit.diff({}, audit.snapshot(row))
            trail["regions"] = [None, sorted(known_codes)]
            audit.record(actor, AuditEntry.CREATE, row, trail)
        for circle in circles[len(shapes):]:
            if circle is None:
                continue
            row = WarningArea.objects.create(warning=warning, area_desc=area.desc[:255], circle_latitude=circle[0],
                                             circle_longitude=circle[1], circle_radius_km=circle[2])
            audit.record(actor, AuditEntry.CREATE, row, audit.diff({}, audit.snapshot(row)))


def _sender_code(identifier: str) -> str:
    try:
        return cap.parse_identifier(identifier).sender_code
    except ValueError:
        return ""


PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def trusted_certificates() -> list[bytes]:
    """The PEM certificates of the senders whose signed CAP messages we accept (YINGJI_CAP_TRUSTED_CERTIFICATES:
    a PEM file holding one or more certificates, e.g. the provincial 预警信息发布中心's); none configured: a signed
    message is refused, since its signature cannot be checked."""
    path = settings.YINGJI_CAP_TRUSTED_CERTIFICATES
    if not path:
        return []
    try:
        blocks = PEM_BLOCK.findall(Path(path).read_bytes())
    except OSError as exc:
        raise ValidationError({"cap_xml": [f"可信证书文件 {path} 无法读取（{exc.strerror}），无法校验签名。"]}) from None
    if not blocks:
        raise ValidationError({"cap_xml": [f"可信证书文件 {path} 中没有 PEM 格式的证书，无法校验签名。"]})
    return blocks


def unsigned_allowed() -> bool:
    """YINGJI_CAP_ALLOW_UNSIGNED, or when unset: only while no trusted certificate is configured (see settings)."""
    allowed = getattr(settings, "YINGJI_CAP_ALLOW_UNSIGNED", None)
    return not settings.YINGJI_CAP_TRUSTED_CERTIFICATES if allowed is None else bool(allowed)


def unsigned_refused() -> str:
    why = ("本系统已配置可信证书（YINGJI_CAP_TRUSTED_CERTIFICATES），只接收由其签名的消息"
           if settings.YINGJI_CAP_TRUSTED_CERTIFICATES else "本系统设置为只接收带签名的消息（YINGJI_CAP_ALLOW_UNSIGNED=0）")
    return (f"CAP 报文未带 XML 数字签名（<Signature>）：{why}，拒收。"
            "确需导入未签名的消息时，请由管理员设置 YINGJI_CAP_ALLOW_UNSIGNED=1。")


@transaction.atomic
def import_cap(actor, xml, region: Region | None = None, *, certificates=None) -> Warning:
    """Validate and store one external CAP message; a ValidationError on `cap_xml` lists every reason.
    A signed message is verified against `certificates` (default: the trusted ones from the settings); an
    unsigned one is taken only when unsigned_allowed()."""
    require_perm(actor, "warnings.add_warning")
    if certificates is None:
        certificates = trusted_certificates()
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    if len(data) > MAX_BYTES:
        raise ValidationError({"cap_xml": [f"CAP 文件过大（{len(data) // 1024} KB），上限 {MAX_BYTES // 1024 // 1024} MB。"]})
    try:
        alert = cap.parse(data, certificates=certificates)
    except cap.CapError as exc:
        raise ValidationError({"cap_xml": [f"CAP 报文未通过校验：{e}" for e in exc.errors]}) from None
    if not alert.signed and not unsigned_allowed():
        raise ValidationError({"cap_xml": [unsigned_refused()]})
    region = region or getattr(actor, "region", None)
    if region is None:
        raise ValidationError({"region": ["请选择接收该消息的区划。"]})
    require_region(actor, region)
    twin = Warning.objects.filter(identifier=alert.identifier).first()
    if twin is not None:
        raise ValidationError({"cap_xml": [f"消息“{alert.identifier}”已在系统中（{twin}），不重复导入。"]})
    info = _info(alert)
    code = (info.event_code or "") if info else ""
    try:
        event_name = event_codes.get(code).name if code else ""
    except ValueError:
        event_name = ""
    now = timezone.now()
    level = info.level if info and info.level else (cap.level_from_severity(info.severity) if info else None)
    previous = _previous(alert)
    ended = bool(info and info.expires and info.expires <= now)
    warning = Warning.objects.create(
        region=region, identifier=alert.identifier, sender_code=_sender_code(alert.identifier), sender=alert.sender,
        sender_name=(info.sender_name or "")[:128] if info else "", msg_type=alert.msg_type, status=alert.status,
        scope=alert.scope, references=previous, chain=previous.chain if previous else Warning().chain,
        references_text=" ".join(f"{r.sender},{r.identifier},{cap.format_time(r.sent)}" for r in alert.references)[:1000],
        event_code=code, event=(event_name or (info.event if info else ""))[:64], level=level,
        category=",".join(info.categories)[:16] if info else "", urgency=info.urgency or "" if info else "",
        severity=info.severity or "" if info else "", certainty=info.certainty or "" if info else "",
        headline=((info.headline or info.event) if info else alert.identifier)[:200],
        description=(info.description or "") if info else "", instruction=(info.instruction or "") if info else "",
        onset=(info.onset or info.effective or alert.sent) if info else alert.sent,
        expires=info.expires if info else None, sent=alert.sent, source=Warning.IMPORTED,
        state=Warning.EXPIRED if ended else Warning.PUBLISHED, ended_at=info.expires if ended else None,
        cap_xml=data.decode("utf-8", errors="replace"), channels=[])
    audit.record(actor, AuditEntry.CREATE, warning, audit.diff({}, audit.snapshot(warning)))
    _areas(warning, info, actor)
    add_event(warning, "imported", actor, note=f"来自 {alert.sender}" + ("（签名已验证）" if alert.signed else ""))
    if previous is not None and previous.state == Warning.PUBLISHED and alert.msg_type in ("Update", "Cancel"):
        state = Warning.CANCELLED if alert.msg_type == "Cancel" else Warning.SUPERSEDED
        before = {"state": previous.state}
        Warning.objects.filter(pk=previous.pk).update(state=state, ended_at=now, updated_at=now)
        add_event(previous, "cancelled" if state == Warning.CANCELLED else "superseded", actor,
                  note=f"由导入消息 {alert.identifier} {'解除' if state == Warning.CANCELLED else '更新'}",
                  changes={"state": [before["state"], state]})
    return warning


def _previous(alert: cap.Alert) -> Warning | None:
    """The latest message we hold among those the alert references."""
    identifiers = [r.identifier for r in alert.references]
    return Warning.objects.filter(identifier__in=identifiers).order_by("-sent", "-pk").first() if identifiers else None
