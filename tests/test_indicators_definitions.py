"""Indicator definitions are data: shipped YAML, user YAML on a search path, clear errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support_db import BACKENDS
from test_indicators_support import observatory_store, user_definition

from salus.analytics.indicators.definitions import ENV_DIRS, load_definitions, load_file
from salus.analytics.indicators.filters import DefinitionError
from salus.usecases.errors import NotFound
from salus.usecases.indicators.compute import (
    IndicatorRequestError,
    compute_indicator,
    list_indicators,
)


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    yield from observatory_store(request, tmp_path_factory)


FEMALE_VICTIMS = """
id: female-homicide-victims
title: Women and girls killed in intentional homicides
measure: victims
unit: victims per 100,000 women and girls
filters: {offence: "0101", attempted: false, sex: female}
victims: {outcome: killed}
by: [area]
metadata: {note: "a user's own indicator"}
"""

VALID_HEAD = "id: x\ntitle: X\nmeasure: victims\n"


def test_the_shipped_definitions_load_with_their_metadata() -> None:
    known = load_definitions()
    assert {"sdg-16-1-1", "firearm-deaths-by-context", "homicide-incidents"} <= set(known)
    sdg = known["sdg-16-1-1"]
    assert (sdg.measure, sdg.per, sdg.by, sdg.age_scheme) == (
        "victims",
        100_000,
        ("sex", "age_band"),
        "sdg",
    )
    assert sdg.metadata["sdg_indicator"] == "16.1.1" and sdg.metadata["custodian"] == "UNODC"
    assert sdg.filters.codes == {"offence": (("0101",),), "outcome": (("killed",),)}
    assert sdg.filters.attempted is False
    assert sdg.source == "salus/analytics/indicators/sdg-16-1-1.yaml"
    assert known["firearm-deaths-by-context"].filters.codes["weapon"] == (("firearm",),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('filters: {ofence: "0101"}', "filters.ofence: unknown filter key"),
        ('filters: {offence: "0199"}', "filters.offence: unknown iccs code(s) '0199'"),
        (
            "filters: {weapon: [firearm, bazooka]}",
            "filters.weapon: unknown weapon code(s) 'bazooka'",
        ),
        ("filters: {sex: [female, male]}", "filters.sex: give exactly one value"),
        ("filters: {attempted: maybe}", "filters.attempted: expected true or false"),
        ("victims: {outcome: dead}", "victims.outcome: unknown outcome code(s) 'dead'"),
        ("victims: {role: witness}", "victims.role: unknown key"),
        ("filters: {outcome: killed}", "filters.outcome: put the outcome under 'victims:'"),
        ("by: [area, colour]", "by: unknown grouping 'colour'"),
        ("age_scheme: decades", "age_scheme: unknown age-band scheme 'decades'"),
        ("per: -5", "per must be a positive integer"),
        ("colour: blue", "unknown key(s) colour"),
    ],
)
def test_an_invalid_definition_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, body: str, message: str
) -> None:
    path = user_definition(tmp_path, VALID_HEAD + body + "\n", "bad")
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\ntitle: X\n", "missing required key 'measure'"),
        ("id: x\ntitle: X\nmeasure: deaths\n", "measure must be one of victims, incidents"),
        ("id: X Y\ntitle: X\nmeasure: victims\n", "must be lower-case"),
        ("- a list\n", "expected a mapping"),
        ("id: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_malformed_definition_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(
        DefinitionError,
        match="bad.yaml: .*" + re.escape(message),
    ):
        load_file(user_definition(tmp_path, text, "bad"))


def test_two_files_with_one_id_are_an_error(tmp_path: Path) -> None:
    user_definition(tmp_path, FEMALE_VICTIMS.replace("female-homicide-victims", "sdg-16-1-1"))
    with pytest.raises(
        DefinitionError,
        match=re.escape(
            "'sdg-16-1-1' is already defined in salus/analytics/indicators/sdg-16-1-1.yaml"
        ),
    ):
        load_definitions([tmp_path])


def test_a_user_indicator_in_salus_indicators_dir_is_listed_and_computed(
    observatory: sa.Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_definition(tmp_path, FEMALE_VICTIMS)
    monkeypatch.setenv(ENV_DIRS, str(tmp_path))
    assert "female-homicide-victims" in {d.id for d in list_indicators()}
    result = compute_indicator(observatory, "female-homicide-victims", period="2023")
    alfa = result.find(area="XC0101")
    assert (alfa.victims, alfa.population, alfa.rate) == (2, 30_000, 2 / 30_000 * 1e5)
    assert result.metadata["definition"] == {"note": "a user's own indicator"}


def test_a_definitions_folder_can_be_given_per_call(
    observatory: sa.Engine,
    tmp_path: Path,
) -> None:
    user_definition(tmp_path, FEMALE_VICTIMS)
    result = compute_indicator(
        observatory, "female-homicide-victims", period="2023", by=[], definitions=[tmp_path]
    )
    assert result.rows[0].victims == 3  # B, E (Alfa) and F (Beta)
    with pytest.raises(NotFound, match="unknown indicator 'female-homicide-victims'"):
        compute_indicator(observatory, "female-homicide-victims", period="2023")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "area,colour"}, "--by: unknown grouping 'colour'"),
        ({"by": "year,month"}, "one time grain at most"),
        ({"period": "last year"}, "cannot read period 'last year'"),
        ({"filters": {"weapon": "bazooka"}}, "request: filters.weapon: unknown weapon code"),
        ({"suppression_threshold": 0}, "threshold must be an integer >= 1"),
        ({"by": "area", "level": 0, "filters": {"area": "XC01"}}, "--level 0 is above the area"),
        ({"by": "area", "level": 7}, "--level 7: no areas at that level (levels: 0, 1, 2)"),
    ],
)
def test_an_invalid_request_is_refused_with_a_clear_message(
    observatory: sa.Engine,
    kwargs: dict[str, object],
    message: str,
) -> None:
    kwargs.setdefault("period", "2023")
    with pytest.raises(IndicatorRequestError, match=re.escape(message)):
        compute_indicator(observatory, "sdg-16-1-1", **kwargs)  # type: ignore[arg-type]
