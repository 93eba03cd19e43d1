"""State changes of emergency resources: validated, in one transaction, audited."""

import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yingji.core import audit, geo
from yingji.core.models import AuditEntry, Organisation
from yingji.core.scoping import require_region, scope_actor
from yingji.core.services import delete_scoped, person, require_perm, save_scoped
from yingji.standards import event_codes, supplies

from .models import (
    AgreementItem,
    AgreementReserve,
    Equipment,
    Expert,
    ForceStatusChange,
    Hydrant,
    HydrantInspection,
    MaintenanceRecord,
    RescueForce,
    ReserveNorm,
    Shelter,
    StockLevel,
    StockMovement,
    SupplyItem,
    Vehicle,
    Warehouse,
)


def _check_capabilities(codes) -> list[str]:
    if not isinstance(codes, (list, tuple)):
        raise ValidationError({"capabilities": "可处置事件类别应为事件代码列表，如 [\"12G00\", \"11A00\"]。"})
    cleaned, errors = [], []
    for code in codes:
        try:
            found = event_codes.get(str(code))
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if found.is_detail:  # capabilities are kept at 类 level so matching stays coarse-grained
            errors.append(f"请填写事件类别（如 {found.parent_code} {event_codes.get(found.parent_code).name}），"
                          f"不要填写细类 {found.code} {found.name}。")
        else:
            cleaned.append(found.code)
    if errors:
        raise ValidationError({"capabilities": errors})
    return sorted(set(cleaned), key=cleaned.index)


def _check_force(actor, force: RescueForce):
    errors = {}
    if force.organisation_id and not scope_actor(Organisation.objects.filter(pk=force.organisation_id), actor).exists():
        errors["organisation"] = ["上级单位不在您的管辖范围内。"]
    if force.type == "fire_station" and not force.station_class:
        errors["station_class"] = ["消防救援站须注明等级（一级站、二级站、特勤站、小型站或战勤保障站）。"]
    if force.type != "fire_station" and force.station_class:
        errors["station_class"] = ["只有消防救援站才有站级。"]
    if force.type != "professional" and force.specialty:
        errors["specialty"] = ["只有专业救援队伍才填写专业方向。"]
    if force.type == "professional" and not force.specialty:
        errors["specialty"] = ["专业救援队伍须注明专业方向。"]
    if force.members_on_duty > force.members_total:
        errors["members_on_duty"] = [f"在岗人数（{force.members_on_duty}）不能多于队员总数（{force.members_total}）。"]
    try:
        force.capabilities = _check_capabilities(force.capabilities)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        geo.validate_point(force.longitude, force.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_force(actor, force: RescueForce, data: dict) -> RescueForce:
    """Create or edit a force. Readiness status changes only through change_force_status (it keeps history)."""
    creating = force.pk is None
    data = {k: v for k, v in data.items() if k not in ("status", "status_changed_at")}
    save_scoped(actor, force, data, validate=lambda f: _check_force(actor, f))
    if creating:
        ForceStatusChange.objects.create(force=force, from_status="", to_status=force.status, actor=person(actor),
                                         reason="登记", members_on_duty=force.members_on_duty)
    return force


@transaction.atomic
def change_force_status(actor, force: RescueForce, status: str, reason: str = "", members_on_duty=None):
    """在岗/出动/休整/停用, with the reason and time kept in the force's history."""
    require_perm(actor, "resources.change_rescueforce")
    force = RescueForce.objects.select_for_update().get(pk=force.pk)
    require_region(actor, force.region)
    if status not in dict(RescueForce.STATUS_CHOICES):
        raise ValidationError({"status": f"未知状态“{status}”，可选：在岗、出动、休整、停用。"})
    if status == force.status and members_on_duty in (None, force.members_on_duty):
        raise ValidationError({"status": f"队伍已是“{force.get_status_display()}”状态。"})
    if status == RescueForce.DISABLED and not reason.strip():
        raise ValidationError({"reason": "停用队伍必须说明原因。"})
    if members_on_duty is not None and members_on_duty > force.members_total:
        raise ValidationError({"members_on_duty": f"在岗人数不能多于队员总数（{force.members_total}）。"})
    before = audit.snapshot(force)
    old = force.status
    force.status = status
    force.status_changed_at = timezone.now()
    if members_on_duty is not None:
        force.members_on_duty = members_on_duty
    force.save(update_fields=["status", "status_changed_at", "members_on_duty", "updated_at"])
    ForceStatusChange.objects.create(force=force, from_status=old, to_status=status, actor=person(actor),
                                     reason=reason.strip(), members_on_duty=force.members_on_duty)
    audit.record(actor, AuditEntry.UPDATE, force, audit.diff(before, audit.snapshot(force)))
    return force


def delete_force(actor, force: RescueForce):
    delete_scoped(actor, force)


# --- Warehouses, supply catalogue and the stock ledger ------------------------

def _check_located(actor, record):
    errors = {}
    if getattr(record, "organisation_id", None) and not scope_actor(Organisation.objects.filter(pk=record.organisation_id),
                                                  actor).exists():
        errors["organisation"] = ["管理单位不在您的管辖范围内。"]
    try:
        geo.validate_point(record.longitude, record.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def save_warehouse(actor, warehouse: Warehouse, data: dict) -> Warehouse:
    return save_scoped(actor, warehouse, data, validate=lambda w: _check_located(actor, w))


def _empty(warehouse: Warehouse):
    if warehouse.levels.filter(quantity__gt=0).exists():
        raise ValidationError("储备库仍有库存，请先调拨或出库后再删除。")


def delete_warehouse(actor, warehouse: Warehouse):
    delete_scoped(actor, warehouse, validate=_empty)


def _check_item(item: SupplyItem):
    try:
        item.code, level = supplies.parse(item.code)
    except ValueError as exc:
        raise ValidationError({"code": str(exc)}) from exc
    if level != 4:
        raise ValidationError({"code": "物资品目应使用 7 位细类代码（大类 1 位 + 中类、小类、细类各 2 位）。"})


def save_item(actor, item: SupplyItem, data: dict) -> SupplyItem:
    return save_scoped(actor, item, data, validate=_check_item)


def delete_supplyitem(actor, item: SupplyItem):
    """A catalogue entry still held, normed or promised is protected by the database (said in Chinese)."""
    delete_scoped(actor, item)


def _quantity(value, field="quantity") -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValidationError({field: f"数量“{value}”不是有效的数字。"}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError({field: "数量必须大于 0。"})
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValidationError({field: "数量最多保留两位小数。"})
    return quantity


def _post(actor, warehouse, item, kind, delta, batch="", expiry=None, reason="", transfer=None, counterpart=None):
    """Apply one ledger line to the locked aggregate row, refusing to go below zero."""
    level, _ = StockLevel.objects.select_for_update().get_or_create(
        warehouse=warehouse, item=item, batch=batch, defaults={"expiry": expiry}
    )
    if level.quantity + delta < 0:
        raise ValidationError({"quantity": f"{warehouse}“{item.name}”{('批次 ' + batch) if batch else ''}"
                                           f"库存仅 {level.quantity}{item.unit}，不能减少 {-delta}{item.unit}。"})
    level.quantity += delta
    if delta > 0 and expiry and (level.expiry is None or expiry < level.expiry):
        level.expiry = expiry
    level.save(update_fields=["quantity", "expiry"])
    movement = StockMovement.objects.create(
        warehouse=warehouse, item=item, kind=kind, batch=batch, delta=delta, expiry=level.expiry, reason=reason,
        transfer=transfer, counterpart=counterpart, actor=person(actor),
    )
    audit.record(actor, AuditEntry.CREATE, movement, audit.diff({}, audit.snapshot(movement)))
    return movement


def _allocate(warehouse, item, quantity, batch=None):
    """Batches to take `quantity` from: the named batch, else first-expiring first (FEFO).

    The rows are locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions
    already serialise writers), so two withdrawals at once cannot both see the same stock.
    """
    rows = StockLevel.objects.select_for_update().filter(warehouse=warehouse, item=item, quantity__gt=0)
    if batch:
        rows = rows.filter(batch=batch)
    rows = list(rows.order_by(F("expiry").asc(nulls_last=True), "batch", "id"))
    available = sum((r.quantity for r in rows), Decimal(0))
    if available < quantity:
        where = f"批次 {batch} " if batch else ""
        raise ValidationError({"quantity": f"{warehouse}“{item.name}”{where}库存仅 {available}{item.unit}，"
                                           f"不足 {quantity}{item.unit}。"})
    plan, left = [], quantity
    for row in rows:
        take = min(row.quantity, left)
        plan.append((row.batch, take))
        left -= take
        if left == 0:
            break
    return plan


def _ledger_access(actor, *warehouses):
    require_perm(actor, "resources.add_stockmovement")
    for warehouse in warehouses:
        require_region(actor, warehouse.region, field="warehouse")


@transaction.atomic
def receive(actor, warehouse, item, quantity, batch="", expiry=None, reason=""):
    """入库."""
    _ledger_access(actor, warehouse)
    quantity = _quantity(quantity)
    return [_post(actor, warehouse, item, StockMovement.IN, quantity, batch.strip(), expiry, reason)]


@transaction.atomic
def issue(actor, warehouse, item, quantity, reason, batch=None):
    """出库 (first-expiring batches first unless a batch is named)."""
    _ledger_access(actor, warehouse)
    if not (reason or "").strip():
        raise ValidationError({"reason": "出库必须填写事由（如用于哪起事件、发往何处）。"})
    plan = _allocate(warehouse, item, _quantity(quantity), batch)
    return [_post(actor, warehouse, item, StockMovement.OUT, -take, b, None, reason) for b, take in plan]


@transaction.atomic
def transfer(actor, source, target, item, quantity, reason="", batch=None):
    """调拨: both legs in one transaction, linked by one transfer id; batches and expiry travel along."""
    _ledger_access(actor, source, target)
    if source.pk == target.pk:
        raise ValidationError({"target": "调入库不能与调出库相同。"})
    plan = _allocate(source, item, _quantity(quantity), batch)
    transfer_id = uuid.uuid4()
    movements = []
    for b, take in plan:
        out = _post(actor, source, item, StockMovement.TRANSFER_OUT, -take, b, None, reason, transfer_id, target)
        movements.append(out)
        movements.append(_post(actor, target, item, StockMovement.TRANSFER_IN, take, b, out.expiry, reason,
                               transfer_id, source))
    return movements


@transaction.atomic
def adjust(actor, warehouse, item, counted, reason, batch=""):
    """盘点调整: set a batch to the counted quantity; the ledger records the difference."""
    _ledger_access(actor, warehouse)
    if not (reason or "").strip():
        raise ValidationError({"reason": "盘点调整必须说明原因。"})
    try:
        counted = Decimal(str(counted))
    except (InvalidOperation, TypeError):
        raise ValidationError({"quantity": f"盘点数量“{counted}”不是有效的数字。"}) from None
    if counted < 0:
        raise ValidationError({"quantity": "盘点数量不能为负数。"})
    level = StockLevel.objects.select_for_update().filter(warehouse=warehouse, item=item, batch=batch).first()
    current = level.quantity if level else Decimal(0)
    if counted == current:
        raise ValidationError({"quantity": f"盘点数量与账面数量（{current}）相同，无需调整。"})
    return [_post(actor, warehouse, item, StockMovement.ADJUST, counted - current, batch, None, reason)]


@transaction.atomic
def scrap(actor, warehouse, item, quantity, reason, batch=""):
    """报废 a quantity of one batch (expired, damaged)."""
    _ledger_access(actor, warehouse)
    if not (reason or "").strip():
        raise ValidationError({"reason": "报废必须说明原因。"})
    plan = _allocate(warehouse, item, _quantity(quantity), batch)
    return [_post(actor, warehouse, item, StockMovement.SCRAP, -take, b, None, reason) for b, take in plan]


@transaction.atomic
def set_norm(actor, warehouse, item, quantity) -> ReserveNorm:
    require_region(actor, warehouse.region, field="warehouse")
    norm = ReserveNorm.objects.filter(warehouse=warehouse, item=item).first() or ReserveNorm(warehouse=warehouse,
                                                                                             item=item)
    return save_scoped(actor, norm, {"quantity": quantity})


def delete_reservenorm(actor, norm: ReserveNorm):
    delete_scoped(actor, norm)


# --- Shelters and hydrants ----------------------------------------------------

def shelter_capacity(area_m2, shelter_type: str) -> int:
    """Whole persons: effective area ÷ the per-capita norm of the type (rounded down)."""
    per_person = Decimal(str(settings.YINGJI_SHELTER_AREA_PER_PERSON[shelter_type]))
    return int(Decimal(area_m2) // per_person)


def _check_shelter(actor, shelter: Shelter):
    errors = {}
    try:
        _check_located(actor, shelter)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    unknown = [f for f in shelter.facilities or [] if f not in dict(Shelter.FACILITIES)]
    if unknown or not isinstance(shelter.facilities, list):
        errors["facilities"] = [f"未知设施：{'、'.join(map(str, unknown))}；可选：{'、'.join(dict(Shelter.FACILITIES).values())}。"]
    if shelter.type in settings.YINGJI_SHELTER_AREA_PER_PERSON and shelter.effective_area_m2 is not None:
        shelter.capacity = shelter_capacity(shelter.effective_area_m2, shelter.type)
    if errors:
        raise ValidationError(errors)


def save_shelter(actor, shelter: Shelter, data: dict) -> Shelter:
    return save_scoped(actor, shelter, data, validate=lambda s: _check_shelter(actor, s))


def delete_shelter(actor, shelter: Shelter):
    delete_scoped(actor, shelter)


def save_hydrant(actor, hydrant: Hydrant, data: dict) -> Hydrant:
    """Register or edit a hydrant; its status changes through inspections, which keep the history."""
    if hydrant.pk is not None:
        data = {k: v for k, v in data.items() if k not in ("status", "last_inspected")}
    return save_scoped(actor, hydrant, data, validate=lambda h: _check_located(actor, h))


def delete_hydrant(actor, hydrant: Hydrant):
    delete_scoped(actor, hydrant)


@transaction.atomic
def inspect_hydrant(actor, hydrant: Hydrant, date, status: str, pressure_mpa=None, notes="") -> HydrantInspection:
    require_perm(actor, "resources.add_hydrantinspection")
    hydrant = Hydrant.objects.select_for_update().get(pk=hydrant.pk)
    require_region(actor, hydrant.region)
    if status not in dict(Hydrant.STATUS_CHOICES):
        raise ValidationError({"status": f"未知检查结果“{status}”，可选：完好、损坏、维修中、停用。"})
    if date > timezone.localdate():
        raise ValidationError({"date": "检查日期不能晚于今天。"})
    if status != Hydrant.OK and not (notes or "").strip():
        raise ValidationError({"notes": "检查结果不是“完好”时，请说明情况。"})
    inspection = HydrantInspection(hydrant=hydrant, date=date, status=status, pressure_mpa=pressure_mpa,
                                   notes=(notes or "").strip(), actor=person(actor))
    inspection.full_clean()
    inspection.save()
    audit.record(actor, AuditEntry.CREATE, inspection, audit.diff({}, audit.snapshot(inspection)))
    if hydrant.last_inspected is None or date >= hydrant.last_inspected:  # a late-entered old check changes nothing
        before = audit.snapshot(hydrant)
        hydrant.status, hydrant.last_inspected = status, date
        if pressure_mpa is not None:
            hydrant.pressure_mpa = pressure_mpa
        hydrant.save(update_fields=["status", "last_inspected", "pressure_mpa", "updated_at"])
        audit.record(actor, AuditEntry.UPDATE, hydrant, audit.diff(before, audit.snapshot(hydrant)))
    return inspection


# --- Experts and agreement reserves ---------------------------------------------

def _check_expert(expert: Expert):
    try:
        expert.specialties = _check_capabilities(expert.specialties)
    except ValidationError as exc:
        raise ValidationError({"specialties": exc.message_dict["capabilities"]}) from exc


def save_expert(actor, expert: Expert, data: dict) -> Expert:
    return save_scoped(actor, expert, data, validate=_check_expert)


def delete_expert(actor, expert: Expert):
    delete_scoped(actor, expert)


def _check_agreement(agreement: AgreementReserve):
    if agreement.start_date and agreement.end_date and agreement.end_date < agreement.start_date:
        raise ValidationError({"end_date": "协议终止日不能早于起始日。"})


@transaction.atomic
def save_agreement(actor, agreement: AgreementReserve, data: dict, items=None) -> AgreementReserve:
    """Save an agreement and, when `items` ({SupplyItem: quantity}) is given, replace its item list."""
    save_scoped(actor, agreement, data, validate=_check_agreement)
    if items is not None:
        before = {str(i.item_id): str(i.quantity) for i in agreement.items.all()}
        agreement.items.all().delete()
        for item, quantity in items.items():
            line = AgreementItem(agreement=agreement, item=item, quantity=_quantity(quantity))
            line.save()
        after = {str(i.item_id): str(i.quantity) for i in agreement.items.all()}
        if before != after:
            audit.record(actor, AuditEntry.UPDATE, agreement, {"items": [before, after]})
    return agreement


def delete_agreementreserve(actor, agreement: AgreementReserve):
    delete_scoped(actor, agreement)


# --- Vehicles and equipment: the full lifecycle (全寿命周期) ---------------------

def _add_years(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _lifecycle_dates(asset):
    """Retirement date from acquisition + service life; next inspection from the last one (or acquisition)."""
    asset.retirement_date = (_add_years(asset.acquisition_date, asset.service_life_years)
                             if asset.acquisition_date and asset.service_life_years else None)
    base = asset.last_inspected or asset.acquisition_date
    asset.next_inspection_due = (base + timedelta(days=asset.inspection_interval_days)
                                 if base and asset.inspection_interval_days else None)


def _check_asset(actor, asset):
    if asset.station_id is None:
        raise ValidationError({"station": "请选择所属队站。"})
    station = asset.station
    require_region(actor, station.region, field="station")
    asset.region = station.region
    if asset.acquisition_date and asset.acquisition_date > timezone.localdate():
        raise ValidationError({"acquisition_date": "购置日期不能晚于今天。"})
    _lifecycle_dates(asset)


def save_vehicle(actor, vehicle: Vehicle, data: dict) -> Vehicle:
    if vehicle.pk is not None:
        data = {k: v for k, v in data.items() if k != "status"}  # status moves through records and dispatch
    return save_scoped(actor, vehicle, data, validate=lambda v: _check_asset(actor, v))


def delete_vehicle(actor, vehicle: Vehicle):
    delete_scoped(actor, vehicle)


@transaction.atomic
def set_vehicle_status(actor, vehicle: Vehicle, status: str) -> Vehicle:
    """出动 or back to 在位: a step of a dispatch, made on the dispatcher's behalf (the caller holds
    incidents.add_/change_assignment, not the right to edit vehicles). Faults, repairs and retirement
    move a vehicle's status through record_maintenance instead."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    require_region(actor, vehicle.region, field="vehicle")
    if status not in (Vehicle.DISPATCHED, Vehicle.AVAILABLE):
        raise ValidationError({"status": f"调派只能把车辆设为“出动”或“在位”，不能设为“{status}”。"})
    if vehicle.status == status or (status == Vehicle.AVAILABLE and vehicle.status != Vehicle.DISPATCHED):
        return vehicle  # a vehicle that broke down or was retired while out does not come back 在位
    before = audit.snapshot(vehicle)
    vehicle.status = status
    vehicle.save(update_fields=["status", "updated_at"])
    audit.record(actor, AuditEntry.UPDATE, vehicle, audit.diff(before, audit.snapshot(vehicle)))
    return vehicle


def save_equipment(actor, equipment: Equipment, data: dict) -> Equipment:
    return save_scoped(actor, equipment, data, validate=lambda e: _check_asset(actor, e))


def delete_equipment(actor, equipment: Equipment):
    delete_scoped(actor, equipment)


@transaction.atomic
def record_maintenance(actor, asset, kind: str, date, description: str, cost_wan=None) -> MaintenanceRecord:
    """Log an entry; an inspection or service renews the inspection due date, a fault puts a vehicle
    into maintenance, a repair brings it back, a retirement ends its life."""
    require_perm(actor, "resources.add_maintenancerecord")
    model = type(asset)
    asset = model.objects.select_for_update().get(pk=asset.pk)
    require_region(actor, asset.region)
    if kind not in dict(MaintenanceRecord.KIND_CHOICES):
        raise ValidationError({"kind": f"未知记录类型“{kind}”。"})
    if asset.retired_on is not None:
        raise ValidationError({"kind": f"“{asset}”已于 {asset.retired_on} 报废，不能再登记。"})
    if date > timezone.localdate():
        raise ValidationError({"date": "日期不能晚于今天。"})
    if asset.acquisition_date and date < asset.acquisition_date:
        raise ValidationError({"date": "日期不能早于购置日期。"})
    if not (description or "").strip():
        raise ValidationError({"description": "请填写内容。"})
    record = MaintenanceRecord(kind=kind, date=date, description=description.strip(), cost_wan=cost_wan,
                               region=asset.region, actor=person(actor),
                               **({"vehicle": asset} if model is Vehicle else {"equipment": asset}))
    record.full_clean()
    record.save()
    audit.record(actor, AuditEntry.CREATE, record, audit.diff({}, audit.snapshot(record)))
    before = audit.snapshot(asset)
    if kind in (MaintenanceRecord.INSPECTION, MaintenanceRecord.SERVICE) and (
            asset.last_inspected is None or date >= asset.last_inspected):
        asset.last_inspected = date
    if kind == MaintenanceRecord.RETIREMENT:
        asset.retired_on = date
    if model is Vehicle:
        asset.status = {MaintenanceRecord.FAULT: Vehicle.MAINTENANCE, MaintenanceRecord.REPAIR: Vehicle.AVAILABLE,
                        MaintenanceRecord.RETIREMENT: Vehicle.RETIRED}.get(kind, asset.status)
    _lifecycle_dates(asset)
    asset.save()
    changes = audit.diff(before, audit.snapshot(asset))
    if changes:
        audit.record(actor, AuditEntry.UPDATE, asset, changes)
    return record


def lifecycle_alerts(vehicles, equipment, horizon_days=90, today=None):
    """Assets still in service whose inspection is overdue or whose service life ends within the horizon."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=horizon_days)
    rows = []
    for queryset in (vehicles, equipment):
        live = queryset.filter(retired_on__isnull=True)
        for asset in live.filter(Q(next_inspection_due__lt=today) | Q(retirement_date__lte=soon)).select_related(
                "station"):
            rows.append({
                "asset": asset, "kind": asset._meta.verbose_name,
                "inspection_overdue_days": (today - asset.next_inspection_due).days
                if asset.next_inspection_due and asset.next_inspection_due < today else None,
                "retirement_date": asset.retirement_date,
                "retired_due": bool(asset.retirement_date and asset.retirement_date <= today),
                "retiring_soon": bool(asset.retirement_date and today < asset.retirement_date <= soon),
            })
    return rows
