"""Phone numbers as a duty room writes them: one check every app reuses.

    from yingji.core.validators import normalise_phone, validate_phone
    phone = normalise_phone(raw, field="phone")        # canonical text, or ValidationError({field: [...]})
    models.CharField(..., validators=[validate_phone])  # the model's own check (forms, full_clean)

Accepted: a mainland mobile (13800000000; +86 / 0086 tolerated), a landline with its area code
(028-12345678, 02812345678, 0832-1234567; the dash, if typed, after the area code) and the short
service numbers of 《电信网编号计划》 (110, 119, 120, 122, 12345, 12350, 12315, 95598…). Spaces and brackets
are ignored. Canonical form: mobile and short numbers as digits, a landline as "区号-号码".
"""

import re

from django.core.exceptions import ValidationError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x have three digits, every other (0[3-9]xx) four, so the split needs no dash.
LANDLINE = re.compile(r"^(?P<area>010|02\d|0[3-9]\d{2})-?(?P<number>[1-9]\d{6,7})$")
# 11x/12x emergency numbers, 12xxx government hotlines (12345 政务服务, 12350 安全生产举报), 95xxx/96xxx service lines.
SHORT = re.compile(r"^(?:1[12]\d|12\d{3}|9[56]\d{3,4})$")
HINT = "请填写 11 位手机号、带区号的固定电话（如 028-12345678）或 12345 等特服号码"


def phone_kind(value) -> str:
    """"mobile", "landline", "short" or "" for a number that is none of them (after normalising)."""
    try:
        text = normalise_phone(value)
    except ValidationError:
        return ""
    if MOBILE.match(text):
        return "mobile"
    return "landline" if "-" in text else "short"


def normalise_phone(value, field: str = "phone", *, label: str = "电话号码") -> str:
    """The canonical form of a phone number, or a ValidationError naming `field`. Blank stays blank: whether
    a number is required is the caller's rule."""
    typed = str(value or "").strip()
    raw = re.sub(r"[\s()（）]", "", typed)
    if not raw:
        return ""
    raw = re.sub(r"^(\+|00)86-?", "", raw)
    digits = raw.replace("-", "")
    if MOBILE.match(digits):
        return digits
    if SHORT.match(digits) and "-" not in raw:
        return digits
    match = LANDLINE.match(raw) if raw.count("-") == 1 else LANDLINE.match(digits) if "-" not in raw else None
    if match:
        return f"{match['area']}-{match['number']}"
    raise ValidationError({field: [f"“{typed}”不是有效的{label}：{HINT}。"]})


def validate_phone(value):
    """A model field validator: the same rule as normalise_phone."""
    try:
        normalise_phone(value)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["phone"][0], code="invalid_phone") from None


def validate_mobile(value):
    """Only a mainland mobile (for a contact's 手机 column)."""
    if value and phone_kind(value) != "mobile":
        raise ValidationError(f"“{value}”不是有效的手机号：应为 1 开头的 11 位号码（如 13800000000）。",
                              code="invalid_mobile")
