"""CAP glue: a Warning row ↔ standards.cap (the pure CAP 1.2 builder, validator and parser, GB/T 35965.1 profile).

`message_xml(warning)` builds the message a publication freezes in `cap_xml`; `require_valid(xml)` runs the OASIS
XSD and the profile checks and refuses (a ValidationError on the field) whatever fails, so an invalid message is
never published. Drawn polygons are GeoJSON [lon, lat] rings in the database and CAP "lat,lon" pairs in the XML;
the regions an area names go out as <geocode> GB/T 2260 (their codes)."""

from django.core.exceptions import ValidationError

from yingji.standards import cap

from ..models import Warning


def _bj(moment):
    """Beijing time (+08:00), as the profile requires of every time in the message."""
    return moment.astimezone(cap.BEIJING) if moment is not None else None


def _references(warning: Warning) -> list[cap.Reference]:
    """The earlier messages of the chain this Update or Cancel replaces (every published one before it, oldest
    first), as CAP `references` lists them."""
    if warning.references_id is None:
        return []
    earlier = (Warning.objects.filter(chain=warning.chain, identifier__isnull=False, sent__isnull=False)
               .exclude(pk=warning.pk).exclude(msg_type=Warning.CANCEL).order_by("sent", "pk"))
    found = [cap.Reference(w.sender, w.identifier, _bj(w.sent)) for w in earlier if w.sent <= warning.sent]
    referenced = warning.references
    if referenced.identifier and all(r.identifier != referenced.identifier for r in found):
        found.append(cap.Reference(referenced.sender, referenced.identifier, _bj(referenced.sent)))
    return found


def references_text(warning: Warning) -> str:
    """CAP <references> of an Update or Cancel: "sender,identifier,sent" entries, space-separated."""
    return " ".join(f"{r.sender},{r.identifier},{cap.format_time(r.sent)}" for r in _references(warning))


def _area(area) -> cap.Area:
    polygons = []
    if area.polygon:
        polygons.append([(float(lat), float(lon)) for lon, lat in area.polygon["coordinates"][0]])
    circles = []
    if area.circle_radius_km:
        circles.append((area.circle_latitude, area.circle_longitude, area.circle_radius_km))
    geocodes = [(cap.GEOCODE_NAME, region.code) for region in area.regions.all() if region.code]
    geocodes += [tuple(pair) for pair in area.geocodes or [] if isinstance(pair, list | tuple) and len(pair) == 2]
    return cap.Area(desc=area.area_desc, polygons=polygons, circles=circles, geocodes=geocodes)


def info_codes(warning: Warning) -> dict:
    """category, urgency, severity and certainty of our message, from its event and level (the profile's table)."""
    profile = cap.level_profile(warning.level)
    return {"category": cap.category_for(warning.event_code), "urgency": profile.urgency,
            "severity": profile.severity, "certainty": profile.certainty}


def to_alert(warning: Warning) -> cap.Alert:
    from .delivery import public_url

    info = cap.Info(
        event=warning.event or warning.event_code, categories=[warning.category or cap.category_for(warning.event_code)],
        level=warning.level, language=cap.LANGUAGE, event_codes=[(cap.EVENT_CODE_NAME, warning.event_code)],
        effective=_bj(warning.sent), onset=_bj(warning.onset), expires=_bj(warning.expires), sender_name=warning.sender_name or None,
        headline=warning.headline, description=warning.description, instruction=warning.instruction or None,
        web=public_url(warning) if public_url(warning).startswith("http") else None,
        areas=[_area(a) for a in warning.areas.prefetch_related("regions").order_by("id")])
    return cap.Alert(identifier=warning.identifier, sender=warning.sender, sent=_bj(warning.sent), status=warning.status,
                     msg_type=warning.msg_type, scope=warning.scope, references=_references(warning), infos=[info])


def message_xml(warning: Warning) -> str:
    """The CAP 1.2 XML of a message about to be published (identifier and sent assigned)."""
    try:
        return cap.build(to_alert(warning)).decode("utf-8")
    except cap.CapError as exc:
        raise ValidationError({"cap_xml": [f"CAP 报文不合规，未发布：{e}" for e in exc.errors]}) from None


def require_valid(xml, field: str = "cap_xml"):
    """Refuse a message that fails the OASIS CAP 1.2 XSD or the GB/T 35965.1 checks, naming every reason."""
    errors = cap.validate(xml.encode("utf-8") if isinstance(xml, str) else xml)
    if errors:
        raise ValidationError({field: [f"CAP 报文校验未通过：{e}" for e in errors]})
