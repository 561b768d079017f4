"""The small fictional observatory the indicator tests share (no tests in this module).

Costa Ficticia (XC) has two departments and three municipalities::

    XC  Costa Ficticia (level 0)
    ├── XC01 Norte (1)  ── XC0101 Alfa (2), XC0102 Beta (2)
    └── XC02 Sur (1)    ── XC0201 Gamma (2)

Population comes in three shapes on purpose: Alfa by sex and SDG age group, Beta by sex
only, Gamma as totals only (and Sur has its own total). Victims and incidents are few and
listed below, so every expected figure in the tests can be checked by hand.

2023, intentional homicide (ICCS 0101), completed, victims killed:

=====  ==========  ======  ==========================================  ==================
inc    date        area    victims                                     weapon / context
=====  ==========  ======  ==========================================  ==================
A      2023-02-10  XC0101  male 20 (+ a male perpetrator)              revolver / crime
B      2023-03-05  XC0101  female 35, male 40                          sharp
C      2023-07-20  XC0101  male, age unknown                           firearm / domestic
D      2023-08-01  XC0101  attempted (ICCS 0102), male injured         —
E      2023-09-09  XC0101  female 70 killed, male 33 injured           blunt
F      2023-11-30  XC0102  female 16                                   assault rifle/crime
L      2023-04-04  XC0102  sex unknown, 30                             —
G      2023-05-05  XC02    male 50 (located at department level only)  —
=====  ==========  ======  ==========================================  ==================

2022: H 2022-06-01 XC0101 male 25; I 2022-12-31 XC0101 male 30; J 2022-01-01 XC0201
female 45. 2024: K 2024-01-01 XC0101 male 22 (just outside 2023).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from support_db import new_store

from salus.domain.incidents.model import (
    AgeRange,
    Area,
    Incident,
    OccurrenceDate,
    Outcome,
    Person,
    PopulationCount,
    Role,
    Sex,
    SourceRecord,
    Weapon,
)
from salus.storage.repository import save_areas, save_incidents, save_population

AREAS = [
    Area("XC", "Costa Ficticia", 0),
    Area("XC01", "Norte", 1, "XC"),
    Area("XC02", "Sur", 1, "XC"),
    Area("XC0101", "Alfa", 2, "XC01"),
    Area("XC0102", "Beta", 2, "XC01"),
    Area("XC0201", "Gamma", 2, "XC02"),
]
SDG_BANDS = [(0, 14), (15, 29), (30, 44), (45, 59), (60, None)]
ALFA_FEMALE = [10_000, 8_000, 6_000, 4_000, 2_000]  # 30 000
ALFA_MALE = [10_000, 9_000, 6_000, 3_000, 2_000]  # 30 000


def population() -> list[PopulationCount]:
    rows: list[PopulationCount] = []
    for year in (2022, 2023):
        for sex, values in (("female", ALFA_FEMALE), ("male", ALFA_MALE)):
            rows += [
                PopulationCount("XC0101", year, n, sex, lo, hi)
                for (lo, hi), n in zip(SDG_BANDS, values, strict=True)
            ]
    rows += [
        PopulationCount("XC0102", 2023, 20_000, "female"),
        PopulationCount("XC0102", 2023, 20_000, "male"),
        PopulationCount("XC0102", 2022, 19_000, "female"),
        PopulationCount("XC0102", 2022, 19_000, "male"),
        PopulationCount("XC0201", 2023, 50_000),
        PopulationCount("XC0201", 2022, 48_000),
        PopulationCount("XC02", 2023, 50_000),
        PopulationCount("XC02", 2022, 48_000),
    ]
    return rows


def victim(sex: Sex, age: int | None, outcome: Outcome = Outcome.KILLED) -> Person:
    return Person(
        Role.VICTIM, sex, AgeRange() if age is None else AgeRange.exact(age), outcome=outcome
    )


def incident(
    key: str,
    day: str,
    area: str,
    persons: Sequence[Person],
    iccs: str = "0101",
    weapon: str | None = None,
    context: str | None = None,
    attempted: bool = False,
) -> Incident:
    return Incident(
        occurred=OccurrenceDate(dt.date.fromisoformat(day)),
        area_code=area,
        iccs_code=iccs,
        source=SourceRecord("police", "Policía Ficticia", key),
        attempted=attempted,
        misuse_context=context,
        weapons=[Weapon(weapon)] if weapon else [],
        persons=list(persons),
    )


M, F, U = Sex.MALE, Sex.FEMALE, Sex.UNKNOWN


def incidents() -> list[Incident]:
    perpetrator = Person(Role.PERPETRATOR, M, AgeRange.exact(30), outcome=Outcome.UNHARMED)
    return [
        incident(
            "A",
            "2023-02-10",
            "XC0101",
            [victim(M, 20), perpetrator],
            weapon="revolver_pistol",
            context="crime",
        ),
        incident("B", "2023-03-05", "XC0101", [victim(F, 35), victim(M, 40)], weapon="sharp"),
        incident(
            "C",
            "2023-07-20",
            "XC0101",
            [victim(M, None)],
            weapon="firearm",
            context="domestic_violence",
        ),
        incident(
            "D",
            "2023-08-01",
            "XC0101",
            [victim(M, 28, Outcome.INJURED)],
            iccs="0102",
            attempted=True,
        ),
        incident(
            "E",
            "2023-09-09",
            "XC0101",
            [victim(F, 70), victim(M, 33, Outcome.INJURED)],
            weapon="blunt",
        ),
        incident(
            "F", "2023-11-30", "XC0102", [victim(F, 16)], weapon="assault_rifle", context="crime"
        ),
        incident("L", "2023-04-04", "XC0102", [victim(U, 30)]),
        incident("G", "2023-05-05", "XC02", [victim(M, 50)]),
        incident("H", "2022-06-01", "XC0101", [victim(M, 25)]),
        incident("I", "2022-12-31", "XC0101", [victim(M, 30)]),
        incident("J", "2022-01-01", "XC0201", [victim(F, 45)]),
        incident("K", "2024-01-01", "XC0101", [victim(M, 22)]),
    ]


def build_observatory(engine: sa.Engine) -> None:
    """Write the fictional observatory into an empty store."""
    with engine.begin() as conn:
        save_areas(conn, AREAS)
        save_population(conn, population())
        save_incidents(conn, incidents())


def observatory_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    """The observatory in a real store, for a module-scoped fixture parametrised by BACKENDS.

    A store of its own (a copy of the migrated template), built once per module and backend
    and shared by the module's read-only tests so that the suite stays fast. Use it as::

        @pytest.fixture(scope="module", params=BACKENDS)
        def observatory(request, tmp_path_factory):
            yield from observatory_store(request, tmp_path_factory)
    """
    engine = new_store(request, request.param)
    build_observatory(engine)
    yield engine
    engine.dispose()


def user_definition(folder: Path, text: str, name: str | None = None) -> Path:
    """Write a user's indicator YAML file into ``folder``."""
    path = folder / f"{name or uuid.uuid4().hex[:8]}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
