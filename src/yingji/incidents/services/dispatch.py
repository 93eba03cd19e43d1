"""Dispatch (力量调派): rank candidate forces for an incident, send them, follow their status.

Ranking asks a travel estimator for seconds and metres from every candidate to the incident: by
road once a network is imported (yingji roads import), else straight line × detour factor at a set
speed, always labelled 估算(直线) (see yingji.core.roads).
"""

from dataclasses import dataclass

import numpy as np
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


@dataclass
class Candidate:
    force: RescueForce
    seconds: float
    metres: float
    method: str
    capable: bool
    busy: bool

    @property
    def eta_minutes(self) -> float:
        return round(self.seconds / 60, 1)

    @property
    def km(self) -> float:
        return round(self.metres / 1000, 1)


def candidates(incident: Incident, user, limit: int = 20) -> list[Candidate]:
    """Forces in the user's scope with a location, nearest first; capable and free ones ahead of the rest."""
    if incident.longitude is None or incident.latitude is None:
        return []
    forces = list(scope(RescueForce.objects.exclude(status=RescueForce.DISABLED)
                        .filter(longitude__isnull=False, latitude__isnull=False), user))
    if not forces:
        return []
    lons = np.fromiter((f.longitude for f in forces), float, len(forces))
    lats = np.fromiter((f.latitude for f in forces), float, len(forces))
    estimate = estimator()(incident.longitude, incident.latitude, lons, lats)
    busy = set(Assignment.objects.filter(active=True).values_list("force_id", flat=True))
    methods = estimate.methods or (estimate.method,) * len(forces)
    rows = [Candidate(f, float(s), float(m), method, event_codes.covers(f.capabilities, incident.event_code),
                      f.pk in busy)
            for f, s, m, method in zip(forces, estimate.seconds, estimate.metres, methods, strict=True)]
    rows.sort(key=lambda c: (c.busy, not c.capable, c.seconds))
    return rows[:limit]


def _estimate_for(incident: Incident, force: RescueForce) -> tuple[int | None, int | None, str]:
    if None in (incident.longitude, incident.latitude, force.longitude, force.latitude):
        return None, None, ""
    est = estimator()(incident.longitude, incident.latitude, np.array([force.longitude]), np.array([force.latitude]))
    return int(est.seconds[0]), int(est.metres[0]), est.methods[0] if est.methods else est.method


def route_feature(force: RescueForce, incident: Incident) -> dict:
    """The route a unit drives to the incident, as a GeoJSON Feature (for the map and the API)."""
    if None in (incident.longitude, incident.latitude, force.longitude, force.latitude):
        raise ValidationError({"force": ["队伍或事件没有标注位置，无法规划路线。"]})
    try:
        found = routing.route(roads.network(), (force.longitude, force.latitude), (incident.longitude, incident.latitude))
    except ValueError as exc:  # off the network or unreachable: say so, in Chinese, from the engine
        raise ValidationError({"force": [str(exc)]}) from None
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": found.coordinates},
            "properties": {"force": force.pk, "seconds": round(found.seconds), "metres": round(found.metres),
                           "method": found.method}}


@transaction.atomic
def dispatch(actor, incident: Incident, force: RescueForce, vehicle: Vehicle | None = None, notes: str = ""):
    """Send a force (and optionally one of its vehicles). A force or vehicle already on an active
    assignment is refused: checked under row locks, and the database's unique index is the backstop."""
    require_perm(actor, "incidents.add_assignment")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    force = RescueForce.objects.select_for_update().get(pk=force.pk)
    require_region(actor, incident.region)
    require_region(actor, force.region)
    if not incident.is_active:
        raise ValidationError({"incident": [f"事件处于“{incident.get_status_display()}”，不能再调派力量。"]})
    if force.status == RescueForce.DISABLED:
        raise ValidationError({"force": [f"{force.name}已停用，不能调派。"]})
    _refuse_busy(force=force)
    if vehicle is not None:
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if vehicle.station_id != force.pk:
            raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 不属于{force.name}。"]})
        if vehicle.status != Vehicle.AVAILABLE:
            raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 当前“{vehicle.get_status_display()}”，不能调派。"]})
        _refuse_busy(vehicle=vehicle)
    seconds, metres, method = _estimate_for(incident, force)
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
    record(incident, "dispatch", f"调派{assignment.force.name}" + (f"（{vehicle.plate}）" if vehicle else "") + eta,
           actor, data={"assignment": assignment.pk, "force": force.pk, "eta_s": seconds, "distance_m": metres})
    if incident.status in (Incident.REPORTED, Incident.VERIFYING):
        from .incidents import transition

        transition(actor, incident, Incident.RESPONDING, "已调派救援力量")
    return assignment


def _refuse_busy(force=None, vehicle=None):
    if force is not None:
        other = Assignment.objects.filter(force=force, active=True).select_related("incident").first()
        if other:
            raise ValidationError({"force": [f"{force.name}正在执行 {other.incident.number}（{other.incident.title}），"
                                             f"不能同时调派到两起事件。"]})
    if vehicle is not None:
        other = Assignment.objects.filter(vehicle=vehicle, active=True).select_related("incident").first()
        if other:
            raise ValidationError({"vehicle": [f"车辆 {vehicle.plate} 正在执行 {other.incident.number}，不能重复调派。"]})


def _set_unit_status(actor, force, vehicle, busy: bool, reason: str):
    wanted = RescueForce.DISPATCHED if busy else RescueForce.ON_DUTY
    if force.status != wanted and not (not busy and force.status in (RescueForce.RESTING, RescueForce.DISABLED)):
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
