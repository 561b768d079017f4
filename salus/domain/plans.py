"""Community safety assessments and plans: code lists, prioritisation, progress and flags.

Pure rules (no I/O of ours), used by :mod:`salus.usecases.plans.assessments` and
:mod:`salus.usecases.plans.editing`:

* **Prioritisation matrix** (UNDP, *Community Security and Social Cohesion*, 2009, §4; the
  problem-ranking step of SEESAC / Saferworld community safety planning): every problem gets a
  score from 1 to 5 on frequency, severity, community concern and feasibility; the priority is
  the weighted mean ``sum(w_i * s_i) / sum(w_i)`` (also on 1–5). Ties are broken, in this order,
  by higher severity, higher community concern, higher frequency, then the problem recorded
  first (lower id), so a ranking is always total and reproducible.
* **Community concern** may be derived from the consultations: ``1 + 4 * k / n`` where ``k``
  is the number of distinct constituencies that raised the problem and ``n`` the number of
  distinct constituencies consulted in the assessment (one constituency of one: 5).
* **Progress of an indicator** against the straight line from (baseline date, baseline) to
  (target date, target): the expected value on a day is the linear interpolation; an indicator
  is *off track* when it has moved away from its target (worse than its baseline) or when its
  share of the distance covered is below the share of time elapsed minus a tolerance.
* **Overdue** actions: past their due date and neither done nor cancelled.

Code lists are data (``plan_codes/*.yaml``, same format as ``taxonomies/``) with labels in the
six UN languages.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from salus.domain.taxonomy import Code, Taxonomy

CRITERIA = ("frequency", "severity", "concern", "feasibility")
DEFAULT_WEIGHTS: Mapping[str, float] = {"frequency": 1.0, "severity": 1.0, "concern": 1.0,
                                        "feasibility": 1.0}
TIE_BREAK = ("severity", "concern", "frequency")
CLOSED_ACTIONS = frozenset({"done", "cancelled"})
DIRECTIONS = ("decrease", "increase")
ASSESSMENT_STATUSES = ("draft", "in_progress", "completed")
PLAN_STATUSES = ("draft", "adopted", "closed")
CODE_LISTS = ("problem_category", "responsible_actor", "constituency", "consultation_kind",
              "age_group", "action_status")
DEFAULT_TOLERANCE = 0.1
"""Share of the baseline-to-target distance an indicator may lag the straight line."""


class PlanRuleError(ValueError):
    """Input that breaks a rule; ``field`` names what is wrong, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------- code lists


@cache
def codes(list_id: str) -> Taxonomy:
    """The code list ``plan_codes/<list_id>.yaml`` (KeyError for an unknown list)."""
    if list_id not in CODE_LISTS:
        raise KeyError(list_id)
    path = resources.files("salus.domain").joinpath("plan_codes", f"{list_id}.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries: dict[str, Code] = {}
    for entry in raw["codes"]:
        parent = None if entry.get("parent") is None else str(entry["parent"])
        entries[str(entry["code"])] = Code(str(entry["code"]), parent, dict(entry["labels"]))
    return Taxonomy(str(raw["id"]), str(raw["version"]), str(raw.get("source", "")), entries)


def check_code(list_id: str, value: str, field: str) -> str:
    """``value`` if it is a code of ``list_id``; else an error listing the known codes."""
    known = codes(list_id)
    if value not in known:
        raise PlanRuleError(field, f"unknown {list_id.replace('_', ' ')} {value!r} "
                                   f"(known: {', '.join(known.codes)})")
    return value


def label(list_id: str, code: str, language: str = "en") -> str:
    """The label of a code in ``language`` (the code itself when unknown)."""
    known = codes(list_id)
    return known.label(code, language) if code in known else code


# ---------------------------------------------------------------- validation


def check_period(start: dt.date | None, end: dt.date | None, field: str = "due_on") -> None:
    """An end (due date) may not come before its start."""
    if start is not None and end is not None and end < start:
        raise PlanRuleError(field, f"{end.isoformat()} is before the start {start.isoformat()}")


def check_score(value: float | None, field: str) -> float | None:
    """A criterion score: None (not scored yet) or a number from 1 to 5."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlanRuleError(field, f"{value!r} is not a number")
    if not 1 <= value <= 5:
        raise PlanRuleError(field, f"{value:g} is outside the scale 1 to 5")
    return float(value)


def check_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """Weights of the four criteria: known names, finite, not negative, summing above zero."""
    out = dict(DEFAULT_WEIGHTS)
    for name, value in weights.items():
        if name not in CRITERIA:
            raise PlanRuleError(f"weights.{name}",
                                f"unknown criterion (known: {', '.join(CRITERIA)})")
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value)):
            raise PlanRuleError(f"weights.{name}", f"{value!r} is not a number")
        if value < 0:
            raise PlanRuleError(f"weights.{name}", f"{value:g} is negative")
        out[name] = float(value)
    if sum(out.values()) <= 0:
        raise PlanRuleError("weights", "the weights sum to zero: nothing can be ranked")
    return out


def check_target(baseline: float, target: float, direction: str) -> None:
    """The target must differ from the baseline, in the stated direction."""
    if direction not in DIRECTIONS:
        raise PlanRuleError("direction", f"{direction!r} is not one of {', '.join(DIRECTIONS)}")
    for name, value in (("baseline", baseline), ("target", target)):
        if not math.isfinite(value):
            raise PlanRuleError(name, f"{value!r} is not a finite number")
    if target == baseline:
        raise PlanRuleError("target", f"equals the baseline {baseline:g}: nothing to achieve")
    wanted = target < baseline if direction == "decrease" else target > baseline
    if not wanted:
        raise PlanRuleError("target", f"{target:g} does not {direction} from the baseline "
                                      f"{baseline:g}")


# ---------------------------------------------------------------- prioritisation


@dataclass(frozen=True, slots=True)
class Scored:
    """One problem's criterion scores (1–5; None where not scored)."""

    problem_id: int
    frequency: float | None
    severity: float | None
    concern: float | None
    feasibility: float | None

    def score(self, name: str) -> float | None:
        value: float | None = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class Ranked:
    """A problem's place in the ranking: ``rank`` 1 is the top priority."""

    problem_id: int
    rank: int
    priority: float
    complete: bool
    """False when a weighted criterion is unscored (ranked after every complete one)."""


def derived_concern(raised_by: int, consulted: int) -> float | None:
    """Community concern from the share of constituencies that raised a problem (1 to 5)."""
    if consulted <= 0 or raised_by <= 0:
        return None
    return round(1 + 4 * min(raised_by, consulted) / consulted, 2)


def priority(item: Scored, weights: Mapping[str, float]) -> tuple[float, bool]:
    """Weighted mean of the scored criteria and whether every weighted criterion was scored."""
    total = weight_sum = 0.0
    complete = True
    for name in CRITERIA:
        w, s = weights[name], item.score(name)
        if w == 0:
            continue
        if s is None:
            complete = False
            continue
        total += w * s
        weight_sum += w
    return (round(total / weight_sum, 4) if weight_sum else 0.0), complete


def prioritise(items: Iterable[Scored], weights: Mapping[str, Any]) -> list[Ranked]:
    """Rank problems by weighted score, ties broken as the module doc says."""
    w = check_weights(weights)
    keyed = []
    for item in items:
        value, complete = priority(item, w)
        tie = tuple(-(item.score(n) or 0.0) for n in TIE_BREAK)
        keyed.append(((not complete, -value, *tie, item.problem_id), item, value, complete))
    keyed.sort(key=lambda k: k[0])
    return [Ranked(item.problem_id, i + 1, value, complete)
            for i, (_key, item, value, complete) in enumerate(keyed)]


# ---------------------------------------------------------------- progress and flags


def expected_value(baseline: float, target: float, start: dt.date, end: dt.date,
                   on: dt.date) -> float:
    """The straight-line value on ``on`` between (start, baseline) and (end, target)."""
    return baseline + (target - baseline) * elapsed_share(start, end, on)


def elapsed_share(start: dt.date, end: dt.date, on: dt.date) -> float:
    """Share of the time from ``start`` to ``end`` elapsed on ``on`` (clipped to 0–1)."""
    if end <= start:
        return 1.0
    return min(1.0, max(0.0, (on - start).days / (end - start).days))


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an indicator stands: ``achieved`` share of the distance, ``expected`` share by now."""

    current: float | None
    achieved: float | None
    expected: float
    expected_value: float
    off_track: bool
    reason: str | None


def progress(baseline: float, target: float, current: float | None, start: dt.date,
             end: dt.date, on: dt.date, tolerance: float = DEFAULT_TOLERANCE) -> Progress:
    """Progress of an indicator along the straight line (see the module doc)."""
    share = elapsed_share(start, end, on)
    line = expected_value(baseline, target, start, end, on)
    if current is None:
        return Progress(None, None, share, line, False, None)
    achieved = (current - baseline) / (target - baseline)
    if achieved < 0:
        return Progress(current, achieved, share, line, True, "moving_away")
    if achieved < share - tolerance:
        return Progress(current, achieved, share, line, True, "behind_schedule")
    return Progress(current, achieved, share, line, False, None)


def overdue(status: str, due_on: dt.date | None, today: dt.date) -> bool:
    """Past its due date and neither done nor cancelled."""
    return due_on is not None and due_on < today and status not in CLOSED_ACTIONS


# ---------------------------------------------------------------- consultations


@dataclass(frozen=True, slots=True)
class Participants:
    """Participants of one consultation, counted by sex x age group x constituency."""

    cells: tuple[tuple[str, str, str, int], ...]

    @property
    def total(self) -> int:
        return sum(c[3] for c in self.cells)

    def by(self, position: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for cell in self.cells:
            key = str(cell[position])
            out[key] = out.get(key, 0) + cell[3]
        return out

    def constituencies(self) -> set[str]:
        return {c[2] for c in self.cells if c[3] > 0}


def participants(rows: Sequence[Mapping[str, Any]]) -> Participants:
    """Validate participant counts (``sex``, ``age_group``, ``constituency``, ``count``)."""
    from salus.domain.taxonomy import load

    sexes = load("sex")
    cells: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(rows):
        where = f"participants[{i}]"
        sex = str(row.get("sex", "unknown"))
        if sex not in sexes:
            raise PlanRuleError(f"{where}.sex",
                                f"unknown sex {sex!r} (known: {', '.join(sexes.codes)})")
        age = check_code("age_group", str(row.get("age_group", "unknown")), f"{where}.age_group")
        group = check_code("constituency", str(row.get("constituency", "")),
                           f"{where}.constituency")
        count = row.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise PlanRuleError(f"{where}.count", f"{count!r} is not a whole number >= 0")
        cells[(sex, age, group)] = cells.get((sex, age, group), 0) + count
    return Participants(tuple((s, a, g, n) for (s, a, g), n in sorted(cells.items())))
