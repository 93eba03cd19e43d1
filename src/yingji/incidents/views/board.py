"""The command board (指挥调度台) of one incident: everything on one screen, refreshed every few seconds
without a reload, with the actions a commander takes (dispatch, arrival, tasks, notes, 续报) posted to
the API from the board itself."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.generic import DetailView

from yingji.core import roads
from yingji.core.generic import ScopedMixin
from yingji.core.layers import allow_tiles, tile_settings
from yingji.core.models import Region
from yingji.core.scoping import scope

from ..models import Assignment, Incident
from ..services import dispatch as dispatching
from ..services.dispatch import ORDER
from . import incidents as incident_views

REFRESH_SECONDS = 5


def board_context(incident, user) -> dict:
    """What the live part of the board shows (also the incident page's panels: reports and plans)."""
    assignments = list(incident.assignments.select_related("force", "vehicle").order_by("-active", "-assigned_at"))
    for a in assignments:
        a.next_steps = [(s, label) for s, label in Assignment.STATUS_CHOICES if ORDER.index(s) > ORDER.index(a.status)]
    context = {
        "incident": incident,
        "assignments": assignments,
        "candidates": dispatching.candidates(incident, user, limit=6) if incident.is_active else [],
        "road_network": roads.network() is not None,
        "timeline": incident.timeline.select_related("actor")[:25],
    }
    context.update(incident_views.panel_context(incident, user))
    return context


def board_map(incident, user) -> dict:
    """What board_map.js draws besides the live rows: the incident, township names for orientation on a
    map without tiles, the route API, and the road layer when a network is imported."""
    county = next((r for r in reversed(incident.region.ancestors(include_self=True)) if r.level == "county"), None)
    places = []
    if county is not None:
        townships = scope(Region.objects.filter(level="township", path__startswith=county.path), user)
        places = [[r.name, r.longitude, r.latitude] for r in townships.exclude(longitude=None)]
    return {"incident": [incident.longitude, incident.latitude], "title": incident.title, "tiles": tile_settings(),
            "places": places, "route_url": reverse("incident-route", args=[incident.pk]),
            "roads_url": reverse("web:onemap_roads") if roads.network() is not None else ""}


class BoardMixin(ScopedMixin):
    model = Incident

    def base_queryset(self):
        # Not the region's GeoJSON boundary: the live part is fetched every REFRESH_SECONDS by every board on screen.
        return Incident.objects.select_related("region", "duty_officer")


class BoardView(BoardMixin, DetailView):
    template_name = "incidents/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        incident = self.object
        context.update(board_context(incident, self.request.user), refresh_seconds=REFRESH_SECONDS,
                       live_url=reverse("incidents:incident_board_live", args=[incident.pk]))
        if incident.longitude is not None:
            context["board_map"] = board_map(incident, self.request.user)
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        return allow_tiles(response, context.get("board_map", {}).get("tiles", {}).get("url", ""))


class BoardLiveView(BoardMixin, DetailView):
    """The live part alone, fetched by board.js every REFRESH_SECONDS."""

    def get(self, request, *args, **kwargs):
        incident = self.get_object()
        html = render_to_string("incidents/_board_live.html", board_context(incident, request.user), request)
        return HttpResponse(html, headers={"Cache-Control": "no-store"})


urlpatterns = [
    path("incidents/<int:pk>/board/", BoardView.as_view(), name="incident_board"),
    path("incidents/<int:pk>/board/live/", BoardLiveView.as_view(), name="incident_board_live"),
]
