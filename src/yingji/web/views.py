"""The home dashboard: who I am, my region, and the state of the data I am responsible for."""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Sum
from django.views.generic import TemplateView

from yingji.core.models import AuditEntry, Organisation, Region, User
from yingji.core.scoping import scope


def _dashboards():
    for config in apps.get_app_configs():
        if not config.name.startswith("yingji."):
            continue
        try:
            module = import_module(f"{config.name}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.dashboard":
                raise
            continue
        yield module


def dashboard_cards(user) -> list[dict]:
    """Every yingji app may have dashboard.cards(user); the home page shows them in app order."""
    return [card for module in _dashboards() for card in module.cards(user)]


def dashboard_panels(user) -> list[dict]:
    """…and dashboard.panels(user): larger blocks, each {"template", "context"} (rendered with `data`)."""
    return [panel for module in _dashboards() if hasattr(module, "panels") for panel in module.panels(user)]


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
            organisation_count=scope(Organisation.objects.all(), user).count(),
            organisation_types=scope(Organisation.objects.all(), user)
            .values("type").annotate(n=Count("id")).order_by("-n"),
            type_labels=dict(Organisation.TYPE_CHOICES),
            children=scope(Region.objects.filter(parent=home), user)
            .select_related("parent").order_by("code", "name") if home else [],
            population=scope(Region.objects.filter(parent=home), user).aggregate(p=Sum("population"))["p"]
            if home else None,
        )
        context["app_cards"] = dashboard_cards(user)
        context["app_panels"] = dashboard_panels(user)
        if user.has_perm("core.view_user"):
            context["user_count"] = scope(User.objects.all(), user).count()
        if user.has_perm("core.view_auditentry"):
            context["recent_audit"] = scope(AuditEntry.objects.all(), user)[:8]
        return context
