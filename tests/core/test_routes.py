"""Tests generated from the routes: every API route on the router and every list/detail page.

For each, as a township user, a record of the OTHER township is absent from the list (and its map layer and
Excel export), and its detail, PATCH, PUT, DELETE and detail actions answer 404; as an authorised county user,
a write leaves an audit entry. A new app gets all of this by registering its routes and pages: nothing here
names an app, a model or a URL.

"A record of the other township" is any row whose region (the model's `region_field`) lies in the other
demo township (天池街道 for `township2`, 回澜镇 for `township`); routes that serve public data say so with
`scoping_public` (or serve a model without `region_field`, which core/checks.py only allows when public).
"""

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from tests.planning.test_tasks_makers import MAKERS as PLANNING_TASK_MAKERS

from yingji.core.models import AuditEntry, User
from yingji.core.scoping import region_path_lookup, scope
from yingji.urls import router

TOWNSHIPS = ("township", "township2")  # demo users of 天池街道 and 回澜镇
COUNTY_USERS = ("duty", "commander", "dispatcher", "inspector", "admin")  # tried in this order for writes

# Records the demo has none of in a township and that no plain API create can copy there: made through their
# services (a model label → make(owner) returning a record in the owner's township). Keep it short: prefer
# demo data (each app's demo.py).
def _public_report(owner):
    from yingji.incidents.services.public import submit_public_report

    region = owner.region
    return submit_public_report({"phone": "13900000009", "description": "路口积水很深，车辆无法通行，暂无人员受伤。",
                                 "longitude": region.longitude, "latitude": region.latitude}, None, "203.0.113.9")


def _activation(owner):
    from datetime import timedelta

    from django.utils import timezone

    from yingji.incidents.services.incidents import create_incident
    from yingji.plans import services

    commander, now = User.objects.get(username="commander"), timezone.now()
    incident = create_incident(commander, {
        "title": "储罐泄漏（跨乡镇检查）", "source": "duty_phone", "reporter_name": "张三", "reporter_phone": "13800000000",
        "occurred_at": now - timedelta(minutes=20), "reported_at": now, "longitude": owner.region.longitude,
        "latitude": owner.region.latitude, "event_code": "12D02", "description": "储罐阀门泄漏，现场有刺激性气味。"})
    for plan in services.applicable_plans(incident, commander):
        for level in plan.levels.order_by("-level"):
            if level.tasks.exists():
                return services.activate(commander, incident, plan, level.level, reason="跨乡镇访问检查")
    return None


def _risk_scheme(owner):
    from yingji.safety.models import RiskScheme
    from yingji.safety.services import save_risk_scheme
    from yingji.standards.risk import default_bands

    bands = [{"grade": b.grade, "bound": str(b.bound), "level": b.level, "colour": b.colour,
              "colour_code": b.colour_code, "control_level": b.control_level} for b in default_bands()["ls"]]
    return save_risk_scheme(None, RiskScheme(), {"region": owner.region, "method": "ls", "bands": bands})


def _draw(owner):
    """A 双随机 draw of the owner's township (the demo's draws are the county's): its own published plan and two
    inspectors, over its 危化 enterprises."""
    from django.utils import timezone

    from yingji.safety.models import InspectionPlan, Inspector
    from yingji.safety.services import inspections as enforcement

    region = owner.region
    plan = enforcement.publish_plan(None, enforcement.save_plan(None, InspectionPlan(), {
        "region": region, "year": timezone.localdate().year, "quotas": {"hazchem_production": {"general": 1}}}))
    for badge in ("TEST-0001", "TEST-0002"):
        enforcement.save_inspector(None, Inspector(), {"region": region, "name": f"检查员{badge[-1]}",
                                                       "badge_number": badge})
    return enforcement.run_draw(None, {"plan": plan, "categories": ["hazchem_production", "hazchem_storage"],
                                       "pool_region": region, "enterprise_count": 1, "inspectors_per_enterprise": 2})


def _indicator_value(owner):
    """A manual value of an indicator of the owner's township (the demo's indicators are the county's)."""
    from decimal import Decimal

    from yingji.planning.models import Indicator, IndicatorManualValue
    from yingji.planning.services import indicators

    indicator = indicators.save_indicator(None, Indicator(), {
        "region": owner.region, "plan": "乡镇安全生产目标（跨乡镇检查）", "code": "X-1", "name": "安全培训覆盖率",
        "formula": "manual", "period_start": 2021, "target_kind": "ge", "target_value": Decimal("95"),
        "target_year": 2025, "attribute": "预期性"})
    return indicators.save_manual_value(None, IndicatorManualValue(), {
        "indicator": indicator, "year": 2023, "value": Decimal("96.5"), "source_note": "乡镇年度工作总结"})


MAKERS = {
    "safety.RiskScheme": _risk_scheme,  # the demo's bureaus keep the default bands
    "safety.Draw": _draw,  # the demo's draws are the county's
    "incidents.PublicReport": _public_report,
    "plans.Activation": _activation,
    "planning.IndicatorManualValue": _indicator_value,  # the demo has none: manual values are the exception
    "plans.Task": lambda owner: (activation := _activation(owner)) and activation.tasks.order_by("pk").first(),
}
MAKERS.update(PLANNING_TASK_MAKERS)  # a plan task and a 联席会议 decision of a township (the demo's are the city's)

# Models for which no record of the other township can be had at all, and why (none today).
NO_OTHER_TOWNSHIP_RECORD: dict[str, str] = {}


# --- what the routes serve ---------------------------------------------------------------------------------

def _public(view) -> bool:
    return bool(getattr(view, "scoping_public", None))


def _scoped_model(model) -> bool:
    try:
        region_path_lookup(model)
    except TypeError:
        return False
    return True


@dataclass(frozen=True)
class ApiRoute:
    prefix: str
    viewset: type
    basename: str

    @property
    def model(self):
        return self.viewset.queryset.model

    def url(self, kind, *args):
        return reverse(f"{self.basename}-{kind}", args=args)

    def supports(self, name) -> bool:
        return hasattr(self.viewset, name)

    def detail_actions(self):
        """(url_name, HTTP method) of every detail=True @action."""
        return [(extra.url_name, method.upper()) for extra in self.viewset.get_extra_actions() if extra.detail
                for method in extra.mapping]

    def list_actions(self):
        return [extra.url_name for extra in self.viewset.get_extra_actions()
                if not extra.detail and "get" in extra.mapping]


def api_routes():
    found = []
    for prefix, viewset, basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        if queryset is None or _public(viewset) or not _scoped_model(queryset.model):
            continue  # public data (the start-up check makes every other routed model declare its scoping)
        found.append(ApiRoute(prefix, viewset, basename))
    return found


@dataclass(frozen=True)
class Page:
    name: str  # "namespace:url_name"
    view: type
    model: type
    takes_pk: bool


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def pages():
    """Every page (not the API) that serves one scoped model: lists (with their exports) and <int:pk> pages."""
    from yingji.core.generic import ObjectExportView, ObjectListView

    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "view_class", None)
        if view is None or name.startswith(("admin:", "api")) or getattr(pattern.callback, "cls", None):
            continue
        model = getattr(pattern.callback, "view_initkwargs", {}).get("model") or getattr(view, "model", None)
        if model is None or _public(view) or not _scoped_model(model):
            continue
        converters = pattern.pattern.converters
        takes_pk = "pk" in converters and set(converters) == {"pk"}
        is_list = issubclass(view, ObjectListView) and not issubclass(view, ObjectExportView) and not converters
        if takes_pk or is_list:
            found.append(Page(name, view, model, takes_pk))
    return found


API = api_routes()
PAGES = pages()


# --- a record of the other township -------------------------------------------------------------------------

def other_township_record(model):
    """(township user, a record of the other township) from the demo, trying both townships; or (None, None)."""
    for viewer, owner in (TOWNSHIPS, TOWNSHIPS[::-1]):
        mine, theirs = (User.objects.get(username=u).region for u in (viewer, owner))
        lookup = region_path_lookup(model)
        record = (model._default_manager.filter(**{lookup: theirs.path}).exclude(**{lookup: mine.path})
                  .order_by("pk").first())
        if record is not None:
            return User.objects.get(username=viewer), record
    return None, None


def _needs_record(key, model):
    viewer, record = other_township_record(model)
    if record is None and model._meta.label in MAKERS:
        viewer, owner = (User.objects.get(username=u) for u in TOWNSHIPS)
        record = MAKERS[model._meta.label](owner)
    if record is None:
        viewer, record = _copy_into_other_township(model)
    if record is None:
        reason = NO_OTHER_TOWNSHIP_RECORD.get(model._meta.label)
        if reason:
            pytest.skip(reason)
        pytest.fail(f"{key}: the demo has no {model._meta.label} record in either township and none can be made "
                    "through the API; add one to the app's demo.py (or, with a reason, to NO_OTHER_TOWNSHIP_RECORD)")
    return viewer, record


def _copy_into_other_township(model):
    """Make a record of the other township through the API (so through the model's service): the admin POSTs
    an existing record's serialized data with the region set to 回澜镇 and unique text made unique."""
    from rest_framework.test import APIClient

    route = next((r for r in API if r.model is model and r.supports("create")), None)
    if route is None or model.region_field != "region":
        return None, None
    source = model._default_manager.order_by("pk").first()
    if source is None:
        return None, None
    admin = User.objects.get(username="admin")
    client = APIClient()
    client.force_authenticate(admin)
    data = client.get(route.url("detail", source.pk)).json()
    viewer, owner = (User.objects.get(username=u) for u in TOWNSHIPS)
    data["region"] = owner.region.pk
    for field in model._meta.fields:  # people named on the record belong to its region (e.g. a shift's leader)
        if field.many_to_one and field.related_model is User and data.get(field.name) is not None:
            data[field.name] = None if field.null else owner.pk
    for field in model._meta.many_to_many:
        if field.related_model is User and data.get(field.name):
            data[field.name] = [owner.pk]
    for field in model._meta.fields:
        if field.unique and not field.primary_key and isinstance(data.get(field.name), str):
            data[field.name] = f"{data[field.name][:max(0, (field.max_length or 40) - 4)]}-跨区"
    answer = client.post(route.url("list"), {k: v for k, v in data.items() if v is not None}, format="json")
    assert answer.status_code == 201, f"could not copy {model._meta.label} into 回澜镇: {answer.content[:300]!r}"
    return viewer, model._default_manager.get(pk=answer.json()["id"])


def _grant_all_permissions(user):
    """The township user may do everything, so that only region scoping can stop it (a 403 for a missing
    permission would hide a leak)."""
    user.user_permissions.add(*Permission.objects.all())
    return User.objects.get(pk=user.pk)  # a fresh instance: permissions are cached per instance


def _ids(body):
    """Record ids in a list answer: a page, a plain list or a GeoJSON FeatureCollection."""
    if isinstance(body, dict) and body.get("type") == "FeatureCollection":
        return {f.get("id") for f in body["features"]}
    items = body.get("results", body) if isinstance(body, dict) else body
    return {item.get("id") for item in items if isinstance(item, dict)}


# --- API: cross-township ------------------------------------------------------------------------------------

def _api_cases():
    for route in API:
        yield route, "list"
        yield from ((route, f"list:{name}") for name in route.list_actions())
        yield route, "retrieve"
        for name, method in (("partial_update", "PATCH"), ("update", "PUT"), ("destroy", "DELETE")):
            if route.supports(name):
                yield route, method
        yield from ((route, f"{name}:{method}") for name, method in route.detail_actions())


API_CASES = [pytest.param(route, case, id=f"{route.prefix}-{case}") for route, case in _api_cases()]


@pytest.mark.parametrize(("route", "case"), API_CASES)
def test_api_record_of_other_township_is_absent(demo, api, route, case):
    viewer, record = _needs_record(route.prefix, route.model)
    viewer = _grant_all_permissions(viewer)
    client = api(viewer.username)
    client.force_authenticate(viewer)
    if case == "list" or case.startswith("list:"):
        url = route.url("list") if case == "list" else route.url(case.split(":", 1)[1])
        answer = client.get(url, {"page_size": 1000})
        if case != "list" and answer.status_code != 200:
            pytest.skip(f"{url} answers {answer.status_code} without parameters")  # e.g. needs a road network
        assert answer.status_code == 200, answer.content[:300]
        body = answer.json()
        if case != "list" and not (isinstance(body, dict) and body.get("type") == "FeatureCollection"):
            pytest.skip(f"{url} is not a list of records")
        assert record.pk not in _ids(body), f"{url} lists {route.model._meta.label} #{record.pk} of another township"
        return
    missing = 2**31 - 1  # an id nobody has
    if case == "retrieve":
        method, name = "GET", "detail"
    elif case in ("PATCH", "PUT", "DELETE"):
        method, name = case, "detail"
    else:
        name, method = case.split(":")
    call = getattr(client, method.lower())
    answer = call(route.url(name, record.pk), {}, format="json")
    # Another township's record must be indistinguishable from none at all: a 404 (an action that checks its
    # body first may answer 400 for both, having changed nothing).
    expected = call(route.url(name, missing), {}, format="json").status_code
    assert answer.status_code == expected and expected in (400, 404), (
        f"{method} {route.url(name, record.pk)} on {route.model._meta.label} #{record.pk} of another township "
        f"answered {answer.status_code} (a missing id: {expected}): {answer.content[:200]!r}")
    assert route.model._default_manager.filter(pk=record.pk).exists()


# --- Pages: cross-township ----------------------------------------------------------------------------------

@pytest.mark.parametrize("page", [pytest.param(p, id=p.name) for p in PAGES if not p.takes_pk])
def test_list_page_and_export_leave_out_other_township(demo, web, page):
    viewer, record = _needs_record(page.name, page.model)
    viewer = _grant_all_permissions(viewer)
    client = web(viewer.username)
    answer = client.get(reverse(page.name))
    assert answer.status_code == 200
    paginator = answer.context.get("paginator")  # every page of the list, not only the first 50
    listed = paginator.object_list if paginator is not None else answer.context["objects"]
    shown = {obj.pk for obj in listed}
    assert record.pk not in shown, f"{page.name} lists {page.model._meta.label} #{record.pk} of another township"
    if page.view.export_url_name:
        _assert_not_exported(client, page, record)


def _rows(content: bytes):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def _assert_not_exported(client, page, record):
    from yingji.core.imports import SHEETS, export_xlsx

    answer = client.get(reverse(page.view.export_url_name))
    assert answer.status_code == 200, answer.content[:200]
    exported = _rows(b"".join(answer.streaming_content) if answer.streaming else answer.content)
    theirs = _rows(export_xlsx(SHEETS[page.view.sheet], [record]))[0]
    assert theirs not in exported, (
        f"{page.view.export_url_name} exports {page.model._meta.label} #{record.pk} of another township")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("page", [pytest.param(p, id=p.name) for p in PAGES if p.takes_pk])
def test_page_of_other_township_record_is_404(demo, web, page, method):
    viewer, record = _needs_record(page.name, page.model)
    viewer = _grant_all_permissions(viewer)
    client = web(viewer.username)
    url = reverse(page.name, args=[record.pk])
    answer = client.get(url) if method == "GET" else client.post(url, {})
    offered = method.lower() in page.view.http_method_names and hasattr(page.view, method.lower())
    allowed = {404} if offered else {404, 405}
    assert answer.status_code in allowed, (
        f"{method} {url} ({page.model._meta.label} #{record.pk} of another township) answered {answer.status_code}")
    assert page.model._default_manager.filter(pk=record.pk).exists()


# --- API: every write leaves an audit entry -----------------------------------------------------------------

def _writers(model, permission):
    return [user for user in (User.objects.get(username=u) for u in COUNTY_USERS)
            if user.has_perm(f"{model._meta.app_label}.{permission}_{model._meta.model_name}")]


def _changed(field, value):
    from rest_framework import serializers

    if type(field) is serializers.CharField and isinstance(value, str) and value:
        return (value + "（改）") if not field.max_length or len(value) + 3 <= field.max_length else value[:-1] + "改"
    if isinstance(field, serializers.IntegerField | serializers.FloatField | serializers.DecimalField) \
            and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return str(float(value) + 1) if isinstance(value, str) else value + 1
        except ValueError:
            return None
    return None


def _field_changes(route, user, data):
    """[{field: new value}] for each plain text or number field the API lets `user` write, unique ones last."""
    from rest_framework.test import APIRequestFactory

    request = APIRequestFactory().get("/")
    request.user = user
    serializer = route.viewset.serializer_class(context={"request": request})
    unique = {f.name for f in route.model._meta.fields if f.unique}
    changes = [{name: new} for name, field in serializer.fields.items()
               if not field.read_only and name in data and (new := _changed(field, data[name])) is not None]
    return sorted(changes, key=lambda change: next(iter(change)) in unique)


def _post_copy(client, route, data, change):
    """POST an existing record's data (one field changed); fields the create request also requires are
    filled in from the 400 answer that names them."""
    body = {k: v for k, v in data.items() if k != "id" and v is not None} | change
    answer = client.post(route.url("list"), body, format="json")
    if answer.status_code == 400:
        missing = answer.json()["error"].get("fields") or {}
        body |= {name: "1" for name, errors in missing.items() if name not in body}
        answer = client.post(route.url("list"), body, format="json")
    return answer


def _entries(model) -> int:
    return AuditEntry.objects.filter(model=model._meta.label_lower).count()


WRITE_ROUTES = [pytest.param(r, id=r.prefix) for r in API if r.supports("partial_update") or r.supports("create")]


@pytest.mark.parametrize("route", WRITE_ROUTES)
def test_api_write_leaves_an_audit_entry(demo, api, route):
    """PATCH one field of a record in the writer's scope (or POST a copy when the route only creates): the
    change must leave an audit entry. Tried as each county user allowed to, and field by field, until one
    write is accepted: which fields a service accepts is its business, not this test's."""
    patching = route.supports("partial_update")
    writers = _writers(route.model, "change" if patching else "add")
    assert writers, f"no demo county user may write {route.model._meta.label}"
    tried = []
    for writer in writers:
        client = api(writer.username)
        record = scope(route.viewset.queryset.all(), writer).order_by("-pk").first()  # the newest: still open
        if record is None:
            continue
        data = client.get(route.url("detail", record.pk)).json()
        changes = _field_changes(route, writer, data)[:4]
        writes = [(patching, c) for c in changes] + [(False, c) for c in changes[:1] or [{}] if route.supports("create")]
        for patch, change in writes:
            before = _entries(route.model)
            if patch:
                answer = client.patch(route.url("detail", record.pk), change, format="json")
                what = f"PATCH {route.url('detail', record.pk)} {change} as {writer}"
            else:
                answer = _post_copy(client, route, data, change)
                what = f"POST {route.url('list')} (a copy of #{record.pk}, {change}) as {writer}"
            if answer.status_code in (200, 201):
                assert _entries(route.model) > before, (
                    f"{what} changed {route.model._meta.label} without an audit entry")
                return
            tried.append(f"{what}: {answer.status_code} {answer.content[:160].decode(errors='replace')}")
    if route.supports("create") and route.model.region_field == "region":
        before = _entries(route.model)
        _copy_into_other_township(route.model)  # the admin POSTs a copy placed in 回澜镇
        assert _entries(route.model) > before, f"POST {route.url('list')} created a record without an audit entry"
        return
    pytest.fail(f"no write to {route.model._meta.label} was accepted:\n" + "\n".join(tried))
