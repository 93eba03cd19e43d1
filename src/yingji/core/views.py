"""Web pages of the core app: regions, organisations, contacts, users, the audit trail, imports."""


from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, FormView, TemplateView

from yingji.standards import coordinates

from . import audit, filtersets, services
from .forms import ContactForm, GDPForm, OrganisationForm, RegionForm, UserForm
from .generic import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    _add_errors,
    _xlsx,
)
from .imports import SHEETS, RowError, errors_xlsx, run_import, template_xlsx
from .models import AuditEntry, Contact, Organisation, Region, User
from .scoping import scope

# --- Regions ----------------------------------------------------------------

LEVEL_FILTER = ("level", "级别", Region.LEVEL_CHOICES)


class RegionListView(ObjectListView):
    model = Region
    title = "行政区划"
    search_fields = ["name", "code"]
    filterset_class = filtersets.RegionFilterSet
    filters = [LEVEL_FILTER, ("kind", "类型", Region.KIND_CHOICES)]
    columns = [("name", "名称"), ("code", "区划代码"), ("level", "级别"), ("parent.name", "上级"),
               ("population", "常住人口（人）"), ("area_km2", "面积（km²）"), ("approximate", "坐标为估计值")]
    orderings = {"code": "code", "name": "name", "population": "-population"}
    add_url_name = "core:region_add"
    export_url_name = "core:region_export"
    sheet = "regions"

    def base_queryset(self):
        return Region.objects.select_related("parent")


class RegionExportView(ObjectExportView, RegionListView):
    pass


class RegionDetailView(ScopedMixin, DetailView):
    model = Region
    template_name = "core/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        children = scope(region.children.all(), self.request.user).annotate(n_children=Count("children"))
        context.update(
            children=children,
            gdp=region.gdp.all(),
            gdp_form=GDPForm(),
            organisations=scope(region.organisations.all(), self.request.user),
            ancestors=[a for a in region.ancestors() if self.request.user.is_superuser
                       or a.is_within(self.request.user.region)],
        )
        return context


class RegionGDPView(ObjectActionView):
    """Record or correct one year's GDP of a region (POST from the region page)."""

    model = Region
    form_class = GDPForm
    permission = "core.change_regiongdp"

    def act(self, region, data):
        entry = services.set_region_gdp(self.request.user, region, data["year"], data["gdp_wan"])
        return f"已保存{entry}地区生产总值。"


class RegionFormView(ObjectFormView):
    model = Region
    form_class = RegionForm
    service = staticmethod(services.save_region)
    success_url_name = "core:region_detail"

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("parent"):
            initial["parent"] = self.request.GET["parent"]
        return initial

    def service_kwargs(self, form):
        return {"allow_outside_china": form.cleaned_data.get("allow_outside_china", False)}


class RegionDeleteView(ObjectDeleteView):
    model = Region
    service = staticmethod(services.delete_region)
    success_url_name = "core:region_list"


# --- Organisations ----------------------------------------------------------

class OrganisationListView(ObjectListView):
    model = Organisation
    title = "单位"
    search_fields = ["name", "short_name", "duties", "address"]
    filterset_class = filtersets.OrganisationFilterSet
    filters = [("type", "类型", Organisation.TYPE_CHOICES)]
    columns = [("name", "名称"), ("type", "类型"), ("region.name", "所属区划"), ("parent.name", "上级单位"),
               ("contact_person", "联系人"), ("phone", "联系电话")]
    orderings = {"name": "name", "type": "type", "region": "region__path"}
    add_url_name = "core:organisation_add"
    export_url_name = "core:organisation_export"
    sheet = "organisations"

    def base_queryset(self):
        return Organisation.objects.select_related("region", "parent")


class OrganisationExportView(ObjectExportView, OrganisationListView):
    pass


class OrganisationDetailView(ScopedMixin, DetailView):
    model = Organisation
    template_name = "core/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["children"] = scope(self.object.children.all(), self.request.user)
        context["users"] = scope(self.object.users.all(), self.request.user)
        return context


class OrganisationFormView(ObjectFormView):
    model = Organisation
    form_class = OrganisationForm
    service = staticmethod(services.save_organisation)
    success_url_name = "core:organisation_detail"


class OrganisationDeleteView(ObjectDeleteView):
    model = Organisation
    service = staticmethod(services.delete_organisation)
    success_url_name = "core:organisation_list"


# --- Contacts (通讯录) --------------------------------------------------------

class ContactListView(ObjectListView):
    """The 通讯录: one's own region and below, plus the lines of the regions above (duty rooms first)."""

    model = Contact
    title = "通讯录"
    search_fields = ["name", "organisation__name", "organisation__short_name", "position", "mobile", "office_phone",
                     "remark"]
    filterset_class = filtersets.ContactFilterSet
    filters = [("is_duty_phone", "值班电话", [("true", "仅值班电话")])]
    columns = [("name", "姓名/名称"), ("organisation.name", "所在单位"), ("position", "职务"), ("mobile", "手机"),
               ("office_phone", "办公电话"), ("is_duty_phone", "值班电话"), ("region.name", "所属区划")]
    orderings = {"name": "name", "organisation": "organisation__name", "region": "region__path"}
    add_url_name = "core:contact_add"
    export_url_name = "core:contact_export"
    sheet = "contacts"

    def base_queryset(self):
        return Contact.objects.select_related("region", "organisation")


class ContactExportView(ObjectExportView, ContactListView):
    pass


class ContactDetailView(ScopedMixin, DetailView):
    model = Contact
    template_name = "core/contact_detail.html"
    context_object_name = "contact"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, contact = self.request.user, self.object
        # A line of a region above is read here, edited there.
        mine = scope(Contact.objects.filter(pk=contact.pk), user, for_write=True).exists()
        context.update(title=contact.name,
                       can_change=mine and user.has_perm("core.change_contact"),
                       can_delete=mine and user.has_perm("core.delete_contact"))
        return context


class ContactFormView(ObjectFormView):
    model = Contact
    form_class = ContactForm
    service = staticmethod(services.save_contact)
    success_url_name = "core:contact_detail"

    def get_initial(self):
        return {**super().get_initial(), "region": self.request.user.region_id} if "pk" not in self.kwargs \
            else super().get_initial()


class ContactDeleteView(ObjectDeleteView):
    model = Contact
    service = staticmethod(services.delete_contact)
    success_url_name = "core:contact_list"


# --- Users ------------------------------------------------------------------

class UserListView(ObjectListView):
    model = User
    title = "用户"
    search_fields = ["username", "display_name", "phone"]
    filterset_class = filtersets.UserFilterSet
    columns = [("username", "用户名"), ("display_name", "姓名"), ("role_label", "角色"), ("region.name", "所属区划"),
               ("organisation.name", "所属单位"), ("is_active", "启用")]
    orderings = {"username": "username", "region": "region__path"}
    add_url_name = "core:user_add"

    def base_queryset(self):
        return User.objects.select_related("region", "organisation").prefetch_related("groups")


class UserDetailView(ScopedMixin, DetailView):
    model = User
    template_name = "core/user_detail.html"
    context_object_name = "account"  # "user" is the logged-in user in templates


class UserFormView(ObjectFormView):
    model = User
    form_class = UserForm
    service = staticmethod(services.save_user)
    success_url_name = "core:user_detail"

    def service_kwargs(self, form):
        return form.service_kwargs()


# --- Audit trail ------------------------------------------------------------

class AuditListView(ObjectListView):
    model = AuditEntry
    title = "操作审计"
    template_name = "core/audit_list.html"
    paginate_by = 100
    filterset_class = filtersets.AuditFilterSet

    def base_queryset(self):
        return AuditEntry.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for entry in context["object_list"]:
            entry.rows = audit.change_rows(entry)
        context["models"] = AuditEntry.objects.values_list("model", "model_name").distinct().order_by("model")
        context["actions"] = AuditEntry.ACTION_CHOICES
        return context


class RegionLocateView(LoginRequiredMixin, TemplateView):
    """A small form: which township is this point in (and how we know)."""

    template_name = "core/region_locate.html"

    def get_context_data(self, **kwargs):
        from .geo import locate_region

        context = super().get_context_data(**kwargs)
        lon, lat = self.request.GET.get("lon"), self.request.GET.get("lat")
        level = self.request.GET.get("level", "township")
        context.update(lon=lon or "", lat=lat or "", level=level, levels=Region.LEVEL_CHOICES)
        if lon and lat:
            try:
                found = locate_region(self.request.user, float(lon), float(lat), level)
                context["result"] = found
                if found is None:
                    context["error"] = "在您的管辖范围内没有找到包含该点的区划。"
            except ValueError:
                context["error"] = "经度、纬度必须是数字。"
            except ValidationError as exc:
                context["error"] = "；".join(exc.messages)
        return context



class PasswordChangeView(LoginRequiredMixin, FormView):
    """Change one's own password: Django's form checks the old one, the service validates and audits."""

    template_name = "core/object_form.html"
    form_class = DjangoPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            services.change_password(self.request.user, self.request.user, form.cleaned_data["new_password1"])
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "密码已修改。")
        return redirect("web:home")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": "修改密码", "cancel_url": "/"}


class SheetImportView(LoginRequiredMixin, TemplateView):
    """Upload an .xlsx for a registry: every row checked, all written or none, errors row by row."""

    template_name = "core/import.html"

    def spec(self):
        spec = SHEETS.get(self.kwargs["kind"])
        if spec is None:
            raise Http404("没有这种导入表。")
        return spec

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "spec": self.spec(), "title": f"导入{self.spec().title}",
                "systems": coordinates.SYSTEM_LABELS.items()}

    def post(self, request, *args, **kwargs):
        spec = self.spec()
        context = self.get_context_data(**kwargs)
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "请选择要导入的 .xlsx 文件。"
            return self.render_to_response(context)
        try:
            result = run_import(request.user, spec, upload, dry_run=bool(request.POST.get("dry_run")),
                                coordinate_system=request.POST.get("coordinate_system", "wgs84"))
        except ValidationError as exc:
            context["error"] = "；".join(exc.messages)
            return self.render_to_response(context)
        request.session[f"import-errors-{spec.kind}"] = [
            [e.row, e.column, str(e.value) if e.value is not None else "", e.reason] for e in result.errors
        ]
        context["result"] = result
        return self.render_to_response(context)


class SheetTemplateView(SheetImportView):
    def get(self, request, *args, **kwargs):
        spec = self.spec()
        return _xlsx(f"{spec.title}导入模板.xlsx", template_xlsx(spec))


class SheetErrorsView(SheetImportView):
    def get(self, request, *args, **kwargs):
        spec = self.spec()
        rows = request.session.get(f"import-errors-{spec.kind}", [])
        return _xlsx(f"{spec.title}导入错误报告.xlsx", errors_xlsx([RowError(*row) for row in rows]))
