"""Dispatch (力量调派): rank candidate forces for an incident, send their vehicles, follow their status.

Ranking asks a travel estimator for seconds and metres from every candidate to the incident: by
road once a network is imported (yingji roads import), else straight line × detour factor at a set
speed, always labelled 估算(直线) (see yingji.core.roads). Each candidate carries why it matches
(the incident's 细类 against the force's capabilities: its 类 → 匹配, only its 大类 → 部分匹配, else
不匹配, shown last) and why it stands where it does. For fires (12G) and hazardous chemicals (12D) a
fire station comes before a volunteer team unless the team is nearer by more than the bureau's margin
(YINGJI_VOLUNTEER_MARGIN_SECONDS). A station sends chosen vehicles, one assignment each; a force
without vehicles (an expert team, a township team) is sent as a whole.
"""

from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji import routing
from yingji.core import audit, roads
from yingji.core.models import AuditEntry
from yingji.core.scoping import require_region, scope
from yingji.core.services import person, require_perm
from yingji.resources.models import RescueForce, Vehicle
from yingji.resources.services import change_force_status, set_vehicle_status
from yingji.standards import event_codes

from .. import signals
from ..models import Assignment, Incident
from .timeline import record

ORDER = [s for s, _ in Assignment.STATUS_CHOICES]


def estimator():
    """The travel estimator in use: road network when one is imported, else straight line (labelled)."""
    return roads.estimator()


EXACT, PARTIAL, NONE = "exact", "partial", "none"
MATCH_LABELS = {EXACT: "匹配", PARTIAL: "部分匹配", NONE: "不匹配"}
MATCH_ORDER = [EXACT, PARTIAL, NONE]
# Fires and hazardous chemicals: the fire-rescue service's own work, stations before volunteers.
FIRE_FIRST_CLASSES = ("12G", "12D")
FIRE_STATION_TYPES = {"fire_station", "government_fire", "enterprise_fire"}
VOLUNTEER_TYPES = {"volunteer_fire", "micro_fire", "township", "village", "social"}


def volunteer_margin() -> int:
    """Seconds by which a volunteer team must be nearer than a fire station to rank before it."""
    return int(getattr(settings, "YINGJI_VOLUNTEER_MARGIN_SECONDS", 300))


def _name(code: str) -> str:
    try:
        return event_codes.get(code).name
    except ValueError:
        return code


def capability_match(capabilities, event_code: str) -> tuple[str, str]:
    """(EXACT/PARTIAL/NONE, reason) of a force's capabilities (类 or 大类 codes) for an event code."""
    code = (event_code or "").strip().upper()
    if len(code) != 5:
        return NONE, "不匹配：事件类别未填写"
    caps = {str(c).strip().upper() for c in capabilities or []}
    cls, top = code[:3] + "00", code[:2] + "000"
    if code in caps or (cls != top and cls in caps):
        return EXACT, f"匹配：具备{_name(cls)}处置能力"
    if top in caps or any(c[:3] == code[:3] and c != top for c in caps):
        return PARTIAL, f"部分匹配：具备{_name(top)}类处置能力，未专门列明{_name(cls)}"
    return NONE, f"不匹配：未列明{_name(cls)}或{_name(top)}处置能力"


@dataclass
class VehicleChoice:
    vehicle: Vehicle
    selectable: bool  # 在位 and not on an active assignment
    suggested: bool = False  # pre-ticked on the board: the force's first selectable vehicle that can get there
    seconds: float | None = None  # this vehicle's own road time, when its size closes roads the force's does not
    metres: float | None = None
    reason: str = ""  # why it cannot reach the incident ("限高 3 米，车高 3.8 米，无可通行路线")

    @property
    def reachable(self) -> bool:
        return not self.reason

    @property
    def status_label(self) -> str:
        return self.vehicle.get_status_display() if self.selectable or self.vehicle.status != Vehicle.AVAILABLE \
            else "出动"


@dataclass
class Candidate:
    force: RescueForce
    seconds: float
    metres: float
    method: str
    match: str
    match_reason: str
    busy: bool
    vehicles: list[VehicleChoice] = field(default_factory=list)
    rank_reason: str = ""
    penalty: float = 0  # seconds added for ranking only (a volunteer team on a fire)
    unreachable: str = ""  # none of its free vehicles has a permitted route: the reason (ranked last)

    @property
    def capable(self) -> bool:
        return self.match == EXACT

    @property
    def match_label(self) -> str:
        return MATCH_LABELS[self.match]

    @property
    def resting(self) -> bool:
        return self.force.status == RescueForce.RESTING

    @property
    def volunteer(self) -> bool:
        return self.force.type in VOLUNTEER_TYPES

    @property
    def selectable_vehicles(self) -> list[VehicleChoice]:
        return [v for v in self.vehicles if v.selectable]

    @property
    def eta_minutes(self) -> float:
        return round(self.seconds / 60, 1)

    @property
    def km(self) -> float:
        return round(self.metres / 1000, 1)

    @property
    def eta_text(self) -> str:
        return f"预计 {self.seconds / 60:.0f} 分钟到达（{self.method}）"


def _vehicles_by_force(forces) -> dict[int, list[VehicleChoice]]:
    out_ids = set(Assignment.objects.filter(active=True, vehicle__isnull=False).values_list("vehicle_id", flat=True))
    by_force: dict[int, list[VehicleChoice]] = {}
    for v in Vehicle.objects.filter(station__in=forces).exclude(status=Vehicle.RETIRED).order_by("plate"):
        by_force.setdefault(v.station_id, []).append(
            VehicleChoice(v, v.status == Vehicle.AVAILABLE and v.pk not in out_ids))
    return by_force


def _busy(force, vehicles, active: dict) -> bool:
    """Nothing more of this force can go: sent as a whole, or no vehicle left while some are out."""
    whole, partly = active.get(force.pk, (False, False))
    return whole or (partly and not any(v.selectable for v in vehicles))


def candidates(incident: Incident, user, limit: int = 20) -> list[Candidate]:
    """Forces in the user's scope with a location, free before busy, 匹配 before 部分匹配 before 不匹配,
    then by travel time (a volunteer team on a fire behind the stations unless nearer by the margin)."""
    if incident.longitude is None or incident.latitude is None:
        return []
    forces = list(scope(RescueForce.objects.exclude(status=RescueForce.DISABLED)
                        .filter(longitude__isnull=False, latitude__isnull=False), user))
    if not forces:
        return []
    lons = np.fromiter((f.longitude for f in forces), float, len(forces))
    lats = np.fromiter((f.latitude for f in forces), float, len(forces))
    estimate = estimator()(incident.longitude, incident.latitude, lons, lats)
    active: dict[int, tuple[bool, bool]] = {}
    for force_id, vehicle_id in Assignment.objects.filter(active=True).values_list("force_id", "vehicle_id"):
        whole, partly = active.get(force_id, (False, False))
        active[force_id] = (whole or vehicle_id is None, partly or vehicle_id is not None)
    vehicles = _vehicles_by_force(forces)
    methods = estimate.methods or (estimate.method,) * len(forces)
    rows = []
    for f, s, m, method in zip(forces, estimate.seconds, estimate.metres, methods, strict=True):
        match, reason = capability_match(f.capabilities, incident.event_code)
        own = vehicles.get(f.pk, [])
        if active.get(f.pk, (False, False))[0]:  # out as a whole: none of its vehicles can be chosen
            own = [VehicleChoice(v.vehicle, False) for v in own]
        rows.append(Candidate(f, float(s), float(m), method, match, reason, _busy(f, own, active), own))
    _by_vehicle_size(rows, incident)
    for row in rows:
        first = next((v for v in row.vehicles if v.selectable and v.reachable), None)
        if first is not None:
            first.suggested = True
    _rank(rows, incident)
    return rows[:limit]


def _by_vehicle_size(rows: list[Candidate], incident: Incident):
    """Each free vehicle's own road time by its size (roads with a lower maxheight/maxweight/maxwidth are
    closed to it): one estimate per distinct size over the forces holding such a vehicle. A force is as fast
    as its fastest free vehicle; when none of them has a permitted route it is marked unreachable with the
    reason. Without a road network, or where nothing limits a size, the force's own estimate stands."""
    from yingji.routing.vehicles import view

    graph = roads.network()
    if graph is None or not graph.edge_arrays:
        return
    by_size: dict[tuple, tuple] = {}
    for row in rows:
        for choice in row.vehicles:
            if choice.selectable:
                try:
                    size = choice.vehicle.road_size()
                except ValueError:  # a size outside the plausible range: rank it as the force, say nothing
                    continue
                by_size.setdefault(size.key, (size, []))[1].append((row, choice))
    for size, members in by_size.values():
        if view(graph, size) is graph:
            continue  # no road closed to this size: the force's estimate is this vehicle's
        forces = list({id(row): row for row, _ in members}.values())
        lons = np.fromiter((r.force.longitude for r in forces), float, len(forces))
        lats = np.fromiter((r.force.latitude for r in forces), float, len(forces))
        # One search that stops at the last of these forces (no precomputed table per size: those are kept
        # for the whole set of forces, and a table per subset would push them out of their small cache).
        found = routing.travel_to(graph, incident.longitude, incident.latitude, lons, lats, fallback=True,
                                  vehicle=size)
        at = {id(r): i for i, r in enumerate(forces)}
        for row, choice in members:
            i = at[id(row)]
            if np.isfinite(found.seconds[i]):
                choice.seconds, choice.metres = float(found.seconds[i]), float(found.metres[i])
            else:
                choice.reason = found.reasons[i] or "无可通行路线"
    for row in rows:
        free = [c for c in row.vehicles if c.selectable]
        if not free:
            continue
        open_ = [c for c in free if c.reachable]
        if not open_:
            row.unreachable = free[0].reason
            continue
        fastest = min(open_, key=lambda c: c.seconds if c.seconds is not None else row.seconds)
        if fastest.seconds is not None and fastest.seconds > row.seconds:  # every open vehicle takes a detour
            row.seconds, row.metres = fastest.seconds, fastest.metres


def _rank(rows: list[Candidate], incident: Incident):
    """Order the rows and say why each stands where it does."""
    fire = (incident.event_code or "")[:3].upper() in FIRE_FIRST_CLASSES
    margin = volunteer_margin()
    stations = [c for c in rows if not c.busy and not c.resting and not c.unreachable and c.match != NONE
                and c.force.type in FIRE_STATION_TYPES]
    nearest = min(stations, key=lambda c: c.seconds, default=None)
    for c in rows:
        if c.busy:
            c.rank_reason = "正在执行任务，暂无可调派车辆"
        elif c.unreachable:
            c.rank_reason = f"在位车辆均无可通行路线（{c.unreachable}），排在最后"
        elif c.match == NONE:
            c.rank_reason = f"{c.eta_text}；不具备该类事件处置能力，排在匹配队伍之后"
        elif fire and c.force.type in FIRE_STATION_TYPES:
            c.rank_reason = f"消防救援站，优先于志愿队伍；{c.eta_text}"
        elif fire and c.volunteer and nearest is not None:
            c.penalty = margin
            c.rank_reason = _volunteer_reason(c, nearest, margin)
        else:
            c.rank_reason = c.eta_text
        if c.resting and not c.busy:
            c.rank_reason = f"休整中，排在在岗力量之后；{c.rank_reason}"
    # Resting units after those on duty; ties at the margin go to the station.
    # A force none of whose free vehicles can get there goes after every force that can.
    rows.sort(key=lambda c: (c.busy, bool(c.unreachable), c.resting, MATCH_ORDER.index(c.match),
                             c.seconds + c.penalty, c.volunteer))


def _volunteer_reason(c: Candidate, station: Candidate, margin: int) -> str:
    gain = station.seconds - c.seconds
    limit = f"{margin / 60:.0f} 分钟"
    if gain > margin:
        return (f"志愿队伍，比最近的消防救援站（{station.force.name}）近 {gain / 60:.0f} 分钟，超过 {limit}，"
                f"排在前面；{c.eta_text}")
    nearer = f"仅近 {gain / 60:.0f} 分钟（不足 {limit}）" if gain > 0 else "并不更近"
    return f"志愿队伍，比最近的消防救援站（{station.force.name}）{nearer}，排在消防救援站之后；{c.eta_text}"


def _road_size(vehicle: Vehicle | None):
    """The vehicle's routing size when a road network with limits is loaded, else None (no size to honour)."""
    graph = roads.network()
    if vehicle is None or graph is None or not graph.edge_arrays:
        return None
    try:
        return vehicle.road_size()
    except ValueError:  # a size outside the plausible range (the form refuses it; old rows): route as the force
        return None


def _estimate_for(incident: Incident, force: RescueForce, vehicle: Vehicle | None = None
                  ) -> tuple[int | None, int | None, str, str]:
    """(seconds, metres, method, reason): the vehicle's own road time by its size; no time and the reason
    when it has no permitted route."""
    if None in (incident.longitude, incident.latitude, force.longitude, force.latitude):
        return None, None, "", ""
    size = _road_size(vehicle)
    lons, lats = np.array([force.longitude]), np.array([force.latitude])
    if size is None:
        est = estimator()(incident.longitude, incident.latitude, lons, lats)
    else:
        est = routing.travel_to(roads.network(), incident.longitude, incident.latitude, lons, lats, fallback=True,
                                vehicle=size)
    if not np.isfinite(est.seconds[0]):
        return None, None, "", est.reasons[0] or "无可通行路线"
    return int(est.seconds[0]), int(est.metres[0]), est.methods[0] if est.methods else est.method, ""


def route_feature(force: RescueForce, incident: Incident, vehicle: Vehicle | None = None) -> dict:
    """The route a unit (or one of its vehicles, by its size) drives to the incident, as a GeoJSON Feature."""
    if None in (incident.longitude, incident.latitude, force.longitude, force.latitude):
        raise ValidationError({"force": ["队伍或事件没有标注位置，无法规划路线。"]})
    if vehicle is not None and vehicle.station_id != force.pk:
        raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 不属于{force.name}。"]})
    try:
        found = routing.route(roads.network(), (force.longitude, force.latitude),
                              (incident.longitude, incident.latitude), vehicle=_road_size(vehicle))
    except ValueError as exc:  # off the network or unreachable: say so, in Chinese, from the engine
        raise ValidationError({"force": [str(exc)]}) from None
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": found.coordinates},
            "properties": {"force": force.pk, "seconds": round(found.seconds), "metres": round(found.metres),
                           "method": found.method}}


@transaction.atomic
def dispatch_units(actor, incident: Incident, force: RescueForce, vehicles=(), notes: str = "") -> list[Assignment]:
    """Send the chosen vehicles of a force, one assignment each (all or none), or the force as a whole
    when none is chosen (a force without vehicles)."""
    vehicles = list(vehicles or [])
    if len({v.pk for v in vehicles}) != len(vehicles):
        raise ValidationError({"vehicles": ["同一车辆选择了两次。"]})
    if not vehicles:
        return [dispatch(actor, incident, force, None, notes)]
    try:
        return [dispatch(actor, incident, force, v, notes) for v in vehicles]
    except ValidationError as exc:  # name the field the request used
        if hasattr(exc, "error_dict") and "vehicle" in exc.error_dict:
            raise ValidationError({"vehicles": exc.error_dict["vehicle"]}) from None
        raise


def confirmation(assignments: list[Assignment]) -> str:
    """"已调派 乐至县城东消防站 川M·23101应急 水罐消防车、…，前往 <incident title>"."""
    first = assignments[0]
    units = "、".join(f"{a.vehicle.plate} {a.vehicle.get_type_display()}" for a in assignments if a.vehicle_id)
    return f"已调派 {first.force.name}{' ' + units if units else '（整队）'}，前往 {first.incident.title}"


@transaction.atomic
def dispatch(actor, incident: Incident, force: RescueForce, vehicle: Vehicle | None = None, notes: str = ""):
    """Send a force as a whole, or one of its vehicles. A vehicle already out, a force already sent as a
    whole, or a whole force while some of its vehicles are out is refused: checked under row locks, and
    the database's unique indexes are the backstop."""
    require_perm(actor, "incidents.add_assignment")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    force = RescueForce.objects.select_for_update().get(pk=force.pk)
    require_region(actor, incident.region)
    require_region(actor, force.region)
    if not incident.is_active:
        raise ValidationError({"incident": [f"事件处于“{incident.get_status_display()}”，不能再调派力量。"]})
    if force.status == RescueForce.DISABLED:
        raise ValidationError({"force": [f"{force.name}已停用，不能调派。"]})
    _refuse_busy(force=force, whole=vehicle is None)
    if vehicle is not None:
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if vehicle.station_id != force.pk:
            raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 不属于{force.name}。"]})
        if vehicle.status != Vehicle.AVAILABLE:
            raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 当前“{vehicle.get_status_display()}”，不能调派。"]})
        _refuse_busy(vehicle=vehicle)
    seconds, metres, method, unreachable = _estimate_for(incident, force, vehicle)
    assignment = Assignment(incident=incident, force=force, vehicle=vehicle, assigned_at=timezone.now(),
                            eta_s=seconds, distance_m=metres, eta_method=method, notes=notes.strip()[:255],
                            assigned_by=person(actor))
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        raise ValidationError({"force": [f"{force.name}刚刚被调派到其他事件，请刷新后重选。"]}) from None
    audit.record(actor, AuditEntry.CREATE, assignment, audit.diff({}, audit.snapshot(assignment)))
    _set_unit_status(actor, force, vehicle, busy=True, reason=f"调派至 {incident.number}")
    eta = f"，预计 {seconds / 60:.0f} 分钟到达（{method}，{metres / 1000:.1f} km）" if seconds is not None else ""
    if unreachable:  # sent anyway (the dispatcher may know a way): the record says the network has none
        eta = f"；注意：{unreachable}"
    record(incident, "dispatch", f"调派{assignment.force.name}" + (f"（{vehicle.plate}）" if vehicle else "") + eta,
           actor, data={"assignment": assignment.pk, "force": force.pk, "eta_s": seconds, "distance_m": metres})
    if incident.status in (Incident.REPORTED, Incident.VERIFYING):
        from .incidents import transition

        transition(actor, incident, Incident.RESPONDING, "已调派救援力量")
    return assignment


def _refuse_busy(force=None, vehicle=None, whole=True):
    if force is not None:
        # A whole force is refused while any of it is out; a vehicle while the force is out as a whole.
        out = Assignment.objects.filter(force=force, active=True)
        other = (out if whole else out.filter(vehicle__isnull=True)).select_related("incident").first()
        if other:
            raise ValidationError({"force": [f"{force.name}正在执行 {other.incident.number}（{other.incident.title}），"
                                             f"不能同时调派到两起事件。"]})
    if vehicle is not None:
        other = Assignment.objects.filter(vehicle=vehicle, active=True).select_related("incident").first()
        if other:
            raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 正在执行 {other.incident.number}，不能重复调派。"]})


def _set_unit_status(actor, force, vehicle, busy: bool, reason: str):
    wanted = RescueForce.DISPATCHED if busy else RescueForce.ON_DUTY
    still_out = not busy and Assignment.objects.filter(force=force, active=True).exists()
    if (force.status != wanted and not still_out
            and not (not busy and force.status in (RescueForce.RESTING, RescueForce.DISABLED))):
        change_force_status(actor, force, wanted, reason)
    if vehicle is not None:
        set_vehicle_status(actor, vehicle, Vehicle.DISPATCHED if busy else Vehicle.AVAILABLE)


@transaction.atomic
def advance(actor, assignment: Assignment, status: str, when=None, notes: str = "") -> Assignment:
    """已派 → 出动 → 到场 → 处置 → 返回 → 归队. A step may be skipped (a crew reports 到场 without
    出动 having been keyed in); going back is refused. 归队 ends the assignment and frees the unit."""
    require_perm(actor, "incidents.change_assignment")
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("incident", "force", "vehicle").get(
        pk=assignment.pk)
    require_region(actor, assignment.incident.region)
    if status not in ORDER:
        raise ValidationError({"status": [f"未知状态“{status}”。"]})
    if not assignment.active:
        raise ValidationError({"status": ["该力量已归队，调派已结束。"]})
    if ORDER.index(status) <= ORDER.index(assignment.status):
        raise ValidationError({"status": [f"当前已是“{assignment.get_status_display()}”，不能改为"
                                          f"“{dict(Assignment.STATUS_CHOICES)[status]}”。"]})
    when = when or timezone.now()
    if when < assignment.assigned_at:
        raise ValidationError({"time": ["时间不能早于调派时间。"]})
    if when > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"time": ["时间不能晚于当前时间。"]})
    before = audit.snapshot(assignment)
    arriving = ORDER.index(assignment.status) < ORDER.index(Assignment.ON_SCENE) <= ORDER.index(status)
    assignment.status = status
    setattr(assignment, Assignment.TIME_FIELDS[status], when)
    if status == Assignment.BACK:
        assignment.active = False
    assignment.save()
    audit.record(actor, AuditEntry.UPDATE, assignment, audit.diff(before, audit.snapshot(assignment)))
    if status == Assignment.BACK:
        _set_unit_status(actor, assignment.force, assignment.vehicle, busy=False, reason=f"{assignment.incident.number} 归队")
    label = dict(Assignment.STATUS_CHOICES)[status]
    extra = ""
    if status == Assignment.ON_SCENE and assignment.response_s is not None:
        extra = f"，响应用时 {assignment.response_s / 60:.1f} 分钟"
        if assignment.eta_s:
            extra += f"（预计 {assignment.eta_s / 60:.1f} 分钟）"
    record(assignment.incident, "dispatch", f"{assignment.force.name}{label}{extra}" + (f"：{notes}" if notes else ""),
           actor, data={"assignment": assignment.pk, "status": status}, time=when)
    if arriving and status != Assignment.BACK:  # on scene (or working there): plan tasks waiting for it are done
        signals.send_event(assignment.incident, signals.UNIT_ARRIVED, assignment, actor, when)
    return assignment
