"""Public pages, no login (公众预警): the warnings in force (/public/warnings/, mobile-first, with a map), each
published message's CAP XML (/public/warnings/<identifier>.xml) and the areas in force as GeoJSON. The Atom feed
is ../feeds.py.

Only messages we published ourselves (source local, status Actual, scope Public) appear, as frozen at
publication (Warning.cap_xml): no draft, no imported message, no recipient or user name. A cancelled or expired
warning leaves the "in force" list and the GeoJSON at once; its CAP XML stays readable, as the Cancel's does."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from yingji.core.layers import allow_tiles, tile_settings
from yingji.core.models import Region
from yingji.standards import event_codes

from ..models import Warning
from ..services import delivery
from .common import current, geometry_of, level_info, local_time, warning_features, with_areas

CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8"


def public_messages():
    """Every message the public may read: ours, actual, public, published at some point (it has its XML)."""
    return (Warning.objects.filter(source=Warning.LOCAL, status="Actual", scope="Public")
            .exclude(identifier=None).exclude(cap_xml="").exclude(sent=None))


def public_current():
    return with_areas(current(public_messages()).select_related("region")).order_by("level", "-sent", "-id")


def area_text(warning) -> str:
    return "；".join(area.area_desc for area in warning.areas.all())


def _public_properties(warning, area) -> dict:
    info = level_info(warning.level)
    return {"identifier": warning.identifier, "headline": warning.headline, "title": warning.headline,
            "event": warning.event or _event_name(warning.event_code), "event_code": warning.event_code,
            "level": info["level"], "colour": info["hex"], "level_label": info["label"],
            "area_desc": area.area_desc, "sender": warning.sender_name,
            "sent": warning.sent.isoformat() if warning.sent else None,
            "onset": warning.onset.isoformat() if warning.onset else None,
            "expires": warning.expires.isoformat() if warning.expires else None,
            "cap_url": f"/public/warnings/{warning.identifier}.xml",
            "lines": [["级别", info["label"]], ["区域", area.area_desc], ["发布", local_time(warning.sent)],
                      ["失效", local_time(warning.expires) or "至解除"]]}


def _event_name(code: str) -> str:
    item = event_codes.table().get(code or "")
    return item.name if item else ""


def geojson_collection(circles_as_points=False) -> dict:
    features = warning_features(public_current(), _public_properties, circles_as_points=circles_as_points)
    return {"type": "FeatureCollection", "features": features}


def county_outlines(warnings) -> dict:
    """The outlines of the counties issuing the warnings in force (public geography), for bearings on the map
    when no base map is configured; the county of the first region without a parent when none is in force."""
    regions = {w.region for w in warnings}
    if not regions:
        regions = set(Region.objects.with_boundary().filter(level="county").exclude(boundary=None).order_by("pk")[:1])
    features = []
    for region in regions:
        geometry = geometry_of(region.boundary)
        if geometry is not None:
            features.append({"type": "Feature", "geometry": geometry, "properties": {"name": region.name}})
    return {"type": "FeatureCollection", "features": features}


def card_of(warning, ended: str = "") -> dict:
    return {"warning": warning, "level": level_info(warning.level), "area": area_text(warning), "ended": ended,
            "event": warning.event or _event_name(warning.event_code),
            "cap_url": f"/public/warnings/{warning.identifier}.xml"}


def ended_note(warning) -> str:
    """Why a published message is no longer in force, for its public page ("" while it is)."""
    if warning.msg_type == Warning.CANCEL:
        return "解除通知"
    if warning.state in Warning.ENDED_STATES:
        return warning.get_state_display()
    return "已过期" if warning.expires and warning.expires <= timezone.now() else ""


@cache_control(public=True, max_age=60)
def public_detail(request, identifier: str):
    """/public/warnings/<identifier>/: one published message as a page a phone reads (the link in the SMS); a
    cancelled or expired one stays readable, marked as such."""
    warning = get_object_or_404(with_areas(public_messages().select_related("region")), identifier=identifier)
    return render(request, "warnings/public_detail.html", {"c": card_of(warning, ended_note(warning)),
                                                           "title": warning.headline})


@csrf_exempt
@require_POST
def sms_reports(request):
    """/public/warnings/sms-reports/: the SMS gateway POSTs its delivery reports (状态报告) here, signed with
    YINGJI_SMS_SECRET; no login (the gateway has none), so nothing is accepted unsigned."""
    try:
        result = delivery.receive_sms_reports(request.body, request.headers)
    except delivery.ReportRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=403, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(result)


class PublicWarningsView(TemplateView):
    """/public/warnings/: the warnings in force, most severe first, each with its level, area, times and 防御指南,
    and a map of their areas in their colours."""

    template_name = "warnings/public_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warnings = list(public_current())
        cards = [card_of(w) for w in warnings]
        context.update(
            cards=cards, title="预警信息发布",
            map_config={"tiles": tile_settings(), "extent": None, "context": county_outlines(warnings),
                        "context_labels": False,
                        "areas": {"type": "FeatureCollection",
                                  "features": warning_features(warnings, _public_properties)}},
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Cache-Control"] = "public, max-age=60"
        return allow_tiles(response, context["map_config"]["tiles"]["url"])


@cache_control(public=True, max_age=60)
def cap_message(request, identifier: str):
    """/public/warnings/<identifier>.xml: the CAP 1.2 message exactly as published (Cancels included)."""
    warning = get_object_or_404(public_messages(), identifier=identifier)
    if not warning.cap_xml:
        raise Http404
    response = HttpResponse(warning.cap_xml, content_type=CAP_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{identifier}.xml"'
    return response


@cache_control(public=True, max_age=60)
def public_geojson(request):
    """/public/warnings/warnings.geojson: the areas in force (circles as 64-point polygons), one feature per
    drawn shape or region, with the warning's level colour, headline, times and CAP link."""
    response = JsonResponse(geojson_collection(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json; charset=utf-8"
    return response
