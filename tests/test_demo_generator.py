"""The demo generator, in memory: determinism, map, population and the planted patterns.

One demo of 5,000 true events is drawn once for the module; every figure it is checked
against is a property the generator was told to plant (see docs/demo.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from salus.demo import DemoConfig, DemoData, generate
from salus.demo.build import content_digest
from salus.demo.incidents import in_gap
from salus.demo.truth import TrueVictim
from salus.domain import taxonomy
from salus.domain.geometry import AreaLocator
from salus.domain.incidents.model import Incident, Person, Role
from salus.domain.incidents.validation import Severity, validate_incident
from salus.ingestion import hashing

SIZE = 5_000


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(DemoConfig(incidents=SIZE))


def _by_source(demo: DemoData, source_type: str) -> list[Incident]:
    return [i for i in demo.incidents if i.source.source_type == source_type]


def _fingerprint(data: DemoData) -> list[tuple[str | None, str]]:
    return [(i.uid, hashing.content_hash(i)) for i in data.incidents]


def test_the_same_seed_gives_the_same_content_and_another_seed_does_not() -> None:
    first, again = generate(DemoConfig(incidents=800)), generate(DemoConfig(incidents=800))
    other = generate(DemoConfig(seed=7, incidents=800))
    assert content_digest(first) == content_digest(again)
    assert _fingerprint(first) == _fingerprint(again)
    assert content_digest(first) != content_digest(other)
    assert _fingerprint(first) != _fingerprint(other)


def test_the_map_does_not_move_when_the_number_of_incidents_changes(demo: DemoData) -> None:
    small = generate(DemoConfig(incidents=300))
    assert [a.geometry for a in small.areas] == [a.geometry for a in demo.areas]


def test_the_country_has_three_admin_levels_below_it(demo: DemoData) -> None:
    levels = Counter(a.level for a in demo.areas)
    assert levels == {0: 1, 1: 6, 2: 40, 3: 250}
    codes = {a.code for a in demo.areas}
    assert all(a.parent_code in codes for a in demo.areas if a.level > 0)
    assert all(
        a.code.startswith(a.parent_code or "") and len(a.code) == 2 + 2 * a.level
        for a in demo.areas
    )
    assert all(a.geometry is not None for a in demo.areas)


def test_the_areas_of_each_level_tile_their_parent_without_overlapping(demo: DemoData) -> None:
    shapes = {a.code: shape(a.geometry) for a in demo.areas if a.geometry}
    for parent in demo.areas:
        children = [shapes[a.code] for a in demo.areas if a.parent_code == parent.code]
        if not children:
            continue
        union = shapely.union_all(children)
        assert union.area == pytest.approx(shapes[parent.code].area, rel=1e-9)
        assert sum(c.area for c in children) == pytest.approx(union.area, rel=1e-9)
        assert shapes[parent.code].symmetric_difference(union).area < 1e-9 * union.area


def test_names_come_in_the_six_un_languages(demo: DemoData) -> None:
    for area in demo.areas:
        assert set(area.names) == set(taxonomy.LANGUAGES)
        assert area.names["en"] == area.name
    assert len({a.name for a in demo.areas if a.level == 3}) == 250


def test_population_margins_add_up_and_the_country_grows(demo: DemoData) -> None:
    cells: dict[tuple[str, int, str, int | None, int | None], int] = {
        (p.area_code, p.year, p.sex, p.age_min, p.age_max): p.population
        for p in demo.population_rows
    }
    bands = [taxonomy.age_band_range(c.code) for c in taxonomy.age_bands("sdg")]
    for area in demo.areas:
        for year in range(2020, 2025):
            total = cells[(area.code, year, "total", None, None)]
            by_sex = sum(cells[(area.code, year, s, None, None)] for s in ("female", "male"))
            by_band = sum(cells[(area.code, year, "total", lo, hi)] for lo, hi in bands)
            assert total == by_sex == by_band
    country = [cells[("VD", y, "total", None, None)] for y in range(2020, 2025)]
    assert country == sorted(country) and 11_000_000 < country[0] < 12_000_000


def test_every_point_lies_in_its_municipality_unless_flagged_as_a_wrong_area(
    demo: DemoData,
) -> None:
    locator = AreaLocator({a.code: a.geometry for a in demo.areas if a.geometry})
    flagged = {
        (r.source_type, r.source_name, r.record_id) for r in demo.manifest.records if r.wrong_area
    }
    assert flagged, "the sources must make some wrong-municipality errors"
    for incident in demo.incidents:
        if incident.point is None or incident.natural_key() in flagged:
            continue
        assert locator.contains(
            incident.point.longitude, incident.point.latitude, incident.area_code
        ), incident.natural_key()
    recorded = {r.recorded_area for r in demo.manifest.records if r.wrong_area}
    assert all(len(code) == 8 for code in recorded)


def test_every_generated_incident_passes_validation(demo: DemoData) -> None:
    geometries = {a.code: a.geometry for a in demo.areas if a.geometry}
    locator = AreaLocator(geometries)
    flagged = {
        (r.source_type, r.source_name, r.record_id) for r in demo.manifest.records if r.wrong_area
    }
    for incident in demo.incidents:
        findings = validate_incident(
            incident,
            today=dt.date(2026, 1, 1),
            known_areas=set(geometries),
            point_in_area=locator.contains,
        )
        assert [f for f in findings if f.severity is Severity.ERROR] == [], incident.source
        for warning in findings:
            assert warning.code == "point.outside_area"
            assert incident.natural_key() in flagged


def _victims(incidents: list[Incident], iccs: str) -> list[Person]:
    return [
        p
        for i in incidents
        if i.iccs_code == iccs and not i.attempted
        for p in i.persons
        if p.role is Role.VICTIM and p.outcome == "killed"
    ]


def test_homicide_victims_are_mostly_young_men(demo: DemoData) -> None:
    victims = _victims(_by_source(demo, "police"), "0101")
    known = [v for v in victims if v.sex.value in ("female", "male")]
    male = sum(v.sex.value == "male" for v in known) / len(known)
    assert 0.82 < male < 0.93
    bands = Counter(v.age_band for v in victims if v.age_band)
    assert bands.most_common(1)[0][0] == "sdg:15-29"


def test_intimate_partner_homicide_victims_are_mostly_women(demo: DemoData) -> None:
    partner = [
        p
        for i in _by_source(demo, "police")
        if i.iccs_code == "0101" and i.iccs_context == "intimate_partner"
        for p in i.victims()
    ]
    assert len(partner) > 30
    assert sum(p.sex.value == "female" for p in partner) / len(partner) > 0.7


def test_firearms_kill_about_two_in_three_homicide_victims(demo: DemoData) -> None:
    firearms = taxonomy.load("weapon").descendants("firearm")
    killings = [e for e in demo.truth if e.offence.iccs == "0101"]
    share = sum(e.weapon in firearms for e in killings) / len(killings)
    assert 0.58 < share < 0.72
    contexts = Counter(e.misuse for e in demo.truth if e.weapon in firearms)
    for context in (
        "crime",
        "domestic_violence",
        "accident",
        "celebratory_shooting",
        "security_force_action",
        "unknown",
    ):
        assert contexts[context] > 0, context
    assert all(e.misuse is None for e in demo.truth if e.weapon not in firearms)


def test_violence_is_seasonal_with_more_events_in_the_dry_mid_year(demo: DemoData) -> None:
    months = Counter(e.date.month for e in demo.truth)
    summer = months[7] + months[8] + months[9]
    early = months[1] + months[2] + months[3]
    assert summer / early > 1.1


def test_the_emerging_hotspots_rise_in_the_last_six_months(demo: DemoData) -> None:
    last = demo.config.last_day
    recent_start = last - dt.timedelta(days=182)
    for hotspot in demo.plan.hotspots:
        dates = [e.date for e in demo.truth if e.town == hotspot.code]
        before = sum(d < hotspot.ramp_start for d in dates)
        recent = sum(d >= recent_start for d in dates)
        rate_before = before / (hotspot.ramp_start - demo.config.first_day).days
        rate_recent = recent / 183
        assert rate_recent > 2 * rate_before, hotspot


def test_the_gap_district_sends_no_police_records_during_the_gap(demo: DemoData) -> None:
    gap = demo.plan.gap
    events = [e for e in demo.truth if in_gap(demo.plan, e)]
    assert events, "events still happen during the gap"
    keys = {
        r.record_id
        for r in demo.manifest.records
        if r.source_type == "police" and r.event_id in {e.event_id for e in events}
    }
    assert keys == set()
    before = gap.start - dt.timedelta(days=120)
    earlier = [
        i
        for i in _by_source(demo, "police")
        if i.area_code.startswith(gap.code) and before <= i.occurred.start < gap.start
    ]
    assert earlier, "the district reports normally before the gap"


def test_sources_capture_deaths_at_the_configured_rates(demo: DemoData) -> None:
    rates = demo.config.rates
    deaths = {v.person_id: e for e in demo.truth for v in e.deaths if not in_gap(demo.plan, e)}
    seen: dict[str, set[str]] = {"police": set(), "forensic": set(), "media": set()}
    by_event: dict[str, set[str]] = {}
    for record in demo.manifest.records:
        by_event.setdefault(record.event_id, set()).add(record.source_type)
    for person_id, event in deaths.items():
        for source in by_event.get(event.event_id, set()):
            if source != "forensic":
                seen[source].add(person_id)
    seen["forensic"] = {p.person_id for p in demo.manifest.persons if p.source_type == "forensic"}
    for source, expected in (
        ("police", rates.police),
        ("forensic", rates.forensic),
        ("media", rates.media),
    ):
        share = len(seen[source] & set(deaths)) / len(deaths)
        assert share == pytest.approx(expected, abs=0.04), source


def test_the_manifest_names_the_true_person_behind_every_listed_victim(demo: DemoData) -> None:
    truth = {v.person_id: (e, v) for e in demo.truth for v in e.victims}
    records = {(r.source_type, r.source_name, r.record_id): r for r in demo.manifest.records}
    incidents = {i.natural_key(): i for i in demo.incidents}
    assert set(records) == set(incidents)
    for row in demo.manifest.persons:
        key = (row.source_type, row.source_name, row.record_id)
        event, victim = truth[row.person_id]
        assert records[key].event_id == event.event_id
        person = incidents[key].persons[row.person_index - 1]
        assert person.role is Role.VICTIM
        _check_person(person, victim, row.errors.split(";") if row.errors else [])


def _check_person(person: Person, victim: TrueVictim, errors: list[str]) -> None:
    if "sex_missing" not in errors:
        assert person.sex.value == victim.sex
    if person.age.low is not None and "age_estimated" not in errors:
        assert abs(person.age.low - victim.age) <= (2 if "age_shift" in errors else 0)
    if "age_estimated" in errors:
        low, high = person.age.low, person.age.high
        assert low is not None and high is not None and low <= victim.age <= high
    if not errors and victim.name is not None and victim.name.script == "latin":
        assert (person.given_name, person.family_name) == (
            victim.name.given[1],
            victim.name.family[1],
        )


def test_sources_disagree_in_the_ways_real_ones_do(demo: DemoData) -> None:
    errors = Counter(e for p in demo.manifest.persons for e in p.errors.split(";") if e)
    for kind in (
        "name_typo",
        "name_swapped",
        "surname_dropped",
        "transliteration",
        "age_missing",
        "age_shift",
        "age_estimated",
        "sex_missing",
        "unnamed",
    ):
        assert errors[kind] > 0, kind
    shifts = Counter(r.date_shift_days for r in demo.manifest.records)
    assert set(shifts) <= {-1, 0, 1, 2, 3} and shifts[0] > 0.9 * sum(shifts.values())
    scripts = Counter(v.name.script for e in demo.truth for v in e.victims if v.name)
    assert scripts["cyrillic"] > 0 and scripts["arabic"] > 0


def test_generated_texts_name_no_one(demo: DemoData) -> None:
    names = {v.name.given[1] for e in demo.truth for v in e.victims if v.name}
    names |= {v.name.family[1].split(" ")[0] for e in demo.truth for v in e.victims if v.name}
    words = {w.strip(".,") for i in demo.incidents if i.narrative for w in i.narrative.split()}
    place_words = {w for a in demo.areas for w in a.name.split()}
    assert (names & words) - place_words == set()


def test_the_police_series_counts_each_event_at_most_once(demo: DemoData) -> None:
    events = Counter(r.event_id for r in demo.manifest.records if r.source_type == "police")
    assert max(events.values()) == 1
    assert len(events) == len(_by_source(demo, "police"))
    assert np.mean([len(e.victims) for e in demo.truth if e.offence.iccs == "0101"]) > 1.0
