"""Drafting and editing a warning (拟稿): the event type (GB/T 35561, searchable) with the levels it allows, text
filled from a template, onset/expiry, the area — townships and villages picked from a list or on the map, and/or
polygons and circles drawn on the map (static/warnings/area_editor.js) — and the channels. The form only parses;
services/lifecycle.save_draft checks everything (event, level, times, areas inside the issuer's region) and
writes, so a refused draft leaves nothing written and every problem is named on the form."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.views.generic import FormView

from yingji.core.generic import ScopedMixin
from yingji.core.layers import allow_tiles, map_extent, tile_settings
from yingji.core.models import Region
from yingji.core.scoping import scope
from yingji.incidents.forms import EventTypeSelect, event_choices
from yingji.standards import event_codes

from ..models import Delivery, Warning, WarningTemplate
from .common import HEX, geometry_of, level_choices, level_info

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
STATUS_CHOICES = [("Actual", "正式"), ("Exercise", "演练"), ("Test", "测试")]


def lifecycle():
    from ..services import lifecycle as module

    return module


def allowed_levels(code: str) -> tuple[int, ...]:
    try:
        from ..services.checks import allowed_levels as levels_of
    except ImportError:
        return (1, 2, 3, 4)
    return levels_of(code)


def restricted_levels() -> dict[str, list[int]]:
    """Event codes that do not allow all four levels → the levels they allow (for the form's level select)."""
    found = {}
    for code in event_codes.table():
        allowed = allowed_levels(code)
        if len(allowed) < 4:
            found[code] = list(allowed)
    return found


class WarningForm(forms.Form):
    event_code = forms.ChoiceField(label="事件类型（GB/T 35561）", choices=event_choices, widget=EventTypeSelect)
    level = forms.TypedChoiceField(label="预警级别", choices=[("", "— 请选择 —"), *level_choices()], coerce=int)
    headline = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="预警内容", widget=forms.Textarea(attrs={"rows": 4}))
    instruction = forms.CharField(label="防御指南", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    onset = forms.DateTimeField(label="生效时间", widget=DATETIME)
    expires = forms.DateTimeField(label="失效时间", widget=DATETIME)
    area_desc = forms.CharField(label="区域描述（areaDesc）", max_length=255, required=False,
                                help_text="留空按所选区划名称生成，如“天池街道、回澜镇”。")
    regions = forms.TypedMultipleChoiceField(label="预警区划", required=False, coerce=int)
    shapes = forms.CharField(label="绘制的区域", required=False, widget=forms.HiddenInput)
    channels = forms.MultipleChoiceField(label="发布渠道", required=False, choices=Delivery.CHANNEL_CHOICES,
                                         widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label="消息状态", choices=STATUS_CHOICES, initial="Actual",
                               help_text="演练、测试消息不出现在公众页面。")

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = [(r.pk, r.name) for r in regions]

    def clean_shapes(self) -> list[dict]:
        """The drawn shapes (a GeoJSON FeatureCollection from area_editor.js) → polygons and circles; the service
        checks each shape (closed, not crossing itself, inside the region)."""
        text = (self.cleaned_data.get("shapes") or "").strip()
        if not text:
            return []
        try:
            data = json.loads(text)
            features = data["features"] if isinstance(data, dict) else data
            if not isinstance(features, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ValidationError("绘制的区域不是有效的 GeoJSON，请重新绘制。") from None
        shapes = []
        for feature in features:
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
            if not isinstance(geometry, dict):
                raise ValidationError("绘制的区域缺少几何图形，请重新绘制。")
            if geometry.get("type") == "Point" and props.get("radius_m") is not None:
                coords = geometry.get("coordinates") or [None, None]
                try:
                    radius_km = float(props["radius_m"]) / 1000
                except (TypeError, ValueError):
                    raise ValidationError("圆形区域的半径无效。") from None
                shapes.append({"circle_longitude": coords[0], "circle_latitude": coords[1],
                               "circle_radius_km": round(radius_km, 3)})
            else:
                shapes.append({"polygon": geometry})
        return shapes


def region_choices(user):
    """Townships and villages the user may issue for, in code order (villages after their township)."""
    return list(scope(Region.objects.with_boundary().filter(level__in=("township", "village")), user, for_write=True)
                .order_by("path"))  # with their outlines: the editor's map draws them


def region_tree(regions, chosen: set[int]) -> list[dict]:
    """[{region, checked, villages: [{region, checked}]}] for the grouped checkboxes."""
    townships = [r for r in regions if r.level == "township"]
    by_parent: dict[int, list] = {}
    for r in regions:
        if r.level == "village":
            by_parent.setdefault(r.parent_id, []).append({"region": r, "checked": r.pk in chosen})
    tree = [{"region": t, "checked": t.pk in chosen, "villages": by_parent.pop(t.pk, [])} for t in townships]
    for rest in by_parent.values():  # villages whose township is outside the list
        tree += [{"region": v["region"], "checked": v["checked"], "villages": []} for v in rest]
    return tree


def region_features(regions) -> dict:
    features = []
    for r in regions:
        geometry = geometry_of(r.boundary)
        if geometry is None and r.longitude is not None and r.latitude is not None:
            geometry = {"type": "Point", "coordinates": [r.longitude, r.latitude]}
        if geometry is not None:
            features.append({"type": "Feature", "geometry": geometry,
                             "properties": {"id": r.pk, "name": r.name, "level": r.level}})
    return {"type": "FeatureCollection", "features": features}


def stored_shapes(warning) -> str:
    """A draft's drawn shapes as the editor's GeoJSON."""
    features = []
    for area in warning.areas.all():
        if isinstance(area.polygon, dict):
            features.append({"type": "Feature", "properties": {}, "geometry": area.polygon})
        if area.has_circle:
            features.append({"type": "Feature", "properties": {"radius_m": round(area.circle_radius_km * 1000)},
                             "geometry": {"type": "Point", "coordinates": [area.circle_longitude,
                                                                          area.circle_latitude]}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False) if features else ""


def build_areas(data: dict, regions_by_id: dict) -> list[dict]:
    """The form's area fields → the service's areas: one CAP <area> for the chosen regions (their codes go out as
    geocodes), and one per drawn polygon or circle."""
    chosen = [regions_by_id[pk] for pk in data.get("regions") or [] if pk in regions_by_id]
    desc = (data.get("area_desc") or "").strip() or "、".join(r.name for r in chosen)
    areas = []
    if chosen:
        areas.append({"area_desc": desc, "regions": chosen})
    shapes = data.get("shapes") or []
    for index, shape in enumerate(shapes, start=1):
        kind = "圆形区域" if "circle_radius_km" in shape else "绘制区域"
        label = desc if not chosen and len(shapes) == 1 and desc else f"{desc or kind}（{kind} {index}）"
        areas.append({"area_desc": label[:255], "regions": [], **shape})
    return areas


class WarningFormView(ScopedMixin, FormView):
    """/warnings/add/ (a new draft, optionally ?template=) and /warnings/<pk>/edit/ (a draft only)."""

    model = Warning
    form_class = WarningForm
    template_name = "warnings/warning_form.html"
    scope_for_write = True

    def get_permission_required(self):
        return ["warnings.change_warning" if "pk" in self.kwargs else "warnings.add_warning"]

    def get_object(self):
        if not hasattr(self, "_object"):
            if "pk" in self.kwargs:
                self._object = get_object_or_404(self.get_queryset().prefetch_related(
                    Prefetch("areas__regions", queryset=Region.objects.with_boundary())),
                                                 pk=self.kwargs["pk"])
            else:
                self._object = Warning()
        return self._object

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and "pk" in kwargs:
            warning = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if warning.state != Warning.DRAFT or warning.source != Warning.LOCAL:
                messages.error(request, f"预警当前为“{warning.get_state_display()}”，只有草稿可以编辑。")
                return redirect(warning.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def regions(self):
        if not hasattr(self, "_regions"):
            self._regions = region_choices(self.request.user)
        return self._regions

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "regions": self.regions()}

    def template_choice(self):
        value = self.request.GET.get("template", "")
        if not (value.isascii() and value.isdigit()):
            return None
        return scope(WarningTemplate.objects.filter(is_active=True), self.request.user).filter(pk=int(value)).first()

    def get_initial(self):
        warning = self.get_object()
        if warning.pk:
            areas = list(warning.areas.all())
            region_ids = [r.pk for a in areas for r in a.regions.all()]
            return {"event_code": warning.event_code, "level": warning.level, "headline": warning.headline,
                    "description": warning.description, "instruction": warning.instruction,
                    "onset": timezone.localtime(warning.onset) if warning.onset else None,
                    "expires": timezone.localtime(warning.expires) if warning.expires else None,
                    "area_desc": next((a.area_desc for a in areas if a.regions.all()), ""),
                    "regions": region_ids, "shapes": stored_shapes(warning), "channels": warning.channels,
                    "status": warning.status}
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {"onset": now, "expires": now + timezone.timedelta(hours=24),
                   "channels": [c for c, _ in Delivery.CHANNEL_CHOICES], "status": "Actual"}
        try:
            from django.conf import settings

            initial["channels"] = list(settings.YINGJI_WARNING_DEFAULT_CHANNELS)
        except AttributeError:
            pass
        level = self.request.GET.get("level", "")
        template = self.template_choice()
        region = self.request.user.region
        if template is not None and region is not None:
            values = lifecycle().template_values(template, region, int(level) if level in {"1", "2", "3", "4"} else None)
            initial.update({k: values[k] for k in ("event_code", "level", "headline", "description", "instruction")
                            if values.get(k) is not None})
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        regions_by_id = {r.pk: r for r in self.regions()}
        areas = build_areas(data, regions_by_id)
        values = {k: data[k] for k in ("event_code", "level", "headline", "description", "instruction", "onset",
                                       "expires", "channels", "status")}
        template = self.template_choice()
        if template is not None and not self.get_object().pk:
            values["template"] = template
        try:
            warning = lifecycle().save_draft(self.request.user, self.get_object(), values, areas)
        except ValidationError as exc:
            self.add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"已保存草稿“{warning.headline}”。确认无误后请提交审核。")
        return redirect(warning.get_absolute_url())

    @staticmethod
    def add_errors(form, exc: ValidationError):
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc.messages)
            return
        for field, errors in exc.message_dict.items():
            if field == "areas":
                form.area_errors = [*getattr(form, "area_errors", []), *errors]
            elif field in form.fields:
                form.add_error(field, errors)
            else:
                form.add_error(None, errors)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, warning, user = context["form"], self.get_object(), self.request.user
        chosen = {int(v) for v in (form["regions"].value() or []) if str(v).isdigit()}
        regions = self.regions()
        shapes_value = form["shapes"].value()
        if isinstance(shapes_value, list):  # cleaned already: show what was sent
            shapes_value = self.request.POST.get("shapes", "")
        templates = scope(WarningTemplate.objects.filter(is_active=True), user).order_by("event_code", "level", "name")
        context.update(
            object=warning, title=("编辑预警草稿" if warning.pk else "拟稿：新预警") + (
                f"（{warning.get_msg_type_display()}）" if warning.msg_type != Warning.ALERT else ""),
            tree=region_tree(regions, chosen), shapes_value=shapes_value or "",
            area_errors=getattr(form, "area_errors", []),
            templates=[(t, level_info(t.level)) for t in templates[:200]],
            chosen_template=self.template_choice(),
            editor_config={"tiles": tile_settings(), "extent": map_extent(user), "regions": region_features(regions),
                           "outline": geometry_of(user.region.boundary) if user.region else None,
                           "colours": {str(n): HEX[level_info(n)["key"]] for n in (1, 2, 3, 4)}},
            restricted=restricted_levels(),
            cancel_url=warning.get_absolute_url() if warning.pk else "/warnings/",
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        return allow_tiles(response, context["editor_config"]["tiles"]["url"])


urlpatterns = [
    path("warnings/add/", WarningFormView.as_view(), name="warning_add"),
    path("warnings/<int:pk>/edit/", WarningFormView.as_view(), name="warning_edit"),
]
