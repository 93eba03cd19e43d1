"""Which plans fit an incident, and at which response level: pure functions on plain values.

A response level's criteria are alternatives: any one met starts that level. Thresholds are
"以上含本数" (a minimum of 3 deaths is met by 3). Of a plan's levels whose criteria are met,
the highest (Ⅰ is highest, the smallest number) is suggested.

A plan fits an incident when its region contains the incident's region (same or an ancestor)
and its event codes cover the incident's code. Fitting plans are ranked by specificity: those
whose criteria are met first; then by type (专项, 部门, 企业, 乡镇 before 总体); then the plan of
the nearest government level (属地为主: the county's own plan before the city's); then the plan
listing the most specific event code.
"""

from dataclasses import dataclass, field

from yingji.standards import event_codes, levels

ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
COLOURS = ("red", "orange", "yellow", "blue")  # index + 1 is the warning level
# Lower is more specific; 总体 plans (of a government at any level) come last.
TYPE_RANK = {"special": 0, "department": 1, "enterprise": 2, "township": 3, "general": 4}


@dataclass(frozen=True)
class Facts:
    """What is known about an incident. `level` is its event level (accident grades map to it)."""

    event_code: str
    region_path: str  # materialised path of the incident's region, "/1/7/42/"
    level: int | None = None
    deaths: int = 0  # including the missing
    injured: int = 0  # serious and minor injuries
    people_affected: int = 0
    warning_colour: str = ""  # red/orange/yellow/blue of a warning in force, "" if none


@dataclass(frozen=True)
class Criteria:
    """The activation criteria of one response level; None (or "") means "not a criterion"."""

    level: int
    min_grade: int | None = None  # event level Ⅰ–Ⅳ reached or exceeded
    min_deaths: int | None = None
    min_injured: int | None = None
    min_people_affected: int | None = None
    warning_colour: str = ""

    @property
    def is_empty(self) -> bool:
        return all(v in (None, "") for v in (self.min_grade, self.min_deaths, self.min_injured,
                                              self.min_people_affected, self.warning_colour))


@dataclass(frozen=True)
class Candidate:
    """A plan as the matcher sees it."""

    key: object  # the plan's id
    type: str
    region_path: str
    event_codes: tuple[str, ...]
    levels: tuple[Criteria, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Suggestion:
    key: object
    level: int | None  # None: the plan fits, but no level's criteria are met
    reasons: tuple[str, ...] = ()
    rank: tuple = field(default=(), compare=False)


def grade_text(level: int) -> str:
    return f"{ROMAN[level]}级（{levels.by_level(level).event_grade}）"


def colour_text(colour: str) -> str:
    return levels.by_colour(colour).colour


def describe(criteria: Criteria) -> list[str]:
    """The criteria as the UI lists them (any one starts the level)."""
    lines = []
    if criteria.min_grade:
        lines.append(f"事件（事故）级别达到{grade_text(criteria.min_grade)}及以上")
    if criteria.min_deaths:
        lines.append(f"死亡（含下落不明）{criteria.min_deaths}人以上")
    if criteria.min_injured:
        lines.append(f"受伤（重伤与轻伤）{criteria.min_injured}人以上")
    if criteria.min_people_affected:
        lines.append(f"受影响（需转移安置）{criteria.min_people_affected}人以上")
    if criteria.warning_colour:
        lines.append(f"发布{colour_text(criteria.warning_colour)}及以上预警")
    return lines


def _colour_rank(colour: str) -> int | None:
    return COLOURS.index(colour) + 1 if colour in COLOURS else None


def _at_least(value: int, minimum: int | None) -> bool:
    return minimum is not None and minimum > 0 and value >= minimum


def met(criteria: Criteria, facts: Facts) -> list[str]:
    """The criteria this incident meets, each as a sentence naming the figure and the threshold."""
    reasons = []
    if criteria.min_grade and facts.level and facts.level <= criteria.min_grade:
        reasons.append(f"事件级别{grade_text(facts.level)}，达到“{ROMAN[criteria.min_grade]}级及以上”")
    if _at_least(facts.deaths, criteria.min_deaths):
        reasons.append(f"死亡（含下落不明）{facts.deaths}人，达到“{criteria.min_deaths}人以上”")
    if _at_least(facts.injured, criteria.min_injured):
        reasons.append(f"受伤{facts.injured}人，达到“{criteria.min_injured}人以上”")
    if _at_least(facts.people_affected, criteria.min_people_affected):
        reasons.append(f"受影响{facts.people_affected}人，达到“{criteria.min_people_affected}人以上”")
    wanted, have = _colour_rank(criteria.warning_colour), _colour_rank(facts.warning_colour)
    if wanted and have and have <= wanted:
        reasons.append(f"已发布{colour_text(facts.warning_colour)}预警，达到“{colour_text(criteria.warning_colour)}及以上”")
    return reasons


def suggest_level(candidate: Candidate, facts: Facts) -> tuple[int | None, list[str]]:
    """The highest level whose criteria are met, with the reasons; (None, []) if none is."""
    for criteria in sorted(candidate.levels, key=lambda c: c.level):
        reasons = met(criteria, facts)
        if reasons:
            return criteria.level, reasons
    return None, []


def _depth(path: str) -> int:
    return len([part for part in path.strip("/").split("/") if part])


def code_specificity(codes, event_code: str) -> int | None:
    """0 when the plan lists the code itself, 1 its 类, 2 its 大类; None when not covered."""
    code = (event_code or "").strip().upper()
    if len(code) != 5:
        return None
    for rank, wanted in enumerate((code, code[:3] + "00", code[:2] + "000")):
        if wanted in codes:
            return rank
    return None


def fits(candidate: Candidate, facts: Facts) -> bool:
    return (facts.region_path.startswith(candidate.region_path)
            and event_codes.covers(candidate.event_codes, facts.event_code))


def suggest(candidates, facts: Facts) -> list[Suggestion]:
    """Every fitting plan with its suggested level, best first (see the module's docstring)."""
    out = []
    for candidate in candidates:
        if not fits(candidate, facts):
            continue
        level, reasons = suggest_level(candidate, facts)
        rank = (level is None, TYPE_RANK.get(candidate.type, len(TYPE_RANK)),
                _depth(facts.region_path) - _depth(candidate.region_path),
                code_specificity(candidate.event_codes, facts.event_code), candidate.name)
        out.append(Suggestion(candidate.key, level, tuple(reasons), rank))
    return sorted(out, key=lambda s: s.rank)
