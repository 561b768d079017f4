"""SDG 16.4.2 golden case on SQLite and PostgreSQL: ten weapons with known histories and tracing
results, exact proportions for periods and areas, disaggregations, public suppression.

Period 2024, areas R1 = {R1-A, R1-B}, R2 = {R2-A}:

- W1: registered 2020, reported stolen 2023, seized 2024-02-10 R1-A → seized, traced_illicit
  (the registry's records check);
- W2: registered 2021, surrendered 2024-03-01 R1-B → surrendered, traced_legal;
- W3: no serial, found 2024-04-01 R2-A → found, not_traceable (records pending, maker answers);
- W4: seized 2024-05-01 R2-A, never traced → seized, not_requested;
- W5: seized 2024-06-01 R1-A; iARMS no response; investigation → seized, traced_illicit;
- W6: seized 2023-12-20 R1-A, traced_illicit → outside 2024;
- W7: surrendered 2024-07-01 R1-A, stored, destroyed; seizing it again is refused →
  surrendered, not_requested (once);
- W8: seized 2024-08-01 R1-B, draft request → seized, pending;
- W9: seizure recorded 2025-01-03, corrected to 2024-12-30 R1-A → seized, traced_illicit;
- W10: found 2024-02-01 R1-A, the event voided by a correction → not counted.

2024: numerator 3 (W1, W5, W9), denominator 8 → 0.375; R1: 3 / 6; R2: 0 / 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from arms_stock_support import (
    ANALYST,
    OFFICER,
    PUBLIC,
    officer_in,
    reset,
    stock_engine_fixture,  # noqa: F401 - fixture
)
from tracing_support import D, correct, destroy, event, owner, register, weapon

from salus.storage.weapons import schema as arms
from salus.usecases.errors import PermissionDenied, ValidationFailed
from salus.usecases.weapons import sdg_16_4_2 as sdg
from salus.usecases.weapons import tracing as uc

TODAY = dt.date(2025, 6, 1)


def trace(engine: sa.Engine, uid: str, to: str = "national_records", **f: object) -> str:
    return uc.create_request(engine, OFFICER, uc.TraceInput(uid, to, **f), TODAY).reference  # type: ignore[arg-type]


def records(engine: sa.Engine, uid: str) -> str:
    return uc.answer_from_national_records(engine, OFFICER, trace(engine, uid), TODAY).reference


def answered(outcome: str, on: str, **f: object) -> dict[str, object]:
    return {"status": "answered", "response_on": D(on), "outcome": outcome, **f}


def build(engine: sa.Engine) -> dict[str, str]:
    w = {name: weapon(engine, name if name != "W3" else None,
                      area="R2-A" if name in ("W3", "W4") else "R1-A")
         for name in ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10")}
    ana, bo = owner(engine, "Ana", "ID-1"), owner(engine, "Bo", "ID-2")
    register(engine, w["W1"], ana, "ID-1", "2020-01-01")
    event(engine, w["W1"], "reported_stolen", "2023-05-01")
    event(engine, w["W1"], "seized", "2024-02-10")
    records(engine, w["W1"])                                           # → traced_illicit
    register(engine, w["W2"], bo, "ID-2", "2021-01-01")
    event(engine, w["W2"], "surrendered", "2024-03-01", area="R1-B")
    uc.update_request(engine, OFFICER, records(engine, w["W2"]), {
        "status": "answered", "outcome": "traced_legal", "established_by": "records_check"},
        TODAY)
    event(engine, w["W3"], "found", "2024-04-01", area="R2-A")
    records(engine, w["W3"])                                           # → pending
    trace(engine, w["W3"], "manufacturer", status="answered", sent_on=D("2024-04-10"),
          response_on=D("2024-05-10"), outcome="not_traceable")
    event(engine, w["W4"], "seized", "2024-05-01", area="R2-A")
    event(engine, w["W5"], "seized", "2024-06-01")
    records(engine, w["W5"])
    trace(engine, w["W5"], "interpol_iarms", status="no_response", sent_on=D("2024-06-10"),
          outcome="no_response")
    trace(engine, w["W5"], "investigation", **answered(
        "traced_illicit", "2024-09-01", point_of_diversion="illicit_import",
        established_by="investigation"))
    event(engine, w["W6"], "seized", "2023-12-20")
    trace(engine, w["W6"], "investigation", **answered(
        "traced_illicit", "2024-01-15", point_of_diversion="conversion",
        established_by="forensic_serial_restoration"))
    event(engine, w["W7"], "surrendered", "2024-07-01")
    event(engine, w["W7"], "stored", "2024-07-02")
    destroy(engine, w["W7"], "2024-09-01", "CERT-1")
    seizure = event(engine, w["W8"], "seized", "2024-08-01", area="R1-B")
    trace(engine, w["W8"], recovery_event_id=seizure)                  # draft → pending
    late = event(engine, w["W9"], "seized", "2025-01-03")
    correct(engine, w["W9"], late, occurred_on="2024-12-30")
    trace(engine, w["W9"], "investigation", **answered(
        "traced_illicit", "2025-02-01", point_of_diversion="theft_from_state_stockpile",
        established_by="investigation"))
    voided = event(engine, w["W10"], "found", "2024-02-01")
    trace(engine, w["W10"], "investigation", **answered(
        "traced_illicit", "2024-03-01", point_of_diversion="unknown",
        established_by="investigation"))
    correct(engine, w["W10"], voided, void=True)
    return w


@pytest.fixture(scope="module")
def golden(stock_engine: sa.Engine) -> sa.Engine:
    reset(stock_engine)
    build(stock_engine)
    return stock_engine


def cells(report: sdg.Report) -> dict[tuple[str, str], int]:
    return {k: n for k, n in report.result.cells.items() if n}


def test_the_golden_case_gives_the_exact_national_proportions(golden: sa.Engine) -> None:
    report = sdg.report_16_4_2(golden, ANALYST, "2024")
    r = report.result
    assert (r.total.numerator, r.total.denominator) == (3, 8)
    assert r.total.value == pytest.approx(0.375)
    assert {k: (p.numerator, p.denominator) for k, p in r.by_kind.items()} == {
        "seized": (3, 5), "found": (0, 1), "surrendered": (0, 2)}
    assert cells(report) == {
        ("seized", "traced_illicit"): 3, ("seized", "not_requested"): 1,
        ("seized", "pending"): 1, ("found", "not_traceable"): 1,
        ("surrendered", "traced_legal"): 1, ("surrendered", "not_requested"): 1}
    assert r.by_outcome["traced_illicit"] == 3 and r.by_outcome["no_response"] == 0


def test_an_area_counts_its_whole_subtree(golden: sa.Engine) -> None:
    north = sdg.report_16_4_2(golden, ANALYST, "2024", "R1").result
    assert (north.total.numerator, north.total.denominator) == (3, 6)
    south = sdg.report_16_4_2(golden, ANALYST, "2024", "R2").result
    assert (south.total.numerator, south.total.denominator) == (0, 2)
    district = sdg.report_16_4_2(golden, ANALYST, "2024", "R1-B").result
    assert {k: (p.numerator, p.denominator) for k, p in district.by_kind.items()} == {
        "seized": (0, 1), "found": (0, 0), "surrendered": (0, 1)}


def test_a_viewer_bound_to_an_area_reports_on_it_and_not_beyond(golden: sa.Engine) -> None:
    south = officer_in(golden, "R2")
    assert sdg.report_16_4_2(golden, south, "2024").result.total.denominator == 2
    with pytest.raises(PermissionDenied):
        sdg.report_16_4_2(golden, south, "2024", "R1")


def test_periods_select_recoveries_by_their_effective_date(golden: sa.Engine) -> None:
    q1 = sdg.report_16_4_2(golden, ANALYST, "2024-Q1").result
    assert (q1.total.numerator, q1.total.denominator) == (1, 2)      # W1, W2 (W10 voided)
    y2023 = sdg.report_16_4_2(golden, ANALYST, "2023").result
    assert (y2023.total.numerator, y2023.total.denominator) == (1, 1)  # W6
    y2025 = sdg.report_16_4_2(golden, ANALYST, "2025").result
    assert y2025.total.denominator == 0 and y2025.total.value is None   # W9 moved to 2024
    both = sdg.report_16_4_2(golden, ANALYST, "2023..2024").result
    assert (both.total.numerator, both.total.denominator) == (4, 9)


def test_a_destroyed_weapon_cannot_be_seized_again_and_counts_once(golden: sa.Engine) -> None:
    with golden.connect() as conn:
        w7 = conn.scalar(sa.select(arms.weapon.c.uid).where(arms.weapon.c.serial_number == "W7"))
    before = sdg.report_16_4_2(golden, ANALYST, "2024").result
    with pytest.raises(ValidationFailed, match="destroyed cannot be seized"):
        event(golden, str(w7), "seized", "2024-10-01")
    assert sdg.report_16_4_2(golden, ANALYST, "2024").result == before


def test_public_output_suppresses_small_counts_and_their_proportions(golden: sa.Engine) -> None:
    report = sdg.report_16_4_2(golden, PUBLIC, "2024")
    assert report.public
    rows = {(r["recovery"], r["outcome"]): r for r in report.rows()}
    assert (rows["all", "all"]["arms"], rows["all", "all"]["traced"]) == (8, "<5")
    assert rows["all", "all"]["proportion"] is None
    assert rows["seized", "traced_illicit"]["arms"] == "<5"
    assert rows["found", "traced_illicit"]["arms"] == 0
    exact = {(r["recovery"], r["outcome"]): r for r in
             sdg.report_16_4_2(golden, ANALYST, "2024").rows()}
    assert exact["all", "all"]["proportion"] == 0.375


def test_the_csv_rows_have_the_documented_columns(golden: sa.Engine) -> None:
    report = sdg.report_16_4_2(golden, ANALYST, "2024", "R1")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=sdg.COLUMNS)
    writer.writeheader()
    writer.writerows(report.rows())
    lines = out.getvalue().splitlines()
    assert lines[0] == "indicator,period,area,recovery,outcome,arms,traced,proportion"
    assert lines[1] == "16.4.2,2024,R1,all,all,6,3,0.5"
    assert len(lines) == 1 + 1 + 3 + 3 * 6


def test_a_bad_period_or_area_is_named(golden: sa.Engine) -> None:
    with pytest.raises(ValidationFailed, match="period"):
        sdg.report_16_4_2(golden, ANALYST, "last year")
    with pytest.raises(ValidationFailed, match="no area with code 'ZZ'"):
        sdg.report_16_4_2(golden, ANALYST, "2024", "ZZ")


def test_the_work_list_shows_recoveries_nobody_has_traced_yet(golden: sa.Engine) -> None:
    serials = [(u.serial_number, u.recovery) for u in uc.untraced_recoveries(golden, ANALYST)]
    assert serials == [("W7", "surrendered"), ("W4", "seized")]
