"""Risk points graded into the four colours (安全风险分级管控): LEC (D = L × E × C) and the 5 × 5 LS matrix.

The scores are data/lec_scores.csv; the default colour bands data/risk_bands.csv (no national standard fixes
them, so a bureau may pass its own `bands`). LEC bands are exclusive at the lower end (D > 320 is red, 320 is
orange), LS bands inclusive (R ≥ 20 is red), as the sources write them.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .tables import read_table

DATA = Path(__file__).parent / "data"
FACTORS = {"L": "事故发生的可能性 L", "E": "暴露于危险环境的频繁程度 E", "C": "发生事故可能造成的后果 C"}
LS_FACTORS = {"L": "可能性 L", "S": "严重性 S"}


@dataclass(frozen=True)
class Band:
    method: str
    bound: Decimal  # LEC: the score must be above it; LS: at least it
    grade: int  # 1 重大 … 4 低
    level: str
    colour: str
    colour_code: str
    meaning: str
    control_level: str

    def admits(self, score: Decimal) -> bool:
        return score > self.bound if self.method == "lec" else score >= self.bound


@dataclass(frozen=True)
class Grading:
    method: str
    factors: dict  # {"L": Decimal, …}
    score: Decimal  # D or R
    band: Band

    @property
    def score_text(self) -> str:
        return f"{self.score.normalize():f}"

    def as_dict(self) -> dict:
        key = "D" if self.method == "lec" else "R"
        return {key: float(self.score), "level": self.band.level, "grade": self.band.grade,
                "colour": self.band.colour, "colour_code": self.band.colour_code,
                "control_level": self.band.control_level}


@lru_cache(maxsize=1)
def lec_scores() -> dict[str, dict[Decimal, str]]:
    scores: dict[str, dict[Decimal, str]] = {}
    for row in read_table(DATA / "lec_scores.csv"):
        scores.setdefault(row["factor"], {})[Decimal(row["score"])] = row["meaning"]
    return scores


@lru_cache(maxsize=1)
def default_bands() -> dict[str, list[Band]]:
    bands: dict[str, list[Band]] = {}
    for row in read_table(DATA / "risk_bands.csv"):
        bound = row["above"] if row["method"] == "lec" else row["at_least"]
        bands.setdefault(row["method"], []).append(Band(
            row["method"], Decimal(bound), int(row["grade"]), row["level"], row["colour"], row["colour_code"],
            row["meaning"], row["control_level"]))
    return {method: sorted(rows, key=lambda b: b.grade) for method, rows in bands.items()}


def _decimal(value, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{label}“{value}”不是有效的数字。") from None
    if not number.is_finite():
        raise ValueError(f"{label}“{value}”不是有效的数字。")
    return number


def _band(method: str, score: Decimal, bands=None) -> Band:
    for band in bands or default_bands()[method]:
        if band.admits(score):
            return band
    raise ValueError(f"分值 {score} 不在任何风险等级范围内，请检查风险分级标准设置。")


def lec(likelihood, exposure, consequence, bands=None) -> Grading:
    """D = L × E × C, each factor one of its table's scores (a value not in the table is refused, naming it)."""
    factors, errors = {}, []
    for key, value in zip("LEC", (likelihood, exposure, consequence), strict=True):
        allowed = lec_scores()[key]
        try:
            number = _decimal(value, FACTORS[key])
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if number not in allowed:
            errors.append(f"{FACTORS[key]}的分值 {value} 不在LEC取值表中，可选："
                          f"{'、'.join(f'{s.normalize():f}（{m}）' for s, m in allowed.items())}。")
        factors[key] = number
    if errors:
        raise ValueError("；".join(errors))
    score = factors["L"] * factors["E"] * factors["C"]
    return Grading("lec", factors, score, _band("lec", score, bands))


def ls(likelihood, severity, bands=None) -> Grading:
    """R = L × S on the 5 × 5 matrix, L and S whole numbers 1–5."""
    factors, errors = {}, []
    for key, value in zip("LS", (likelihood, severity), strict=True):
        try:
            number = _decimal(value, LS_FACTORS[key])
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if number not in {Decimal(n) for n in range(1, 6)}:
            errors.append(f"{LS_FACTORS[key]}应为1～5的整数，收到 {value}。")
        factors[key] = number
    if errors:
        raise ValueError("；".join(errors))
    score = factors["L"] * factors["S"]
    return Grading("ls", factors, score, _band("ls", score, bands))
