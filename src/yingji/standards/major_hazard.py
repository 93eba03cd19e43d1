"""Major hazard sources (危险化学品重大危险源) per GB 18218-2018: identification (式1) and grading (式2).

- Q: a chemical named in 表1 takes its Q there; any other takes the 表2 Q of its hazard category, and with
  several hazards the lowest Q (4.1 b). A mixture with its pure substance's hazard counts as that substance.
- Identification: S = Σ qᵢ/Qᵢ over the unit; S ≥ 1 is a major hazard source (q = Q counts).
- Grading, only when S ≥ 1: R = α · Σ βᵢ·qᵢ/Qᵢ, β from 表3 for its named toxic gases, else from 表4 by the
  category; α from 表5 by the 常住人口 within 500 m outside the plant boundary; the level from 表6.
Boundaries are inclusive at the lower end (以上含本数): R = 100 is 一级, R = 50 二级, 30 people take α 1.2.
Arithmetic is Decimal so that the boundaries hold exactly; the tables are the data/gb18218_2018_*.csv files.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import numpy as np

from .tables import read_table

DATA = Path(__file__).parent / "data"
MAX_TONNES = Decimal("10000000")  # ten million tonnes: more than any plant holds; a typo, not an inventory
MAX_PEOPLE = 100_000_000


@dataclass(frozen=True)
class Substance:
    name: str
    critical_t: Decimal  # Q
    beta: Decimal
    q_source: str  # "表1 第12项" or "表2 W5.1"
    beta_source: str  # "表3" or "表4 W5.1"


@dataclass(frozen=True)
class Line:
    substance: Substance
    tonnes: Decimal  # q, the design maximum
    ratio: Decimal  # q/Q
    weighted: Decimal  # β·q/Q


@dataclass(frozen=True)
class Assessment:
    lines: list = field(default_factory=list)
    S: Decimal = Decimal(0)
    people: int = 0
    alpha: Decimal | None = None  # only for a major hazard source
    R: Decimal | None = None
    level: str | None = None  # 一级 … 四级

    @property
    def major(self) -> bool:
        return self.S >= 1

    def as_dict(self) -> dict:
        out = {"S": _num(self.S), "major": self.major}
        if self.major:
            out.update(R=_num(self.R), level=self.level, alpha=_num(self.alpha))
        return out


def _num(value: Decimal) -> float:
    return float(round(value, 6))


def _base(name: str) -> str:
    """"氯化氢(无水)" → "氯化氢": 表1 qualifies some names in brackets."""
    return re.split(r"[(（［\[]", name, maxsplit=1)[0].strip()


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, dict], dict[str, list[str]]]:
    """表1 rows under their full name, aliases, CAS numbers and bracket-free base name, where that key names one
    row; keys naming several rows with different Q (硝化纤维素, 硝酸铵, CAS 9004-70-0) → those rows' names."""
    candidates: dict[str, list[dict]] = {}
    for row in read_table(DATA / "gb18218_2018_table1.csv"):
        keys = {row["name"], _base(row["name"]), *filter(None, row["aliases"].split(";"))}
        keys |= {_base(part) for part in row["name"].split(",")}  # "甲烷,天然气"
        keys |= {c.split("(")[0].strip() for c in re.split("[；;]", row["cas"]) if c.strip()}
        for key in keys:
            candidates.setdefault(key, []).append(row)
    unique = {k: rows[0] for k, rows in candidates.items() if len(rows) == 1}
    unique.update({rows[0]["name"]: rows[0] for rows in candidates.values()})  # a full name is always exact
    ambiguous = {k: [r["name"] for r in rows] for k, rows in candidates.items() if len(rows) > 1 and k not in unique}
    return unique, ambiguous


def _table1() -> dict[str, dict]:
    return _lookup()[0]


@lru_cache(maxsize=1)
def _table2() -> dict[str, dict]:
    return {row["symbol"]: row for row in read_table(DATA / "gb18218_2018_table2.csv")}


@lru_cache(maxsize=1)
def _default_categories() -> dict[str, str]:
    """表1 row → its 表4 category for β (data/gb18218_2018_table1_beta_categories.csv)."""
    return {r["no"]: r["category"] for r in read_table(DATA / "gb18218_2018_table1_beta_categories.csv")}


@lru_cache(maxsize=1)
def _table3() -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """β of the named toxic gases, by name and by their 表1 row number."""
    rows = read_table(DATA / "gb18218_2018_table3.csv")
    return ({r["name"]: Decimal(r["beta"]) for r in rows},
            {r["table1_no"]: Decimal(r["beta"]) for r in rows if r["table1_no"]})


@lru_cache(maxsize=1)
def _table5_6():
    rows = read_table(DATA / "gb18218_2018_table5_6.csv")
    alphas = [(int(r["min_people"]), Decimal(r["alpha"])) for r in rows if r["table"] == "5"]
    levels = [(Decimal(r["min_r"]), r["level"]) for r in rows if r["table"] == "6"]
    return sorted(alphas, reverse=True), sorted(levels, reverse=True)


def categories() -> list[dict]:
    return list(_table2().values())


def table1_names() -> list[str]:
    return [row["name"] for row in read_table(DATA / "gb18218_2018_table1.csv")]


def nearest_names(name: str, n: int = 3) -> list[str]:
    """表1 names like a mistyped one: shared characters first (Chinese names are short), then spelling."""
    keys = list(_table1())
    close = difflib.get_close_matches(name, keys, n=n, cutoff=0.3)
    containing = [k for k in keys if name and (name in k or k in name)]
    seen, out = set(), []
    for key in containing + close:
        canonical = _table1()[key]["name"]
        if canonical not in seen:
            seen.add(canonical)
            out.append(canonical)
    return out[:n]


def substance(name: str = "", hazard_categories=()) -> Substance:
    """A chemical by its 表1 name (or alias or CAS number), or, when not in 表1, by its 表2 categories
    (several hazards: the lowest Q, and that category's β). A 表3 gas keeps its 表3 β either way."""
    name = (name or "").strip()
    gas_by_name, gas_by_row = _table3()
    row = _table1().get(name)
    if row is not None:
        beta, beta_source = gas_by_row.get(row["no"]), "表3"
        if beta is None:
            declared = _categories(hazard_categories) if hazard_categories else []
            code = declared[0]["symbol"] if declared else _default_categories().get(row["no"], "")
            beta = Decimal(_table2()[code]["beta"]) if code else Decimal(1)
            beta_source = f"表4 {code}" if code else "表4未列（腐蚀性等），取1"
        return Substance(row["name"], Decimal(row["critical_t"]), beta, f"表1 第{row['no']}项", beta_source)
    if name in _table2() and not hazard_categories:  # a category code given as the name ("W5.1")
        name, hazard_categories = "", [name]
    if not hazard_categories:
        several = _lookup()[1].get(name)
        if several:
            raise ValueError(f"“{name}”对应GB 18218-2018表1中临界量不同的{len(several)}项，请写明具体条目："
                             + "、".join(several) + "。")
        hint = nearest_names(name)
        raise ValueError(f"“{name}”不在GB 18218-2018表1中" + (f"，是否是：{'、'.join(hint)}？" if hint else "。")
                         + "不在表1中的危险化学品请填写表2危险性类别（如 W5.1、J2）。")
    cats = _categories(hazard_categories)
    lowest = cats[0]
    beta = gas_by_name.get(name)
    return Substance(name or f"{lowest['hazard']}（{lowest['symbol']}）", Decimal(lowest["critical_t"]),
                     beta if beta is not None else Decimal(lowest["beta"]), f"表2 {lowest['symbol']}",
                     "表3" if beta is not None else f"表4 {lowest['symbol']}")


def _categories(codes) -> list[dict]:
    """The 表2 rows of the codes, lowest Q first (ties: the larger β, the safer reading)."""
    table = _table2()
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    unknown = [c for c in codes if c not in table]
    if unknown:
        raise ValueError(f"未知的危险性类别：{'、'.join(unknown)}。可选：{'、'.join(table)}。")
    return sorted((table[c] for c in codes), key=lambda r: (Decimal(r["critical_t"]), -Decimal(r["beta"])))


def tonnes(value, label: str = "数量") -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{label}“{value}”不是有效的数字（吨）。") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{label}不能为负数。")
    if number > MAX_TONNES:
        raise ValueError(f"{label}{number} 吨超出合理范围（不超过 {MAX_TONNES:,} 吨），请核对单位是否为吨。")
    return number


def people_count(value) -> int:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"暴露人数“{value}”不是有效的整数。") from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise ValueError("暴露人数应为不小于0的整数。")
    if number > MAX_PEOPLE:
        raise ValueError("暴露人数超出合理范围。")
    return int(number)


def alpha(people: int) -> Decimal:
    """表5: 0 → 0.5, 1–29 → 1.0, 30–49 → 1.2, 50–99 → 1.5, ≥100 → 2.0."""
    alphas, _ = _table5_6()
    return next(a for minimum, a in alphas if people >= minimum)


def level(r: Decimal) -> str:
    """表6: R ≥ 100 一级, 100 > R ≥ 50 二级, 50 > R ≥ 10 三级, R < 10 四级."""
    _, levels = _table5_6()
    return next(name for minimum, name in levels if r >= minimum)


def assess(items, people=0) -> Assessment:
    """`items`: (Substance, tonnes) pairs of one 生产单元 or 储存单元."""
    people = people_count(people)
    lines = []
    for sub, q in items:
        q = tonnes(q, f"{sub.name}的数量")
        ratio = q / sub.critical_t
        lines.append(Line(sub, q, ratio, sub.beta * ratio))
    s = sum((line.ratio for line in lines), Decimal(0))
    if s < 1:
        return Assessment(lines, s, people)
    a = alpha(people)
    r = a * sum((line.weighted for line in lines), Decimal(0))
    return Assessment(lines, s, people, a, r, level(r))


def parse_item(text: str) -> tuple[Substance, Decimal]:
    """"氯:12.5" or "W5.1:30" or "丁酮/W5.1,J5:30" (a name not in 表1 with its categories) → (Substance, q)."""
    if ":" not in text and "：" not in text:
        raise ValueError(f"“{text}”应写成 名称或类别:吨数，如 氯:12.5 或 W5.1:30。")
    what, _, amount = text.replace("：", ":").rpartition(":")
    name, _, cats = what.partition("/")
    return substance(name, [c for c in re.split("[,，]", cats) if c]), tonnes(amount, f"{what}的数量")


# --- Many units at once (a county's or a province's registry) ------------------------------------------------
# Vectorised in float64 over a (units × lines) matrix; a unit whose S lies within NEAR of 1, or whose R lies
# within NEAR of a level boundary, is recomputed exactly in Decimal, so q = Q still counts and R = 100 is 一级.
NEAR = 1e-9


@dataclass(frozen=True)
class Batch:
    S: np.ndarray  # (units,)
    major: np.ndarray  # bool
    R: np.ndarray  # NaN where not major
    level: np.ndarray  # 0 not major, 1 一级 … 4 四级


def _alphas(people):
    alphas, _ = _table5_6()
    bounds = np.array([m for m, _ in reversed(alphas)])  # 0, 1, 30, 50, 100
    values = np.array([float(a) for _, a in reversed(alphas)])
    return values[np.searchsorted(bounds, people, side="right") - 1]


def assess_many(tonnes, critical, beta, people) -> Batch:
    """`tonnes`, `critical`, `beta`: (units × lines) arrays (unused lines: tonnes 0, critical 1);
    `people`: (units,). Same answers as assess(), unit by unit."""
    tonnes, critical, beta = (np.asarray(a, dtype=float) for a in (tonnes, critical, beta))
    people = np.asarray(people, dtype=np.int64)
    ratio = tonnes / critical
    s = ratio.sum(axis=1)
    r = _alphas(people) * (beta * ratio).sum(axis=1)
    major = s >= 1
    _, levels = _table5_6()
    edges = np.array([float(m) for m, _ in sorted(levels)])  # 0, 10, 50, 100
    level = np.where(major, 4 - (np.searchsorted(edges, r, side="right") - 1), 0)
    near = (np.abs(s - 1) < NEAR) | (major & (np.abs(r[:, None] - edges[1:]) < NEAR * np.maximum(1, r[:, None])).any(axis=1))
    for i in np.flatnonzero(near):  # the rare unit on a boundary: exact
        items = [(Substance("", _dec(q_), _dec(b_), "", ""), _dec(t))
                 for t, q_, b_ in zip(tonnes[i], critical[i], beta[i], strict=True) if t]
        exact = assess(items, int(people[i]))
        s[i], major[i] = float(exact.S), exact.major
        r[i] = float(exact.R) if exact.major else r[i]
        level[i] = LEVEL_NAMES.index(exact.level) + 1 if exact.major else 0
    return Batch(s, major, np.where(major, r, np.nan), level)


LEVEL_NAMES = ["一级", "二级", "三级", "四级"]


def _dec(value) -> Decimal:
    """The decimal a float was typed as (4.999, not 4.99899999…): Python's shortest repr of the float."""
    return Decimal(str(float(value)))
