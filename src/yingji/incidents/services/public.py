"""Public reporting (公众上报): anyone may report without logging in; the report waits in the duty
inbox until a duty officer verifies it (核实立案, or merges it into an incident already open) or
rejects it with a reason. Every change: validated, one transaction, audited."""

import ipaddress
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from PIL import Image

from yingji.core import audit, geo
from yingji.core.models import AuditEntry, RefusedRequest, Region
from yingji.core.scoping import require_region, scope
from yingji.core.services import person, require_perm
from yingji.core.uploads import IMAGE_FORMATS, check_upload
from yingji.core.validators import normalise_phone, phone_kind

from ..models import Incident, PublicReport
from . import incidents as incident_services
from .timeline import record

DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
# A report located by nearest township centre further than this is not given to that township
# (the point is probably outside the county's townships); it goes to the county inbox instead.
NEAREST_CENTRE_MAX_M = 15_000
# Reports without a region are seen by users of these levels (the county duty room and above).
UNLOCATED_VISIBLE_TO = ("province", "city", "county")

class RateLimited(ValidationError):
    """Too many reports from one IP or one phone in the last hour (the API answers 429)."""


class _Public:
    """Stands for the anonymous reporter in the audit trail (no user row, a readable name)."""

    pk = None

    def __init__(self, ip):
        self.ip = ip

    def __str__(self):
        return f"公众（来源IP {self.ip}）" if self.ip else "公众"


def reference(report: PublicReport) -> str:
    """The number given to the reporter, e.g. GZ20261123-00042 (the local date and the record id)."""
    return f"GZ{timezone.localtime(report.created_at):%Y%m%d}-{report.pk:05d}"


def callback_phone(value, field="phone") -> str:
    """A number the duty officer can call back: required, and a mobile or a landline with its area code (the
    shared rule of core.validators, without its short service numbers, which reach no citizen)."""
    try:
        phone = normalise_phone(value, field=field)
    except ValidationError:
        phone = None
    if phone == "":
        raise ValidationError({field: ["请填写联系电话，以便值班人员回拨核实。"]})
    if phone is None or phone_kind(phone) == "short":
        raise ValidationError({field: [f"“{value}”不是有效的电话号码：请填写 11 位手机号，或带区号的固定电话"
                                       "（如 0832-1234567）。"]})
    return phone


def body_too_large(content_length) -> bool:
    """For the API: a body far over the photo limit (twice MAX_UPLOAD_MB) is refused before it is parsed.
    (The page cannot do this: the CSRF check reads the form first. Limit the body at the proxy too.)"""
    try:
        return int(content_length or 0) > 2 * settings.MAX_UPLOAD_MB * 1024 * 1024
    except ValueError:
        return False


def client_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def _float(value, field: str, label: str):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError({field: [f"{label}“{value}”不是有效的数字。"]}) from None


def _locate(longitude, latitude) -> Region | None:
    """The township containing the point; a nearest-centre guess only when it is close. None = county inbox."""
    # Not geo.locate_region(None, …): it scopes by the user, and None sees no region at all.
    found = geo.locate_anywhere(longitude, latitude)
    if found is None:
        return None
    region, located = found
    if located.method != "boundary" and (located.distance_m or 0) > NEAREST_CENTRE_MAX_M:
        return None
    return region


REFUSED_KIND = "public_report"


def record_refused(ip):
    """A submission refused unread for its size still uses one of the address's hourly reports."""
    RefusedRequest.objects.create(kind=REFUSED_KIND, ip=client_ip(ip) if ip else None)


def check_ip_rate(ip):
    """RateLimited when this address has used its hourly reports (checked before a body is read)."""
    _check_rate(client_ip(ip) if ip else None, None)


def _check_rate(ip, phone):
    limit = settings.YINGJI_PUBLIC_REPORTS_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    recent = PublicReport.objects.filter(created_at__gte=since)
    refused = RefusedRequest.objects.filter(kind=REFUSED_KIND, ip=ip, time__gte=since)  # oversize bodies count too
    if ip and recent.filter(ip=ip).count() + refused.count() >= limit:
        raise RateLimited({NON_FIELD_ERRORS: [f"同一网络一小时内最多可上报 {limit} 次，请稍后再试。"
                                              "情况紧急请直接拨打 119、110 或 120。"]})
    if phone and recent.filter(phone=phone).count() >= limit:
        raise RateLimited({"phone": [f"该电话号码一小时内已上报 {limit} 次，请稍后再试。"
                                     "情况紧急请直接拨打 119、110 或 120。"]})


@transaction.atomic
def submit_public_report(data: dict, photo, ip) -> PublicReport:
    """上报: no login. `data` has phone, description, longitude/latitude and/or address, and optionally
    name; `photo` an uploaded image or None; `ip` the client address. At most
    YINGJI_PUBLIC_REPORTS_PER_HOUR reports per IP and per phone in an hour; nothing is saved on refusal."""
    ip = client_ip(ip) if ip else None
    errors: dict = {}
    unknown = set(data) - {"phone", "name", "description", "longitude", "latitude", "address"}
    if unknown:
        raise ValidationError({f: ["公众上报不能填写此项。"] for f in sorted(unknown)})
    phone = None
    try:
        phone = callback_phone(data.get("phone"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _check_rate(ip, phone)

    name = str(data.get("name") or "").strip()
    if len(name) > 32:
        errors["name"] = ["称呼不能超过 32 个字。"]
    description = str(data.get("description") or "").strip()
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = [f"请描述发生了什么（至少 {DESCRIPTION_MIN} 个字）：地点、情况、有无人员受伤。"]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"情况描述不能超过 {DESCRIPTION_MAX} 个字（现有 {len(description)} 个字）。"]
    address = str(data.get("address") or "").strip()
    if len(address) > 255:
        errors["address"] = ["地址不能超过 255 个字。"]
    longitude = latitude = None
    try:
        longitude = _float(data.get("longitude"), "longitude", "经度")
        latitude = _float(data.get("latitude"), "latitude", "纬度")
        geo.validate_point(longitude, latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        longitude = latitude = None
    if longitude is None and not address and not {"longitude", "latitude"} & set(errors):
        errors["address"] = ["请点击“使用我的位置”定位，或填写事发地址（至少一项）。"]
    if photo:
        try:
            fmt = check_upload(photo, images_only=True, field="photo")
            photo.name = f"{uuid.uuid4().hex}.{IMAGE_FORMATS[fmt]}"  # never the sender's file name
        except ValidationError as exc:
            errors.update(exc.message_dict)
        except Image.DecompressionBombError:  # a tiny file claiming a gigantic picture
            errors["photo"] = ["图片尺寸过大（像素数超出限制），请换一张照片。"]
    if errors:
        raise ValidationError(errors)

    report = PublicReport(phone=phone, name=name, description=description, longitude=longitude, latitude=latitude,
                          address=address, ip=ip,
                          region=_locate(longitude, latitude) if longitude is not None else None)
    if photo:
        report.photo = photo
    report.save()
    audit.record(_Public(ip), AuditEntry.CREATE, report, audit.diff({}, audit.snapshot(report)))
    return report


# --- The duty inbox -------------------------------------------------------------

def sees_unlocated(user) -> bool:
    """Reports without a region belong to the county inbox: county users and above see them."""
    if user is None or not user.is_authenticated:
        return False
    region = getattr(user, "region", None)
    return user.is_superuser or (region is not None and region.level in UNLOCATED_VISIBLE_TO)


def inbox(user):
    """The public reports `user` may see: their region and below (through the scoping helper), plus the
    unlocated ones for the county and above. Pending first, newest first."""
    reports = PublicReport.objects.all()
    visible = scope(reports, user)
    if sees_unlocated(user) and not user.is_superuser:
        visible = visible | reports.filter(region__isnull=True)
    pending_first = Case(When(status=PublicReport.PENDING, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return (visible.select_related("region", "incident", "handled_by")
            .order_by(pending_first, "-created_at", "-id"))


def _require_visible(actor, report: PublicReport):
    if actor is None:
        return
    if report.region is not None:
        require_region(actor, report.region)
    elif not sees_unlocated(actor):
        raise ValidationError({"region": ["未定位的公众上报由县级及以上值班室处理。"]})


def _claim(actor, report: PublicReport) -> PublicReport:
    """Lock the report and make sure it is still waiting: a report is handled once."""
    require_perm(actor, "incidents.change_publicreport")
    report = PublicReport.objects.select_for_update().get(pk=report.pk)
    _require_visible(actor, report)
    if report.status != PublicReport.PENDING:
        who = f"由{report.handled_by}" if report.handled_by_id else ""
        when = f"于{timezone.localtime(report.handled_at):%m-%d %H:%M}" if report.handled_at else ""
        raise ValidationError({"status": [f"该上报已{who}{when}处理（{report.get_status_display()}），"
                                          "不能重复处理。"]})
    return report


def _close(actor, report: PublicReport, status: str, **fields) -> PublicReport:
    before = audit.snapshot(report)
    report.status = status
    report.handled_by = person(actor)
    report.handled_at = timezone.now()
    for key, value in fields.items():
        setattr(report, key, value)
    report.save()
    audit.record(actor, AuditEntry.UPDATE, report, audit.diff(before, audit.snapshot(report)))
    return report


def _summary(report: PublicReport) -> str:
    who = f"{report.name} " if report.name else ""
    where = f"，地址：{report.address}" if report.address else ""
    return (f"公众上报 {reference(report)}（{timezone.localtime(report.created_at):%m-%d %H:%M}，{who}{report.phone}"
            f"{where}）：{report.description}")


VERIFY_FIELDS = {"title", "event_code", "region", "description", "longitude", "latitude", "address", "occurred_at",
                 "reporter_name", "merge_into", "note"}


@transaction.atomic
def verify_public_report(actor, report: PublicReport, data: dict) -> Incident:
    """核实: open an incident from the report (source 公众上报, the duty officer recorded by the intake
    service), or with data["merge_into"] add it to an incident already open. Returns the incident."""
    report = _claim(actor, report)
    unknown = set(data) - VERIFY_FIELDS
    if unknown:
        raise ValidationError({f: ["核实时不能填写此项。"] for f in sorted(unknown)})
    into = data.get("merge_into")
    if into:
        return _merge(actor, report, into, data.get("note") or "")
    fields = {
        "title": (data.get("title") or "").strip(),
        "source": "public",
        "reporter_name": (data.get("reporter_name") if data.get("reporter_name") is not None else report.name),
        "reporter_phone": report.phone,
        "description": (data.get("description") or "").strip() or report.description,
        "address": data.get("address") if data.get("address") is not None else report.address,
        "event_code": data.get("event_code") or "",
        # The bureau learned of the event when the public report arrived: the reporting clock starts then.
        "reported_at": report.created_at,
        "occurred_at": data.get("occurred_at") or report.created_at,
        "region": data.get("region") or report.region,
    }
    if "longitude" in data or "latitude" in data:
        fields["longitude"], fields["latitude"] = data.get("longitude"), data.get("latitude")
    else:
        fields["longitude"], fields["latitude"] = report.longitude, report.latitude
    if not fields["event_code"]:
        raise ValidationError({"event_code": ["请选择事件类型（GB/T 35561 事件代码）。"]})
    incident = incident_services.create_incident(actor, fields)
    record(incident, "note", f"由{_summary(report)}核实立案", actor, data={"public_report": report.pk},
           attachment=report.photo.name or None, attachment_name=_photo_name(report))
    _close(actor, report, PublicReport.VERIFIED, incident=incident)
    return incident


def _photo_name(report: PublicReport) -> str:
    """The photo on the timeline is named after the report (the sender's own file name is never kept)."""
    return f"群众上报照片-{reference(report)}"


def _merge(actor, report: PublicReport, into, note: str) -> Incident:
    require_perm(actor, "incidents.add_timelineentry")
    pk = into.pk if isinstance(into, Incident) else into
    incident = Incident.objects.select_for_update().select_related("region").filter(pk=pk).first()
    if incident is None or (actor is not None and not scope(Incident.objects.filter(pk=pk), actor).exists()):
        raise ValidationError({"merge_into": ["要并入的事件不存在，或不在您的管辖范围内。"]})
    if incident.merged_into_id:
        raise ValidationError({"merge_into": [f"事件 {incident.number} 已并入{incident.merged_into.number}，"
                                              "请并入后者。"]})
    if incident.status == Incident.ARCHIVED:
        raise ValidationError({"merge_into": [f"事件 {incident.number} 已归档，不能再并入上报。"]})
    extra = f"（{note.strip()}）" if note.strip() else ""
    record(incident, "note", f"并入{_summary(report)}{extra}", actor, data={"public_report": report.pk},
           attachment=report.photo.name or None, attachment_name=_photo_name(report))
    _close(actor, report, PublicReport.MERGED, incident=incident)
    return incident


@transaction.atomic
def reject_public_report(actor, report: PublicReport, reason: str) -> PublicReport:
    """驳回: a report that is false, a duplicate of nothing open, or not an emergency; the reason is required."""
    reason = (reason or "").strip()
    report = _claim(actor, report)
    if not reason:
        raise ValidationError({"reason": ["驳回须说明原因（如：经电话核实不属实、非应急事项已转相关部门）。"]})
    if len(reason) > 255:
        raise ValidationError({"reason": ["驳回原因不能超过 255 个字。"]})
    return _close(actor, report, PublicReport.REJECTED, reject_reason=reason)
