"""GB/T 50493-2019 alarm setpoints of combustible and toxic gas detectors (可燃气体和有毒气体检测报警).

The bounds are data/gbt50493_2019_alarm_setpoints.csv (clause 5.5.2): a detector's 一级/二级报警设定值 may be set at
or below them, never above. `check` refuses a configuration looser than the standard, naming the level, the bound
and the clause. Toxic gases are bounded in % OEL (or % IDLH): a setpoint in ppm is checked once the gas's OEL (the
concentration that is 100 % OEL, in the same unit) is given as `reference`.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data" / "gbt50493_2019_alarm_setpoints.csv"
STANDARD = "GB/T 50493-2019《石油化工可燃气体和有毒气体检测报警设计标准》"
DEFAULT_BASIS = {"lel": "lel", "toxic": "oel"}
LEVEL_LABELS = {"level1": "一级报警设定值", "level2": "二级报警设定值"}


@dataclass(frozen=True)
class Bounds:
    basis: str  # lel, oel, idlh
    kind: str  # the monitoring kind it bounds: lel, toxic
    gas: str
    unit: str  # %LEL, %OEL, %IDLH
    level1_max: Decimal
    level2_max: Decimal
    range_min: Decimal | None  # 测量范围
    range_max: Decimal | None
    level1_clause: str
    level2_clause: str
    range_clause: str

    def bound(self, field: str) -> Decimal:
        return self.level1_max if field == "level1" else self.level2_max

    def clause(self, field: str) -> str:
        return self.level1_clause if field == "level1" else self.level2_clause


def _optional(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


@lru_cache(maxsize=1)
def table() -> dict[str, Bounds]:
    """basis → its bounds, as the data file gives them."""
    return {row["basis"]: Bounds(row["basis"], row["kind"], row["gas"], row["unit"], Decimal(row["level1_max"]),
                                 Decimal(row["level2_max"]), _optional(row["range_min"]), _optional(row["range_max"]),
                                 row["level1_clause"], row["level2_clause"], row["range_clause"])
            for row in read_table(DATA)}


def applies(kind: str) -> bool:
    """Whether GB/T 50493-2019 bounds the setpoints of this monitoring kind."""
    return kind in DEFAULT_BASIS


def bounds(kind: str, basis: str | None = None) -> Bounds:
    if not applies(kind):
        raise ValueError(f"监测类型“{kind}”不在 {STANDARD} 报警设定值的适用范围内（仅可燃气体 lel、有毒气体 toxic）。")
    basis = basis or DEFAULT_BASIS[kind]
    found = table().get(basis)
    if found is None or found.kind != kind:
        choices = "、".join(b.basis for b in table().values() if b.kind == kind)
        raise ValueError(f"报警设定值依据“{basis}”不适用于监测类型“{kind}”，可选：{choices}。")
    return found


def setpoints(kind: str, basis: str | None = None) -> tuple[Decimal, Decimal]:
    """The loosest (一级, 二级) setpoints the standard allows, in the basis's unit: lel → (25, 50) %LEL."""
    found = bounds(kind, basis)
    return found.level1_max, found.level2_max


def _number(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{label}“{value}”不是有效的数字。") from None
    if not number.is_finite():
        raise ValueError(f"{label}“{value}”不是有效的数字。")
    return number


def _text(number: Decimal) -> str:
    return f"{number.normalize():f}"


def violations(kind: str, level1, level2=None, *, basis: str | None = None, reference=None,
               unit: str = "") -> dict[str, str]:
    """field (level1 / level2) → why it is looser than the standard; empty when the setpoints comply.

    Values are in the basis's unit (%LEL, %OEL) unless `reference` — the concentration that is 100 % of the basis
    (a gas's OEL in ppm, say) — is given; then they are in that unit (`unit` names it in the message)."""
    found = bounds(kind, basis)
    scale = None
    if reference is not None:
        scale = _number(reference, "职业接触限值" if found.basis == "oel" else "基准浓度")
        if scale <= 0:
            raise ValueError(f"基准浓度（100{found.unit}）应大于 0，收到 {_text(scale)}。")
    errors = {}
    for field, value in (("level1", level1), ("level2", level2)):
        if value is None:
            continue
        label = LEVEL_LABELS[field]
        number = _number(value, label)
        bound = found.bound(field)
        share = number if scale is None else number / scale * 100
        if share > bound:
            given = f"{_text(number)} {unit}".rstrip() if scale is not None else f"{_text(number)} {found.unit}"
            limit = (f"{_text(bound)}{found.unit}" if scale is None
                     else f"{_text(bound)}{found.unit}，即 {_text(scale * bound / 100)} {unit}".rstrip())
            errors[field] = (f"{found.gas}的{label}（{given}）高于{STANDARD}{found.clause(field)}"
                             f"规定的上限（应小于或等于{limit}）。")
    return errors


def check(kind: str, level1, level2=None, *, basis: str | None = None, reference=None, unit: str = "") -> None:
    """Raise ValueError (in Chinese, each level, its bound and the clause) when a setpoint is looser than allowed."""
    errors = violations(kind, level1, level2, basis=basis, reference=reference, unit=unit)
    if errors:
        raise ValueError("".join(errors.values()))
