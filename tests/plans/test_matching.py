"""The matching rule on plain values: which plans fit an incident and which level their criteria give."""

import pytest

from yingji.plans import matching
from yingji.plans.matching import Candidate, Criteria, Facts

COUNTY, TOWNSHIP, OTHER_TOWNSHIP, CITY = "/1/2/3/", "/1/2/3/10/", "/1/2/3/11/", "/1/2/"

LEVELS = (
    Criteria(4, min_grade=4, min_deaths=1, min_injured=3, min_people_affected=100, warning_colour="blue"),
    Criteria(3, min_grade=3, min_deaths=3, min_injured=10, min_people_affected=1000, warning_colour="yellow"),
    Criteria(2, min_grade=2, min_deaths=10, min_injured=50, min_people_affected=10000, warning_colour="orange"),
    Criteria(1, min_grade=1, min_deaths=30, min_injured=100, min_people_affected=50000, warning_colour="red"),
)


def plan(key="p", type="special", region=COUNTY, codes=("12D00",), levels=LEVELS, name=""):
    return Candidate(key, type, region, tuple(codes), levels, name or str(key))


def facts(**kw):
    return Facts(**{"event_code": "12D02", "region_path": TOWNSHIP, **kw})


@pytest.mark.parametrize("field, below, at, level", [
    ("deaths", 2, 3, 3), ("deaths", 9, 10, 2), ("deaths", 29, 30, 1), ("deaths", 0, 1, 4),
    ("injured", 9, 10, 3), ("injured", 49, 50, 2), ("injured", 2, 3, 4),
    ("people_affected", 999, 1000, 3), ("people_affected", 99, 100, 4), ("people_affected", 49999, 50000, 1),
])
def test_thresholds_include_the_number_itself(field, below, at, level):
    """以上含本数: exactly the threshold meets it, one less does not reach that level."""
    assert matching.suggest_level(plan(), facts(**{field: at}))[0] == level
    assert matching.suggest_level(plan(), facts(**{field: below}))[0] != level


def test_the_highest_level_met_is_suggested_and_any_one_criterion_is_enough():
    level, reasons = matching.suggest_level(plan(), facts(deaths=1, injured=12))
    assert level == 3 and reasons == ["受伤12人，达到“10人以上”"]
    level, reasons = matching.suggest_level(plan(), facts(level=4, deaths=3))
    assert level == 3 and "死亡（含下落不明）3人" in reasons[0]


@pytest.mark.parametrize("incident_level, expected", [(4, 4), (3, 3), (2, 2), (1, 1), (None, None)])
def test_event_level_meets_its_own_grade_and_the_lower_ones(incident_level, expected):
    assert matching.suggest_level(plan(), facts(level=incident_level))[0] == expected


@pytest.mark.parametrize("colour, expected", [("blue", 4), ("yellow", 3), ("orange", 2), ("red", 1), ("", None)])
def test_warning_colour_counts_as_that_colour_and_above(colour, expected):
    assert matching.suggest_level(plan(), facts(warning_colour=colour))[0] == expected


def test_a_colour_criterion_is_not_met_by_a_lower_warning():
    only_red = plan(levels=(Criteria(1, warning_colour="red"),))
    assert matching.suggest_level(only_red, facts(warning_colour="orange")) == (None, [])


def test_nothing_met_gives_no_level():
    assert matching.suggest_level(plan(), facts()) == (None, [])


def test_fit_needs_the_region_above_or_at_the_incident_and_the_event_code_covered():
    assert matching.fits(plan(region=COUNTY), facts())
    assert matching.fits(plan(region=TOWNSHIP), facts())
    assert not matching.fits(plan(region=OTHER_TOWNSHIP), facts())
    assert matching.fits(plan(codes=("12000",)), facts())
    assert matching.fits(plan(codes=("12D02",)), facts())
    assert not matching.fits(plan(codes=("11A00",)), facts())


def test_ranking_met_first_then_type_then_nearest_region_then_code():
    candidates = [
        plan("general", "general", COUNTY, ("11000", "12000")),
        plan("city-special", "special", CITY),
        plan("county-special", "special", COUNTY),
        plan("exact-special", "special", COUNTY, ("12D02",)),
        plan("township", "township", TOWNSHIP, ("12000",)),
        plan("never", "special", COUNTY, levels=(Criteria(1, min_deaths=30),)),
        plan("flood", "special", COUNTY, ("11A00",)),
        plan("elsewhere", "township", OTHER_TOWNSHIP, ("12000",)),
    ]
    ranked = matching.suggest(candidates, facts(deaths=1))
    assert [s.key for s in ranked] == ["exact-special", "county-special", "city-special", "township", "general",
                                       "never"]
    assert ranked[-1].level is None and all(s.level == 4 for s in ranked[:-1])


def test_code_specificity():
    assert matching.code_specificity(["12D02"], "12D02") == 0
    assert matching.code_specificity(["12D00"], "12D02") == 1
    assert matching.code_specificity(["12000"], "12D02") == 2
    assert matching.code_specificity(["11A00"], "12D02") is None


def test_describe_lists_the_criteria_as_the_ui_shows_them():
    assert matching.describe(LEVELS[1]) == [
        "事件（事故）级别达到Ⅲ级（较大）及以上", "死亡（含下落不明）3人以上", "受伤（重伤与轻伤）10人以上",
        "受影响（需转移安置）1000人以上", "发布黄色及以上预警",
    ]
    assert Criteria(4).is_empty and not LEVELS[0].is_empty
