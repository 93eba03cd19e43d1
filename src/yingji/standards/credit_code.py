"""统一社会信用代码 per GB 32100-2015: 18 characters — 登记管理部门码 (1), 机构类别码 (1), 登记管理机关行政区划码
(6, GB/T 2260), 主体标识码 (9, the GB 11714 organisation code) and a check character computed over the first 17
in the 31-character set without I, O, Z, S, V, weights 3^(i-1) mod 31."""

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Upper case without spaces; raises ValueError with the reason in Chinese."""
    code = re.sub(r"\s+", "", str(code or "")).upper()
    if len(code) != 18:
        raise ValueError(f"统一社会信用代码应为18位，收到 {len(code)} 位。")
    bad = sorted({ch for ch in code if ch not in CHARSET})
    if bad:
        raise ValueError(f"统一社会信用代码不能含有字符：{'、'.join(bad)}（不使用 I、O、Z、S、V）。")
    if not SHAPE.fullmatch(code):
        raise ValueError("统一社会信用代码第3～8位应为登记管理机关的行政区划代码（6位数字）。")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValueError(f"统一社会信用代码校验位错误：按前17位应为“{expected}”，请核对是否抄错。")
    return code
