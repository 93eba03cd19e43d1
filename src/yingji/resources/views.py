"""Pages of the resources registries, on the generic scoped views of the core app."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView

from yingji.core.views import ObjectDeleteView, ObjectExportView, ObjectFormView, ObjectListView, ScopedMixin

from . import services
from .api import filter_forces
from .forms import ForceForm, ForceStatusForm
from .models import RescueForce


class ForceListView(ObjectListView):
    model = RescueForce
    title = "救援队伍"
    search_fields = ["name", "address", "contact_person"]
    filters = [("type", "类型", RescueForce.TYPE_CHOICES), ("status", "战备状态", RescueForce.STATUS_CHOICES)]
    columns = [("name", "名称"), ("type_label", "类型"), ("region.name", "所属区划"), ("status", "战备状态"),
               ("members_on_duty", "在岗（人）"), ("members_total", "总数（人）"), ("duty_phone", "值班电话")]
    orderings = {"name": "name", "type": "type", "status": "status", "members_on_duty": "-members_on_duty"}
    add_url_name = "resources:force_add"
    export_url_name = "resources:force_export"
    sheet = "forces"

    def base_queryset(self):
        return filter_forces(RescueForce.objects.select_related("region"), self.request.GET)


class ForceExportView(ObjectExportView, ForceListView):
    pass


class ForceDetailView(ScopedMixin, DetailView):
    model = RescueForce
    template_name = "resources/force_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = self.object.status_changes.select_related("actor")[:50]
        context["status_form"] = ForceStatusForm(initial={"members_on_duty": self.object.members_on_duty})
        return context


class ForceFormView(ObjectFormView):
    model = RescueForce
    form_class = ForceForm
    service = staticmethod(services.save_force)
    success_url_name = "resources:force_detail"


class ForceDeleteView(ObjectDeleteView):
    model = RescueForce
    service = staticmethod(services.delete_force)
    success_url_name = "resources:force_list"


class ForceStatusView(ScopedMixin, FormView):
    model = RescueForce
    form_class = ForceStatusForm
    http_method_names = ["post"]

    def get_permission_required(self):
        return ["resources.change_rescueforce"]

    def form_valid(self, form):
        force = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        try:
            services.change_force_status(self.request.user, force, form.cleaned_data["status"],
                                         form.cleaned_data["reason"], form.cleaned_data["members_on_duty"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(self.request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(self.request, "战备状态已更新。")
        return redirect(force.get_absolute_url())

    def form_invalid(self, form):
        force = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        messages.error(self.request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(force.get_absolute_url())
