"""The pure part of the indicator computation (numpy only): roll-up of grouped sums, rates with missing
denominators, 年均 over the plan period, and target assessment."""

import numpy as np
import pytest

from yingji.planning.services.indicators import assess, goal, rollup, running_mean, yearly_values

# county 1 › townships 2 and 3 › village 4 (under 2); region 5 elsewhere
PATHS = {1: "/1/", 2: "/1/2/", 3: "/1/3/", 4: "/1/2/4/", 5: "/5/"}


def test_rollup_sums_each_row_into_every_target_on_its_path():
    out = rollup([2, 4, 3, 5, 2], [2021, 2021, 2022, 2021, 2022], {"n": [1, 2, 4, 8, 16]}, PATHS,
                 targets=[1, 2, 3], years=[2021, 2022])
    assert out["n"].tolist() == [[3, 20], [3, 16], [0, 4]]  # region 5 lies outside the county: counted nowhere


def test_rollup_ignores_years_outside_the_span_and_keeps_int64_exact():
    big = 2**53 + 1  # not representable as float64: the sums stay integers
    out = rollup([2, 2, 2], [2019, 2021, 2030], {"n": [5, big, 7]}, PATHS, targets=[1], years=[2020, 2021])
    assert out["n"].dtype == np.int64 and out["n"].tolist() == [[0, big]]


def test_rollup_of_nothing_is_zero_not_missing():
    out = rollup([], [], {"n": []}, PATHS, targets=[1, 2], years=[2021])
    assert out["n"].tolist() == [[0], [0]]


def test_rate_without_a_denominator_is_nan_never_a_number():
    values = yearly_values([3, 3, 3, 3], [np.nan, 0, -1, 200], 1)
    assert np.isnan(values[:3]).all() and values[3] == pytest.approx(0.015)


def test_rate_scales_per_hundred_thousand_and_counts_pass_through():
    assert yearly_values([12], [400_000], 100_000)[0] == pytest.approx(3.0)
    assert yearly_values([7, 0], None, 1).tolist() == [7.0, 0.0]


def test_loss_share_in_percent_of_gdp():
    # 1,800 万元 of loss over 180 亿元 of GDP = 0.1 %
    assert yearly_values([1800], [180], 0.01)[0] == pytest.approx(0.1)


def test_running_mean_from_the_period_start_and_nan_propagates():
    years = [2020, 2021, 2022, 2023]
    assert running_mean([9, 1, 3, 5], years, 2021).tolist() == [9, 1, 2, 3]
    with_gap = running_mean([[9, 1, np.nan, 5]], years, 2021)
    assert with_gap[0, :2].tolist() == [9, 1] and np.isnan(with_gap[0, 2:]).all()


@pytest.mark.parametrize(("kind", "target", "baseline", "value", "met"), [
    ("decrease_pct", 15, 20, 17, True),  # 20 × 0.85 = 17: exactly at the goal meets it
    ("decrease_pct", 15, 20, 17.01, False),
    ("decrease_pct", 15, None, 1, None),  # no baseline: cannot tell
    ("increase_pct", 10, 100, 110, True),
    ("lt", 1, None, 0.99, True), ("lt", 1, None, 1, False),
    ("le", 1, None, 1, True), ("ge", 5, None, 4.9, False), ("gt", 5, None, 5, False),
    ("lt", 15000, None, float("nan"), None),
])
def test_assess_boundaries(kind, target, baseline, value, met):
    assert assess(kind, target, baseline, value) is met


def test_goal_of_a_decrease():
    assert goal("decrease_pct", 33, 0.06) == pytest.approx(0.0402)
    assert goal("lt", 1, None) == 1
