"""Alert results explain themselves: each point carries observed, expected, bound, score, method
and parameters, and nothing in a result can be changed after the fact."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from salus.analytics.alerts.surveillance import AlertPoint, ears, farrington_flexible


@pytest.fixture(scope="module")
def weekly_counts() -> np.ndarray:
    rng = np.random.default_rng(11)
    counts = rng.poisson(6.0, (330, 3)).astype(float)
    counts[-2, 1] += 25  # an outbreak in area 1, two weeks before the end
    return counts


def test_an_alarm_point_says_why_it_fired(weekly_counts: np.ndarray) -> None:
    result = farrington_flexible(weekly_counts, monitored=range(320, 330), alpha=0.01)
    point = next(p for p in result.alarms() if p.area == 1)
    assert isinstance(point, AlertPoint)
    assert point.time_index == 328
    assert point.observed > point.upper_bound > point.expected
    assert point.score == pytest.approx(
        (point.observed - point.expected) / (point.upper_bound - point.expected)
    )
    assert point.method == "farrington_flexible"
    assert point.parameters["alpha"] == 0.01
    assert point.details["enough_cases"] == 1.0


def test_points_cover_every_monitored_week_of_an_area(weekly_counts: np.ndarray) -> None:
    result = ears(weekly_counts, "C2", monitored=range(300, 330))
    points = result.points(area=2)
    assert [p.time_index for p in points] == list(range(300, 330))
    assert all(p.area == 2 and p.method == "ears_c2" for p in points)
    assert len(result.points()) == 3 * 30


def test_results_and_points_are_read_only(weekly_counts: np.ndarray) -> None:
    result = ears(weekly_counts, "C1")
    with pytest.raises(ValueError, match="read-only"):
        result.upper_bound[0, 0] = 0.0
    with pytest.raises(TypeError):
        result.parameters["alpha"] = 0.5  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.point(0, 0).alarm = True  # type: ignore[misc]


def test_counts_with_gaps_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="finite"):
        ears([1.0, 2.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], "C1")
