"""The femicide rule of the UNODC–UN Women statistical framework (2022) and the domestic-violence
rule (salus.domain.incidents.classification), on incidents built in memory."""

from __future__ import annotations

import datetime as dt

from salus.domain.incidents.classification import Reason, classify
from salus.domain.incidents.model import (
    Incident,
    OccurrenceDate,
    Outcome,
    Person,
    Role,
    Sensitivity,
    Sex,
    SourceRecord,
)


def _incident(*persons: Person, iccs: str = "0101", **kw: object) -> Incident:
    source = SourceRecord("police", "p", "1")
    return Incident(OccurrenceDate(dt.date(2024, 5, 1)), "A", iccs, source,
                    persons=list(persons), **kw)  # type: ignore[arg-type]


WOMAN = Person(Role.VICTIM, Sex.FEMALE, outcome=Outcome.KILLED)
MAN = Person(Role.VICTIM, Sex.MALE, outcome=Outcome.KILLED)


def perpetrator(relationship: str | None, of: int | None = None) -> Person:
    return Person(Role.PERPETRATOR, Sex.MALE, relationship=relationship, related_victim=of)


def test_a_woman_killed_by_her_former_partner_is_a_femicide_and_domestic_violence() -> None:
    found = classify(_incident(WOMAN, perpetrator("intimate_partner")))
    assert found.femicide and found.domestic_violence
    assert found.reasons == (Reason("domestic_violence", 1, "intimate_partner", 1),
                             Reason("femicide", 1, "intimate_partner", 1))


def test_the_relationship_given_on_the_victims_row_counts_as_the_iccs_records_it() -> None:
    victim = Person(Role.VICTIM, Sex.FEMALE, outcome=Outcome.KILLED, relationship="family_member")
    found = classify(_incident(victim))
    assert found.femicide and found.reasons[-1] == Reason("femicide", 1, "family_member", None)


def test_a_partner_of_the_second_victim_makes_only_that_victim_count() -> None:
    found = classify(_incident(MAN, WOMAN, perpetrator("intimate_partner", of=2)))
    assert [(r.kind, r.victim) for r in found.reasons] == [("domestic_violence", 2),
                                                           ("femicide", 2)]
    found = classify(_incident(WOMAN, MAN, perpetrator("intimate_partner", of=2)))
    assert not found.femicide and found.domestic_violence


def test_a_stranger_is_a_femicide_only_with_a_recorded_gender_based_context() -> None:
    assert not classify(_incident(WOMAN, perpetrator("stranger"))).femicide
    for context in ({"sensitivity": Sensitivity.GBV}, {"misuse_context": "domestic_violence"},
                    {"iccs_context": "interpersonal_partner_family"}):
        found = classify(_incident(WOMAN, perpetrator("stranger"), **context))
        assert found.femicide and found.reasons == (Reason("femicide", 1, "context"),), context
        assert not found.domestic_violence


def test_an_attempt_an_injury_or_another_offence_is_not_a_killing_but_stays_domestic() -> None:
    injured = Person(Role.VICTIM, Sex.FEMALE, outcome=Outcome.INJURED)
    for incident in (_incident(WOMAN, perpetrator("intimate_partner"), attempted=True),
                     _incident(injured, perpetrator("intimate_partner")),
                     _incident(WOMAN, perpetrator("intimate_partner"), iccs="02011")):
        found = classify(incident)
        assert not found.femicide and found.domestic_violence


def test_a_man_killed_by_his_partner_is_domestic_violence_not_femicide() -> None:
    found = classify(_incident(MAN, perpetrator("intimate_partner")))
    assert not found.femicide and found.domestic_violence
