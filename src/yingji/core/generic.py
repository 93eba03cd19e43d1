"""Generic scoped pages every app builds on: list (with its FilterSet, sorting and Excel export), form, delete
and action views whose records come from the user's region (core.scoping) and whose writes go through services."""


from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView

from . import filtersets, geo
from .imports import SHEETS, XLSX, export_xlsx
from .layers import allow_tiles, map_extent, tile_settings
from .models import Region
from .scoping import scope


class ScopedMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Every page's records come from the user's region and below; a guessed id is a 404. Pages that change
    a record set `scope_for_write`: a record of a region above that applies downwards is readable, not theirs
    to edit (a 404 there too)."""

    model = None
    raise_exception = False
    scope_for_write = False

    def get_permission_required(self):
        return [f"{self.model._meta.app_label}.view_{self.model._meta.model_name}"]

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return scope(self.base_queryset(), self.request.user, for_write=self.scope_for_write)


class FilterSetMixin:
    """A page filtered by its model's FilterSet (the API's): on a bad parameter the list is empty, the page
    says in Chinese which parameter is wrong, and the answer is a 400 (never a 500, never the whole list)."""

    filterset_class = None  # the app's filtersets.<Model>FilterSet
    filter_error = ""

    def filter_queryset(self, queryset):
        if self.filterset_class is None:
            return queryset
        try:
            return filtersets.apply(self.filterset_class, self.request.GET, queryset, self.request)
        except ValidationError as exc:
            self.filter_error = filtersets.error_text(exc, self.filterset_class)
            return queryset.none()

    def render_to_response(self, context, **kwargs):
        if self.filter_error:
            messages.error(self.request, self.filter_error)
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


class ObjectListView(FilterSetMixin, ScopedMixin, ListView):
    """List with search (?q=), the model's FilterSet (the same one as the API and the export), sorting and an
    Excel export. A bad filter parameter shows a Chinese message naming it over an empty list, with a 400:
    never a 500, never the unfiltered list."""

    template_name = "core/object_list.html"
    paginate_by = 50
    search_fields: list[str] = []
    filters: list[tuple[str, str, list]] = []  # (param, label, choices): the drop-downs shown above the list
    columns: list[tuple[str, str]] = []  # (attribute, header)
    # ?sort=key → order_by, or (order_by, label). Without a label the option is named after the column shown
    # for that key, else after the model field's verbose_name (see sort_options).
    orderings: dict[str, str | tuple[str, str]] = {}
    add_url_name = ""
    export_url_name = ""
    sheet = ""  # kind of the registered import sheet, if the registry has one
    title = ""

    def get_queryset(self):
        qs = self.filter_queryset(super().get_queryset())
        q = self.request.GET.get("q", "").strip()
        if q and self.search_fields:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": q})
            qs = qs.filter(condition)
        sort = self.request.GET.get("sort")
        if sort in self.orderings:
            qs = qs.order_by(_order_by(self.orderings[sort]))
        # Unordered pages (no Meta.ordering, or one an aggregate's GROUP BY dropped) may repeat or skip records.
        return qs if qs.ordered else qs.order_by("pk")

    def sort_options(self) -> list[tuple[str, str, bool]]:
        """(href, label, active) for "排序：默认 / 名称 / …": links that keep the filters and drop the page."""
        params = self.request.GET.copy()
        params.pop("page", None)
        current = params.pop("sort", [""])[-1]
        current = current if current in self.orderings else ""
        options = [("?" + params.urlencode(), "默认", not current)]
        for key, spec in self.orderings.items():
            params["sort"] = key
            options.append(("?" + params.urlencode(), self._sort_label(key, spec), key == current))
        return options

    def _sort_label(self, key: str, spec) -> str:
        if isinstance(spec, tuple | list):
            return spec[1]
        for attr, header in self.columns:
            if attr in (key, f"{key}.name", f"{key}_label", f"{key}_display"):
                return header
        return _verbose_name(self.model, _order_by(spec).lstrip("-")) or key

    def summary(self, queryset) -> str:
        """A line under the title (e.g. an intact rate); subclasses override."""
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        perms = self.request.user
        model = self.model._meta
        context.update(
            title=self.title or model.verbose_name,
            summary=self.summary(self.object_list),
            columns=self.columns,
            rows=[
                (obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
                 [_cell(obj, attr) for attr, _ in self.columns])
                for obj in context["object_list"]
            ],
            objects=context["object_list"],
            filters=[(p, label, choices, self.request.GET.get(p, "")) for p, label, choices in self.filters],
            sort_options=self.sort_options() if self.orderings else [],
            q=self.request.GET.get("q", ""),
            query_without_page=_query_without(self.request, "page"),
            add_url=reverse(self.add_url_name) if self.add_url_name and perms.has_perm(
                f"{model.app_label}.add_{model.model_name}") else "",
            export_url=reverse(self.export_url_name) if self.export_url_name else "",
            import_url=reverse("core:sheet_import", args=[self.sheet]) if self.sheet and perms.has_perm(
                f"{model.app_label}.add_{model.model_name}") else "",
        )
        return context


class QueryParamsPage:
    """For a report page that reads query parameters in get_context_data: a bad one (a ValidationError naming
    it) is a Chinese message on the page with a 400, not a 500."""

    title = ""

    def get(self, request, *args, **kwargs):
        try:
            return self.render_to_response(self.get_context_data(**kwargs))
        except ValidationError as exc:
            messages.error(request, "参数有误：" + "；".join(exc.messages))
            return self.render_to_response({"view": self, "title": self.title}, status=400)


class ObjectExportView(ObjectListView):
    """The same scoped, searched, filtered list as an .xlsx in the import sheet's layout,
    so an exported file can be corrected and imported back."""

    def get(self, request, *args, **kwargs):
        spec = SHEETS[self.sheet]
        rows = self.get_queryset()
        if self.filter_error:
            return HttpResponseBadRequest(self.filter_error, content_type="text/plain; charset=utf-8")
        return _xlsx(f"{spec.title}.xlsx", export_xlsx(spec, rows, request.user, request.GET, request))


def location_picker(user) -> dict:
    """Config of the click-to-place map under a form's longitude/latitude (web/locpicker.js): the base map,
    the user's area, and where to look up place names and the township of the chosen point."""
    return {"tiles": tile_settings(), "extent": map_extent(user), "places_url": reverse("region-layer"),
            "locate_url": reverse("region-locate")}


def has_location(model) -> bool:
    """A record with a point and the region it belongs to (incident, force, warehouse, shelter, hydrant…)."""
    names = {f.name for f in model._meta.get_fields()}
    return {"longitude", "latitude", "region"} <= names and model._meta.get_field("region").related_model is Region


def location_warnings(obj) -> list[str]:
    """A point outside the record's region (a slip of the finger, coordinates copied from another record): the
    record is saved, and the user is told where the point lies so it can be checked."""
    if not has_location(type(obj)) or obj.region_id is None:
        return []
    outside = geo.outside_region(obj.region, obj.longitude, obj.latitude)
    if outside is None:
        return []
    far = ""
    if outside.distance_m is not None:
        km = outside.distance_m / 1000
        far = f"（距{obj.region.name}中心约 {km:.1f} 公里）" if km < 10 else f"（距{obj.region.name}中心约 {km:,.0f} 公里）"
    if outside.place:
        return [f"坐标位于{outside.place}{far}，不在所选区划“{obj.region.name}”范围内，请核对。"]
    return [f"坐标在所选区划“{obj.region.name}”范围之外{far}，请核对。"]


class ObjectFormView(ScopedMixin, FormView):
    """Create (no pk) or edit a record through its service; service errors land on the form's fields."""
    scope_for_write = True

    template_name = "core/object_form.html"
    service = None
    success_url_name = ""

    def get_permission_required(self):
        action = "change" if "pk" in self.kwargs else "add"
        return [f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"]

    def get_object(self):
        if "pk" not in self.kwargs:
            return self.model()
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.get_object(), user=self.request.user)
        return kwargs

    def service_kwargs(self, form) -> dict:
        return {}

    def saved(self, obj, created: bool) -> str:
        """What to tell the user once the service has saved `obj` (a view may also keep something for the next
        page here, e.g. a secret shown once)."""
        return f"已保存{self.model._meta.verbose_name}“{obj}”。"

    def form_valid(self, form):
        created = form.instance.pk is None
        try:
            obj = type(self).service(self.request.user, form.instance, form.service_data(), **self.service_kwargs(form))
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, self.saved(obj, created))
        for warning in location_warnings(obj):
            messages.warning(self.request, warning)
        return redirect(reverse(self.success_url_name, args=[obj.pk]) if self.success_url_name
                        else obj.get_absolute_url())  # a part of another record's page (a licence of an enterprise)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context["form"].instance
        verb = "编辑" if obj.pk else "新增"
        cancel_url = obj.get_absolute_url() if obj.pk else self.request.META.get("HTTP_REFERER", "/")
        context.update(title=f"{verb}{self.model._meta.verbose_name}", object=obj, cancel_url=cancel_url)
        if {"longitude", "latitude"} <= set(context["form"].fields):
            context["location_picker"] = location_picker(self.request.user)
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        picker = context.get("location_picker")
        return allow_tiles(response, picker["tiles"]["url"]) if picker else response


class ObjectDeleteView(ScopedMixin, DetailView):
    scope_for_write = True
    template_name = "core/object_confirm_delete.html"
    service = None
    success_url_name = ""

    def get_permission_required(self):
        return [f"{self.model._meta.app_label}.delete_{self.model._meta.model_name}"]

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            type(self).service(request.user, obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect(request.path)
        messages.success(request, f"已删除{self.model._meta.verbose_name}“{obj}”。")
        return redirect(reverse(self.success_url_name))


def delete_view(model_class, service_function, list_name):
    """An ObjectDeleteView for `model_class` calling `service_function(actor, obj)`, back to `list_name`."""
    return type(f"{model_class.__name__}DeleteView", (ObjectDeleteView,), {
        "model": model_class, "service": staticmethod(service_function), "success_url_name": list_name,
    })


class ObjectActionView(ScopedMixin, FormView):
    """A small form on a record's page that runs one service on that record (a status change, a ledger
    line, an inspection…), then returns to the page with a message. Subclasses set `model`,
    `form_class`, `permission` and implement `act(obj, data)`, which may return the success message."""

    http_method_names = ["post"]
    permission = ""
    success_message = "已保存。"
    scope_for_write = True

    def get_permission_required(self):
        return [self.permission]

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def act(self, obj, data: dict):
        raise NotImplementedError

    def form_valid(self, form):
        obj = self.get_object()
        try:
            message = self.act(obj, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(self.request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(self.request, message or self.success_message)
        return redirect(obj.get_absolute_url())

    def form_invalid(self, form):
        obj = self.get_object()
        messages.error(self.request, "；".join(f"{form.fields[f].label}：{e}" if f in form.fields else e
                                              for f, errors in form.errors.items() for e in errors))
        return redirect(obj.get_absolute_url())


def _cell(obj, attr: str):
    value = obj
    for part in attr.split("."):
        display = getattr(value, f"get_{part}_display", None)
        value = display() if display else getattr(value, part, None)
        if value is None:
            return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _order_by(spec) -> str:
    return spec[0] if isinstance(spec, tuple | list) else spec


def _verbose_name(model, path: str) -> str:
    """The verbose_name at the end of a lookup path ("region__path" → the region field's), or ""."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return ""
        if part != path.split("__")[-1]:
            if not field.related_model:
                return ""
            model = field.related_model
    return str(getattr(field, "verbose_name", "") or "")


def _query_without(request, key: str) -> str:
    params = request.GET.copy()
    params.pop(key, None)
    return params.urlencode()


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _xlsx(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
