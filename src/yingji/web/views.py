"""The home dashboard: who I am, my region, and the state of the data I am responsible for."""

import json

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Sum
from django.views.generic import TemplateView

from yingji.core.discovery import app_modules
from yingji.core.models import AuditEntry, Organisation, Region, User
from yingji.core.scoping import scope

from . import statistics

# Apps whose figures lead the home page: what needs attention now (active incidents, reports due, overdue tasks).
LEADING_APPS = ("yingji.incidents", "yingji.plans")
# The readiness panel reports on all of these registries, so it needs the right to view each.
READINESS_PERMISSIONS = ("resources.view_rescueforce", "resources.view_vehicle", "resources.view_reservenorm",
                         "resources.view_hydrant", "resources.view_shelter")


def _dashboards():
    names = sorted((config.name for config in apps.get_app_configs()),
                   key=lambda name: LEADING_APPS.index(name) if name in LEADING_APPS else len(LEADING_APPS))
    return app_modules("dashboard", names)


def dashboard_cards(user) -> list[dict]:
    """Every yingji app may have dashboard.cards(user); the home page shows them in app order, LEADING_APPS first."""
    return [card for module in _dashboards() for card in module.cards(user)]


def dashboard_panels(user) -> list[dict]:
    """…and dashboard.panels(user): larger blocks, each {"template", "context"} (rendered with `data`)."""
    return [panel for module in _dashboards() if hasattr(module, "panels") for panel in module.panels(user)]


def _json(data) -> str:
    """Chart data for a data-* attribute (the template escapes it; dashboard.js parses it)."""
    return json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))


def chart_context(user) -> dict:
    """The home-page charts the user may see: incidents over the last year, readiness by region."""
    context = {}
    if user.has_perm("incidents.view_incident"):
        monthly = statistics.monthly_counts(user)
        classes = statistics.class_counts(user)
        context.update(chart_monthly=_json(monthly), chart_classes=_json(classes), incident_total=monthly["total"],
                       chart_months=monthly["months"])
    if user.has_perms(READINESS_PERMISSIONS):
        readiness = statistics.readiness_by_region(user)
        context.update(readiness=readiness, chart_readiness=_json(readiness))
    return context


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "web/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        regions = scope(Region.objects.all(), user)
        home = user.region
        level_counts = dict(regions.values_list("level").annotate(n=Count("id")))
        context.update(
            home_region=home,
            level_counts=[(label, level_counts.get(level, 0)) for level, label in Region.LEVEL_CHOICES
                          if level_counts.get(level)],
            # The units of one's own area (those of the regions above are readable, not counted as ours).
            organisation_count=scope(Organisation.objects.all(), user, for_write=True).count(),
            organisation_types=scope(Organisation.objects.all(), user, for_write=True)
            .values("type").annotate(n=Count("id")).order_by("-n"),
            type_labels=dict(Organisation.TYPE_CHOICES),
            children=scope(Region.objects.filter(parent=home), user)
            .select_related("parent").order_by("code", "name") if home else [],
            population=scope(Region.objects.filter(parent=home), user).aggregate(p=Sum("population"))["p"]
            if home else None,
        )
        context["app_cards"] = dashboard_cards(user)
        context["app_panels"] = dashboard_panels(user)
        context.update(chart_context(user))
        if user.has_perm("core.view_user"):
            context["user_count"] = scope(User.objects.all(), user).count()
        if user.has_perm("core.view_auditentry"):
            context["recent_audit"] = scope(AuditEntry.objects.all(), user)[:8]
        return context
