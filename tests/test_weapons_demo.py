"""The demo weapons registry: deterministic, consistent with the registry's rules, and stored
(through the bulk writer and the use cases) so that the pages and SDG 16.4.2 have data."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from salus.demo import StoreNotEmptyError, build_demo
from salus.demo.weapons.builder import ArmsConfig
from salus.demo.weapons.generate import generate_arms
from salus.demo.weapons.model import AreaRef, ArmsData, IncidentRef
from salus.demo.weapons.store import clear_arms, seed_arms
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.weapons import tracing as tr
from salus.domain.weapons.lifecycle import replay
from salus.domain.weapons.registry import EventType, LifecycleEvent, WeaponRecord
from salus.usecases.weapons import records as weapon_cases
from salus.usecases.weapons import sdg_16_4_2
from salus.usecases.weapons.collection_report import collection_report

SMALL = ArmsConfig(seed=7, years=(2021, 2023), scale=0.1)


def _geography() -> list[AreaRef]:
    areas = [AreaRef("VD", "Verdania", 0)]
    for r in range(1, 7):
        areas.append(AreaRef(f"VD{r:02d}", f"Region {r}", 1))
        for d in range(1, 3):
            areas.append(AreaRef(f"VD{r:02d}{d:02d}", f"District {r}-{d}", 2))
            areas += [AreaRef(f"VD{r:02d}{d:02d}{m:02d}", f"Town {r}-{d}-{m}", 3)
                      for m in range(1, 4)]
    return areas


def _incidents() -> list[IncidentRef]:
    towns = [a.code for a in _geography() if a.level == 3]
    out = []
    for n in range(600):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=(n * 7) % 1090)
        iccs = "090111" if n % 3 else "0101"
        out.append(IncidentRef(f"inc-{n:04d}", day, towns[n % len(towns)], iccs,
                               "illegal" if n % 5 else "legal", 1 + n % 3))
    return out


@pytest.fixture(scope="module")
def data() -> ArmsData:
    return generate_arms(SMALL, _geography(), _incidents())


def test_the_same_seed_draws_the_same_registry_and_another_seed_another(data: ArmsData) -> None:
    again = generate_arms(SMALL, _geography(), _incidents())
    assert again == data
    other = generate_arms(ArmsConfig(seed=8, years=(2021, 2023), scale=0.1), _geography(),
                          _incidents())
    assert other.weapons != data.weapons


def test_every_history_follows_the_lifecycle_rules_and_nothing_follows_a_destruction(
        data: ArmsData) -> None:
    by_weapon: dict[str, list] = {}
    for e in data.events:
        by_weapon.setdefault(e.weapon, []).append(e)
    years = {w.key: w.year for w in data.weapons}
    destroyed = 0
    for key, events in by_weapon.items():
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        replay([LifecycleEvent(EventType(e.kind), e.on) for e in events], years[key])
        if any(e.kind == "destroyed" for e in events):
            destroyed += 1
            assert events[-1].kind == "destroyed", key
    assert destroyed > 0 and len(by_weapon) == len(data.weapons)


def test_transfers_come_from_the_holder_and_registrations_use_a_valid_licence(
        data: ArmsData) -> None:
    licences = {lic.key: lic for lic in data.licences}
    holder: dict[str, str | None] = {}
    for e in sorted(data.events, key=lambda e: (e.weapon, e.seq)):
        if e.kind == "registered":
            lic = licences[str(e.licence)]
            assert lic.owner == e.owner and lic.valid_on(e.on), e
            holder[e.weapon] = e.owner
        elif e.kind == "transferred":
            lic = licences[str(e.licence)]
            assert holder.get(e.weapon) == e.owner != e.to_owner, e
            assert lic.owner == e.to_owner and lic.valid_on(e.on), e
            holder[e.weapon] = e.to_owner
    assert any(e.kind == "transferred" for e in data.events)


def test_seizures_refer_to_the_demo_incidents_and_traces_follow_the_tracing_rules(
        data: ArmsData) -> None:
    uids = {i.uid for i in _incidents()}
    seized = [e for e in data.events if e.kind == "seized" and e.incident]
    assert seized and all(e.incident in uids for e in seized)
    first = {}
    for e in data.events:
        if e.kind in ("seized", "found", "surrendered"):
            first.setdefault(e.weapon, e)
    for req in data.traces:
        state = tr.TraceState(req.recipient, req.status, req.sent_on, req.answered_on,
                              req.outcome, req.diversion_point, req.established_by)
        assert tr.trace_problems(state, first[req.weapon].on, dt.date(2030, 1, 1)) == []
    assert any(req.outcome == "traced_illicit" for req in data.traces)
    assert any(lot.expires_in < 2023 for lot in data.lots), "no lot past its shelf life"


def test_the_stored_demo_registry_matches_the_generator_and_gives_16_4_2_a_value(
        engine: sa.Engine) -> None:
    build_demo(engine, seed=11, incidents=400, years=(2023, 2024))
    summary = seed_arms(engine, 11, (2023, 2024))
    with engine.connect() as conn:
        weapons = conn.scalar(sa.text("select count(*) from weapon"))
        events = conn.scalar(sa.text("select count(*) from weapon_event"))
        destroyed_again = conn.scalar(sa.text(
            "select count(*) from weapon_event e join weapon_event d on d.weapon_id = e.weapon_id"
            " where d.event_type = 'destroyed' and e.id > d.id"))
        open_holdings = conn.scalar(sa.text(
            "select count(*) from weapon_holding h join weapon w on w.id = h.weapon_id"
            " where h.to_date is null and w.status <> 'registered'"
            " and w.status not in ('lost', 'stolen', 'deactivated')"))
    assert (weapons, events) == (summary.weapons, summary.events) and weapons > 50
    assert destroyed_again == 0 and open_holdings == 0
    report = sdg_16_4_2.report_16_4_2(engine, SYSTEM_VIEWER, "2023..2024")
    assert report.result.total.denominator > 0 and report.result.total.numerator > 0
    collected = collection_report(engine, SYSTEM_VIEWER, "2023..2024", by=("agency",))
    totals, items = collected.totals(), collected.item_totals()
    assert totals is not None and items is not None
    assert totals["destroyed"] > 0 and totals["collected"] > totals["destroyed"]
    assert items["part"] > 0 and items["ammunition"] > 0
    assert {r["agency"] for r in collected.rows()} == {"National Police"}
    real = weapon_cases.record_weapon(engine, SYSTEM_VIEWER, WeaponRecord(
        "rifle_carbine", "Remington", "700", ".308 Winchester", "R1234567"))
    with pytest.raises(StoreNotEmptyError), engine.begin() as conn:
        clear_arms(conn)
    with engine.begin() as conn:
        conn.execute(sa.text("delete from audit_event where entity_id = :u"), {"u": real})
        conn.execute(sa.text("delete from weapon where uid = :u"), {"u": real})
        assert conn.scalar(sa.text("select count(*) from weapon")) == summary.weapons
        clear_arms(conn)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from weapon")) == 0
