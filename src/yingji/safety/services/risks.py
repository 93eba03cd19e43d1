"""Risk points graded into four colours, with the bands of the nearest bureau up the region tree."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from yingji.core import geo
from yingji.core.scoping import ancestor_paths
from yingji.core.services import delete_scoped, save_scoped
from yingji.core.validators import normalise_phone
from yingji.standards import risk

from ..models import RiskPoint, RiskScheme, is_enterprise_account
from .enterprises import require_enterprise

BAND_KEYS = ("grade", "bound", "level", "colour", "colour_code", "control_level")
COLOURS = ("红", "橙", "黄", "蓝")


def scheme_for(region, method: str) -> RiskScheme | None:
    """The scheme of the region itself or of its nearest ancestor that set one for `method`."""
    paths = [*ancestor_paths(region.path), region.path]
    schemes = {s.region.path: s for s in RiskScheme.objects.filter(method=method, region__path__in=paths)
               .select_related("region")}
    return next((schemes[p] for p in reversed(paths) if p in schemes), None)


def bands_of(scheme: RiskScheme | None, method: str) -> list[risk.Band]:
    if scheme is None:
        return risk.default_bands()[method]
    return [risk.Band(method, Decimal(str(b["bound"])), int(b["grade"]), b["level"], b["colour"], b["colour_code"],
                      b.get("meaning", ""), b["control_level"]) for b in sorted(scheme.bands, key=lambda b: b["grade"])]


def grade(point: RiskPoint, bands: list[risk.Band] | None = None) -> risk.Grading:
    """Grade the point's factors with its region's bands (given, or looked up); a bad factor is an error naming
    its field."""
    if bands is None:
        bands = bands_of(scheme_for(point.region, point.method), point.method)
    try:
        if point.method == "lec":
            return risk.lec(point.likelihood, point.exposure, point.consequence, bands=bands)
        return risk.ls(point.likelihood, point.consequence, bands=bands)
    except ValueError as exc:
        raise ValidationError({_field_of(str(exc)): [str(exc)]}) from None


def _field_of(message: str) -> str:
    for marker, field in (("可能性", "likelihood"), ("暴露", "exposure"), ("后果", "consequence"), ("严重性", "consequence")):
        if marker in message:
            return field
    return "method"


def _check_point(actor, point: RiskPoint, bands: list[risk.Band] | None = None):
    errors = {}
    if not point.enterprise_id and actor is not None and is_enterprise_account(actor):
        errors["enterprise"] = ["企业账号登记风险点须选择本企业。"]
    if point.enterprise_id:
        require_enterprise(actor, point.enterprise)
        if point.region_id and point.region_id != point.enterprise.region_id:
            errors["region"] = [f"企业风险点的区划应与企业一致（{point.enterprise.region.name}）。"]
    if point.method == "lec" and point.exposure is None:
        errors["exposure"] = ["LEC 评价需要填写 E（暴露频繁程度）。"]
    if point.method == "ls":
        point.exposure = None
    if not errors and point.region_id:
        try:
            result = grade(point, bands)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            band = result.band
            point.score, point.grade, point.level = result.score.quantize(Decimal("0.001")), band.grade, band.level
            point.colour, point.colour_code = band.colour, band.colour_code
            if point.control_level_auto or not point.control_level:  # a level set by hand stays
                point.control_level, point.control_level_auto = band.control_level, True
    try:
        point.responsible_phone = normalise_phone(point.responsible_phone, "responsible_phone")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        geo.validate_point(point.longitude, point.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if point.area is not None:
        try:
            geo.validate_boundary(point.area, field="area")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def save_risk_point(actor, point: RiskPoint, data: dict) -> RiskPoint:
    """Save and grade a point; a blank 管控层级 follows the colour (and its changes), a chosen one stays."""
    data = dict(data)
    if "control_level" in data:
        data["control_level_auto"] = not data["control_level"]
    if data.get("enterprise") is not None and data.get("region") is None:
        data["region"] = data["enterprise"].region  # an enterprise's point lies in its region
    return save_scoped(actor, point, data, validate=lambda p: _check_point(actor, p))


def delete_risk_point(actor, point: RiskPoint):
    if point.enterprise_id:
        require_enterprise(actor, point.enterprise)
    delete_scoped(actor, point)


def _check_scheme(scheme: RiskScheme):
    """Four bands, grades 1–4, colours 红橙黄蓝 in that order, bounds falling with the grade."""
    bands = scheme.bands
    if not isinstance(bands, list) or len(bands) != 4 or not all(isinstance(b, dict) for b in bands):
        raise ValidationError({"bands": ["分级标准应为4档（重大、较大、一般、低）。"]})
    missing = sorted({k for b in bands for k in BAND_KEYS if k not in b})
    if missing:
        raise ValidationError({"bands": [f"每档需包含：{'、'.join(BAND_KEYS)}；缺少 {'、'.join(missing)}。"]})
    try:
        bands = sorted(bands, key=lambda b: int(b["grade"]))
    except (TypeError, ValueError):
        raise ValidationError({"bands": ["每档的 grade 应为 1 到 4 的整数。"]}) from None
    if [int(b["grade"]) for b in bands] != [1, 2, 3, 4] or [b["colour"] for b in bands] != list(COLOURS):
        raise ValidationError({"bands": ["四档依次为 1 红（重大）、2 橙（较大）、3 黄（一般）、4 蓝（低）。"]})
    try:
        bounds = [Decimal(str(b["bound"])) for b in bands]
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({"bands": ["分档界限应为数字。"]}) from None
    if any(not b.is_finite() for b in bounds) or bounds != sorted(bounds, reverse=True) or len(set(bounds)) != 4:
        raise ValidationError({"bands": ["分档界限应从重大到低依次减小。"]})


@transaction.atomic
def save_risk_scheme(actor, scheme: RiskScheme, data: dict) -> RiskScheme:
    """Set a region's bands, then regrade the risk points that now follow them (audited each)."""
    scheme = save_scoped(actor, scheme, data, validate=_check_scheme)
    regrade(actor, scheme.region, scheme.method)
    return scheme


def regrade(actor, region, method: str) -> int:
    """Regrade the points of `region` and below graded by `method`: after their bands changed. The schemes that
    can apply (on the region, above it, below it) are read once, and each region's bands resolved once."""
    paths = [*ancestor_paths(region.path), region.path]
    schemes = {s.region.path: s for s in RiskScheme.objects.filter(method=method).filter(
        Q(region__path__in=paths) | Q(region__path__startswith=region.path)).select_related("region")}
    bands_by_region: dict[int, list[risk.Band]] = {}
    changed = 0
    for point in RiskPoint.objects.filter(region__path__startswith=region.path, method=method).select_related(
            "region", "enterprise"):
        if point.region_id not in bands_by_region:
            nearest = max((p for p in schemes if point.region.path.startswith(p)), key=len, default=None)
            bands_by_region[point.region_id] = bands_of(schemes.get(nearest), method)
        bands = bands_by_region[point.region_id]
        before = (point.grade, point.colour)
        save_scoped(actor, point, {}, validate=lambda p, bands=bands: _check_point(actor, p, bands))
        changed += (point.grade, point.colour) != before
    return changed


@transaction.atomic
def delete_risk_scheme(actor, scheme: RiskScheme):
    """Back to the defaults (or an ancestor's bands): the region's points are regraded."""
    region, method = scheme.region, scheme.method
    delete_scoped(actor, scheme)
    regrade(actor, region, method)
