"""Sensors (监测点) and gateways (采集网关): the registry a bureau or an enterprise keeps.

A sensor's code is what its device publishes under (yingji/v1/sensors/{code}/readings): unique, made of
characters an MQTT topic level can carry, and frozen once readings exist (the history would otherwise lose its
name). The kind sets the unit and the default reporting interval. What a sensor watches must hang together: a
hazard unit of its enterprise, an enterprise, hydrant and watched village the actor may see, a region at or
below the enterprise's. An enterprise account keeps its own enterprise's sensors and gateways only.
(Gateway tokens are issued by services/gateways.issue_token.)"""

import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import geo
from yingji.core.scoping import scope, user_may_use_region
from yingji.core.services import delete_scoped, save_scoped
from yingji.safety.models import is_enterprise_account
from yingji.safety.services import require_enterprise

from .. import kinds
from ..models import Alarm, Gateway, Reading, Rollup, Sensor

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE_HELP = "1–64 位字母、数字、点、下划线或连字符，以字母或数字开头（设备按此编码上报：yingji/v1/sensors/编码/readings）"
CLOCK_SLACK = timedelta(minutes=1)  # a clock a little ahead is not "the future"


def _clean_code(value, model, pk, label: str) -> tuple[str, list[str]]:
    code = (value or "").strip()
    if not code:
        return code, [f"请填写{label}。"]
    if not CODE_RE.match(code):
        return code, [f"{label}“{code[:70]}”格式不正确：应为{CODE_HELP}。"]
    twin = model.objects.filter(code__iexact=code).exclude(pk=pk).first()
    if twin is not None:
        return code, [f"{label}“{code}”已被“{twin}”使用（编码不区分大小写，须唯一）。"]
    return code, []


def has_history(sensor: Sensor) -> bool:
    """Whether readings (raw or rolled up) or alarms of the sensor exist: its code and kind are then frozen."""
    if sensor.pk is None:
        return False
    return (Sensor.objects.filter(pk=sensor.pk, last_reading_at__isnull=False).exists()
            or Reading.objects.filter(sensor_id=sensor.pk).exists()
            or Rollup.objects.filter(sensor_id=sensor.pk).exists()
            or Alarm.objects.filter(sensor_id=sensor.pk).exists())


def _visible(actor, record) -> bool:
    return actor is None or scope(type(record)._default_manager.filter(pk=record.pk), actor).exists()


def _check_owner(actor, record, errors: dict):
    """Enterprise and region of a sensor or gateway: an enterprise account's own enterprise, a region at or below
    the enterprise's."""
    enterprise = record.enterprise
    if enterprise is None:
        if actor is not None and is_enterprise_account(actor):
            errors.setdefault("enterprise", []).append("企业账号只能登记本企业的监测点和网关：请选择本企业。")
        return
    if not _visible(actor, enterprise):
        errors.setdefault("enterprise", []).append(f"企业“{enterprise.name}”不在您的管辖范围内。")
        return
    try:
        require_enterprise(actor, enterprise)
    except PermissionDenied as exc:
        errors.setdefault("enterprise", []).append(str(exc))
        return
    if record.region_id is not None and not record.region.path.startswith(enterprise.region.path):
        errors.setdefault("region", []).append(
            f"所属区划应为企业所在区划“{enterprise.region.name}”或其下级。")


def _check_sensor(actor, sensor: Sensor, stored: Sensor | None):
    errors: dict[str, list[str]] = {}
    sensor.code, code_errors = _clean_code(sensor.code, Sensor, sensor.pk, "监测点编码")
    if code_errors:
        errors["code"] = code_errors
    frozen = stored is not None and has_history(stored)
    if frozen and sensor.code != stored.code:
        errors.setdefault("code", []).append(
            f"监测点“{stored.code}”已有读数或报警，编码不能再修改（设备按编码上报，历史数据以此关联）。")
    info = kinds.kinds().get(sensor.kind)
    if info is None:
        errors["kind"] = [f"监测类型“{sensor.kind}”无效，可选：{'、'.join(k.label for k in kinds.kinds().values())}。"]
    else:
        if frozen and sensor.kind != stored.kind:
            errors.setdefault("kind", []).append("已有读数的监测点不能更改监测类型（单位与历史数据不一致）。")
        sensor.unit = info.unit
        if not sensor.expected_interval_s:
            sensor.expected_interval_s = info.expected_interval_s
    # What it watches.
    unit = sensor.hazard_unit
    if unit is not None:
        if sensor.enterprise_id is None:
            sensor.enterprise = unit.enterprise
        elif unit.enterprise_id != sensor.enterprise_id:
            errors["hazard_unit"] = [f"重大危险源（单元）“{unit.name}”不属于企业“{sensor.enterprise.name}”。"]
    _check_owner(actor, sensor, errors)
    if unit is not None and "hazard_unit" not in errors and not _visible(actor, unit):
        errors["hazard_unit"] = [f"单元“{unit.name}”不在您的管辖范围内。"]
    if sensor.hydrant is not None and not _visible(actor, sensor.hydrant):
        errors["hydrant"] = [f"消火栓“{sensor.hydrant}”不在您的管辖范围内。"]
    watched = sensor.watched_region
    if watched is not None and actor is not None and not user_may_use_region(actor, watched):
        errors["watched_region"] = [f"监测村（社区）“{watched.name}”不在您的管辖范围内。"]
    gateway = sensor.gateway
    if gateway is not None:
        if not _visible(actor, gateway):
            errors["gateway"] = [f"网关“{gateway.code}”不在您的管辖范围内。"]
        elif gateway.enterprise_id is not None and gateway.enterprise_id != sensor.enterprise_id:
            errors["gateway"] = [f"网关“{gateway.code}”属于企业“{gateway.enterprise.name}”，只能接入该企业的监测点。"]
    # When and where.
    now = timezone.now()
    if sensor.installed_at is None:
        sensor.installed_at = now
    elif sensor.installed_at > now + CLOCK_SLACK:
        errors["installed_at"] = ["安装时间不能晚于当前时间。"]
    if sensor.expected_interval_s is not None and sensor.expected_interval_s > 7 * 86400:
        errors["expected_interval_s"] = ["上报周期不能超过 7 天（604800 s）。"]
    try:
        geo.validate_point(sensor.longitude, sensor.latitude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_sensor(actor, sensor: Sensor, data: dict) -> Sensor:
    """Register or change a sensor (audited). An empty region takes the enterprise's (or the hydrant's); an empty
    reporting interval takes the kind's default; an empty installation time is now."""
    data = dict(data)
    data.pop("unit", None)  # the kind's, never typed
    stored = Sensor.objects.get(pk=sensor.pk) if sensor.pk else None
    if data.get("region") is None and ("region" in data or sensor.pk is None):
        owner = data.get("enterprise") or getattr(data.get("hazard_unit"), "enterprise", None)
        place = owner.region if owner is not None else getattr(data.get("hydrant"), "region", None)
        if place is not None:
            data["region"] = place
    return save_scoped(actor, sensor, data, validate=lambda s: _check_sensor(actor, s, stored))


def _check_sensor_delete(sensor: Sensor):
    if has_history(sensor):
        raise ValidationError(f"监测点“{sensor.code}”已有读数或报警记录，不能删除；如已拆除，请将其设为停用。")


@transaction.atomic
def delete_sensor(actor, sensor: Sensor):
    if sensor.enterprise_id is not None:
        require_enterprise(actor, sensor.enterprise)
    delete_scoped(actor, sensor, validate=_check_sensor_delete)


def _check_gateway(actor, gateway: Gateway):
    errors: dict[str, list[str]] = {}
    gateway.code, code_errors = _clean_code(gateway.code, Gateway, gateway.pk, "网关编号")
    if code_errors:
        errors["code"] = code_errors
    _check_owner(actor, gateway, errors)
    if gateway.pk is not None and gateway.enterprise_id is not None:
        strangers = gateway.sensors.exclude(enterprise_id=gateway.enterprise_id)
        if strangers.exists():
            errors.setdefault("enterprise", []).append(
                f"该网关已接入其他单位的监测点（如“{strangers.first().code}”），不能归属于企业“{gateway.enterprise.name}”。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_gateway(actor, gateway: Gateway, data: dict) -> Gateway:
    """Register or change a gateway (audited); its token is issued separately and shown once."""
    data = {k: v for k, v in data.items() if k not in ("token_hash", "token_issued_at", "accepted_count",
                                                       "rejected_count", "last_seen_at")}
    if gateway.pk is None and data.get("region") is None and data.get("enterprise") is not None:
        data["region"] = data["enterprise"].region
    return save_scoped(actor, gateway, data, validate=lambda g: _check_gateway(actor, g))


@transaction.atomic
def delete_gateway(actor, gateway: Gateway):
    """Delete a gateway: its sensors stay (without a gateway), its rejection log goes with it."""
    if gateway.enterprise_id is not None:
        require_enterprise(actor, gateway.enterprise)
    delete_scoped(actor, gateway)
