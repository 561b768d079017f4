"""Small-cell suppression for public output (statistical disclosure control).

Counts from 1 to ``threshold - 1`` are shown as ``"<threshold"`` (default ``"<5"``), and the
rates, confidence limits and changes computed from them are withheld: with a known denominator
a rate gives the count back. Zero is shown: it discloses no one and "no events" is data.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, §5 (threshold rule for
frequency tables). The DESIGN default (1–4 shown as "<5") follows common health-statistics
practice (e.g. CDC WONDER suppresses 1–9, many ministries of health 1–4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DEFAULT_THRESHOLD = 5

BoolArray = npt.NDArray[np.bool_]


def check_threshold(threshold: int) -> int:
    """Validate a suppression threshold (an integer of at least 1; 1 suppresses nothing)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"suppression threshold must be an integer >= 1, got {threshold!r}")
    return threshold


def small_cells(counts: npt.ArrayLike, threshold: int = DEFAULT_THRESHOLD) -> BoolArray:
    """True where a count must be hidden: ``1 <= count < threshold`` (zero stays visible).

    Parameters
    ----------
    counts : array_like of int
        Aggregated counts; NaN is never suppressed (nothing to hide).
    threshold : int, default 5
        Smallest count that may be published.

    Returns
    -------
    ndarray of bool
    """
    check_threshold(threshold)
    x = np.asarray(counts, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray((x >= 1) & (x < threshold), dtype=np.bool_)


def suppressed_label(threshold: int = DEFAULT_THRESHOLD) -> str:
    """What a suppressed count reads as in public output, e.g. ``"<5"``."""
    return f"<{check_threshold(threshold)}"


# ---------------------------------------------------------------------------------------------
# Complementary (secondary) suppression over linked tables
# ---------------------------------------------------------------------------------------------

COMPLEMENTARY_LABEL = "c"
"""What a withheld cell that does not read ``<k`` reads as ("c", confidential: the flag of
Eurostat and the ONS): a complement (its count is not small), or a small count whose ``<k``
would itself give it away (four ``<5`` months under a ``<5`` total are each exactly 1). A reader
learns nothing of a ``c`` cell's size."""

MIN_WIDTH = 1.0
"""The protection rule: a withheld cell's feasible interval must be at least this wide, so
that it holds more than one whole count."""


@dataclass(frozen=True, slots=True)
class Relation:
    """One additive relation of a published table: ``cells[total] = sum(cells[parts]) + r``.

    ``total`` and ``parts`` are cell indices. With ``complete`` (the parts cover every event:
    the areas of a parent, the sexes and age bands with their "unknown", the months of a year)
    the remainder ``r`` is taken as known to a reader (zero, or events located above the child
    level: the cautious assumption, so that the audit finds every subtraction a reader could
    make). Without it (a breakdown by weapon or context, where events may have none) a positive
    ``r`` is an unpublished count that a reader knows only to be at least 0; a zero ``r`` is
    taken as known (the parts add up).
    """

    total: int
    parts: tuple[int, ...]
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Suppression:
    """Which cells public output hides: ``primary`` (small counts) and ``secondary``
    (complements that stop a small count being derived from the published cells).
    ``small_label`` (part of ``primary``) read ``<k``; every other hidden cell reads ``c``."""

    primary: BoolArray
    secondary: BoolArray
    small_label: BoolArray

    @property
    def hidden(self) -> BoolArray:
        return np.asarray(self.primary | self.secondary, dtype=np.bool_)


@dataclass(frozen=True, slots=True)
class Recoverable:
    """A hidden cell that a reader can narrow to ``[low, high]`` from the published cells."""

    cell: int
    low: float
    high: float


def attacker_bounds(
    counts: npt.ArrayLike, small: BoolArray, hidden: BoolArray,
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """What a reader knows of each cell before any subtraction.

    Published cells are exact. A cell shown as ``<k`` (``small``) lies in ``[1, k-1]``; a
    cell shown as ``c`` (any other ``hidden`` cell) in ``[0, inf)``.
    """
    x = np.asarray(counts, dtype=np.float64)
    low, high = x.copy(), x.copy()
    c = hidden & ~small
    low[small], high[small] = 1.0, float(threshold - 1)
    low[c], high[c] = 0.0, np.inf
    return low, high


def _open_remainder(rel: Relation, x: npt.NDArray[np.float64]) -> bool:
    """True when ``rel`` leaves out events a reader cannot count: an incomplete relation whose
    remainder is positive. With a remainder of zero the parts add up to the total, and a reader
    who sees them do so may take them as complete: the cautious reading."""
    return not rel.complete and x[rel.total] - sum(x[p] for p in rel.parts) > 0


def _members(n: int, relations: Sequence[Relation]) -> list[list[int]]:
    """For each cell, the relations it belongs to."""
    out: list[list[int]] = [[] for _ in range(n)]
    for k, rel in enumerate(relations):
        out[rel.total].append(k)
        for p in rel.parts:
            out[p].append(k)
    return out


def _check_relations(n: int, relations: Sequence[Relation]) -> None:
    for k, rel in enumerate(relations):
        for i in (rel.total, *rel.parts):
            if not 0 <= i < n:
                raise ValueError(f"relation {k} names cell {i}, outside the {n} cells")
        if rel.total in rel.parts:
            raise ValueError(f"relation {k}: cell {rel.total} is both the total and a part")


def _complement(rel: Relation, x: npt.NDArray[np.float64], hidden: BoolArray,
                exposed: int, threshold: int, total_too: bool = True) -> int | None:
    """The cell to hide beside ``exposed`` in ``rel``.

    The smallest non-zero published part (the least information lost), one above the threshold
    first (it leaves the pair more room); else the total, if ``total_too``; else, as a last
    resort, a published zero part. A zero is the worst complement: a true zero is the most
    useful figure to publish, and where ``c`` would mean "at least the threshold" it would not
    protect at all; here ``c`` tells a reader nothing, so it does protect.
    """
    parts = [p for p in rel.parts if p != exposed and not hidden[p] and x[p] > 0]
    if parts:
        return min(parts, key=lambda p: (x[p] <= threshold, x[p], p))
    if total_too and rel.total != exposed and not hidden[rel.total]:
        return rel.total
    zeros = [p for p in rel.parts if p != exposed and not hidden[p]]
    return min(zeros) if zeros else None


def _single_hidden_pass(x: npt.NDArray[np.float64], hidden: BoolArray,
                        relations: Sequence[Relation], members: list[list[int]],
                        threshold: int) -> None:
    """Hide a complement in every relation with exactly one hidden cell, until none is left.

    A complement hidden in one relation may leave a single hidden cell in another (area tree
    x sex), so the relations it belongs to are checked again (a work list)."""
    todo = list(range(len(relations)))
    queued = set(todo)
    while todo:
        k = todo.pop()
        queued.discard(k)
        rel = relations[k]
        if _open_remainder(rel, x):
            continue  # the unpublished remainder already stands beside the hidden cell
        cells = (rel.total, *rel.parts)
        shown_hidden = [c for c in cells if hidden[c]]
        if len(shown_hidden) != 1:
            continue
        extra = _complement(rel, x, hidden, shown_hidden[0], threshold)
        if extra is None:
            continue
        hidden[extra] = True
        for j in members[extra]:
            if j not in queued:
                queued.add(j)
                todo.append(j)


@dataclass(frozen=True, slots=True)
class _System:
    """The published tables as linear equations ``sum_j a_j v_j = b`` over the cells and one
    unpublished remainder per incomplete relation (variables past the cells)."""

    row: npt.NDArray[np.int64]
    col: npt.NDArray[np.int64]
    a: npt.NDArray[np.float64]
    b: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    unknown: BoolArray


def _system(x: npt.NDArray[np.float64], small: BoolArray, hidden: BoolArray,
            relations: Sequence[Relation], threshold: int) -> _System:
    low, high = attacker_bounds(x, small, hidden, threshold)
    rows: list[int] = []
    cols: list[int] = []
    signs: list[float] = []
    values = list(x)
    n = len(x)
    k = 0
    for rel in relations:
        cells = (rel.total, *rel.parts)
        if not any(hidden[c] for c in cells):
            continue
        rows += [k] * len(cells)
        cols += cells
        signs += [1.0] + [-1.0] * len(rel.parts)
        r = x[rel.total] - sum(x[p] for p in rel.parts)
        if _open_remainder(rel, x):
            rows.append(k)
            cols.append(len(values))
            signs.append(-1.0)
            values.append(r)
        k += 1
    extra = len(values) - n
    row = np.asarray(rows, dtype=np.int64)
    col = np.asarray(cols, dtype=np.int64)
    a = np.asarray(signs, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    unknown = np.concatenate([hidden, np.ones(extra, dtype=np.bool_)])
    # at the true values every equation holds: b is the sum of its terms
    b = np.asarray(np.bincount(row, weights=a * v[col], minlength=k), dtype=np.float64)
    return _System(row, col, a, b,
                   np.concatenate([low, np.zeros(extra)]),
                   np.concatenate([high, np.full(extra, np.inf)]), unknown)


def propagate_bounds(
    counts: npt.ArrayLike, small: BoolArray, hidden: BoolArray,
    relations: Sequence[Relation], threshold: int = DEFAULT_THRESHOLD, max_rounds: int = 100,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Bounds a reader gets by repeated subtraction (interval constraint propagation).

    Each relation gives every hidden cell the interval ``total - other parts`` (or ``sum of
    parts`` for a hidden total) over the other cells' current bounds; rounds repeat until no
    bound moves. The result contains the exact (LP) interval of :func:`recoverable_cells`, so a
    cell this narrows below :data:`MIN_WIDTH` is certainly exposed; it is fast enough (sparse,
    vectorised) to run on every published cube.
    """
    x = np.asarray(counts, dtype=np.float64)
    sys_ = _system(x, small, hidden, relations, threshold)
    n = len(x)
    low, high = sys_.low, sys_.high
    if not len(sys_.row):
        return low[:n], high[:n]
    row, col, a, b = sys_.row, sys_.col, sys_.a, sys_.b
    m = len(b)
    keep = sys_.unknown[col]
    for _ in range(max_rounds):
        lo_c = np.where(a > 0, low[col], -high[col])  # least a_j v_j
        hi_c = np.where(a > 0, high[col], -low[col])  # largest a_j v_j
        inf_lo, inf_hi = np.isinf(lo_c), np.isinf(hi_c)
        fin_lo, fin_hi = np.where(inf_lo, 0.0, lo_c), np.where(inf_hi, 0.0, hi_c)
        sum_lo = np.bincount(row, weights=fin_lo, minlength=m)
        sum_hi = np.bincount(row, weights=fin_hi, minlength=m)
        n_lo = np.bincount(row, weights=inf_lo.astype(float), minlength=m)
        n_hi = np.bincount(row, weights=inf_hi.astype(float), minlength=m)
        # the least and largest sum of the other terms of the relation, for each entry
        others_lo = np.where(n_lo[row] - inf_lo > 0, -np.inf, sum_lo[row] - fin_lo)
        others_hi = np.where(n_hi[row] - inf_hi > 0, np.inf, sum_hi[row] - fin_hi)
        c_lo, c_hi = b[row] - others_hi, b[row] - others_lo  # bounds of a_j v_j
        new_lo = np.where(a > 0, c_lo, -c_hi)
        new_hi = np.where(a > 0, c_hi, -c_lo)
        lo2, hi2 = low.copy(), high.copy()
        np.maximum.at(lo2, col[keep], new_lo[keep])
        np.minimum.at(hi2, col[keep], new_hi[keep])
        if np.all(lo2 <= low + 1e-9) and np.all(hi2 >= high - 1e-9):
            break
        low, high = lo2, hi2
    return low[:n], high[:n]


def complementary_suppression(
    counts: npt.ArrayLike,
    relations: Sequence[Relation],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    audit: str = "propagate",
    min_width: float = MIN_WIDTH,
) -> Suppression:
    """Primary and secondary suppression of a set of linked tables.

    The rule (Hundepool et al. 2012, §4.4 and §5.5 on secondary suppression of linked and
    hierarchical tables; the single-suppression check of tau-ARGUS' HiTaS and hypercube
    heuristics; Eurostat and ONS practice of never leaving one confidential cell alone in a
    row or column):

    1. hide every count from 1 to ``threshold - 1`` (primary, :func:`small_cells`);
    2. in every additive relation (a margin and its components) with exactly one hidden cell,
       hide a second one: the smallest non-zero published component, or the margin when there
       is no other non-zero component (published totals stay published where possible); a zero
       is never a complement;
    3. repeat over all relations until stable (a complement hidden in one relation may leave a
       single hidden cell in another);
    4. audit: every hidden cell must keep an interval of at least ``min_width`` given the
       published cells (``audit="propagate"``: repeated subtraction, :func:`propagate_bounds`;
       ``"lp"``: linear programming, :func:`recoverable_cells`; ``"none"``). An exposed cell gets
       one more complement in a relation it belongs to, and the steps repeat.

    Parameters
    ----------
    counts : array_like of int
        Every cell of the linked tables, margins included, in one flat array.
    relations : sequence of Relation
        The additive relations between those cells.
    threshold : int, default 5
        Smallest count that may be published.

    Returns
    -------
    Suppression
        ``primary`` and ``secondary`` masks (disjoint).
    """
    check_threshold(threshold)
    if audit not in ("propagate", "lp", "none"):
        raise ValueError(f"audit must be 'propagate', 'lp' or 'none', got {audit!r}")
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"counts must be one flat array of cells, got shape {x.shape}")
    if np.any(x[~np.isnan(x)] < 0):
        raise ValueError("counts must not be negative")
    _check_relations(len(x), relations)
    primary = small_cells(x, threshold)
    hidden = primary.copy()
    small = primary.copy()
    members = _members(len(x), relations)
    while True:
        _single_hidden_pass(x, hidden, relations, members, threshold)
        if audit == "none":
            break
        changed = False
        for cell in _exposed(x, small, hidden, relations, threshold, audit, min_width):
            if small[cell]:
                small[cell] = False  # "<k" gave it away: it reads "c" now
                changed = True
            else:
                changed |= _protect(cell, x, hidden, relations, members, threshold)
        if not changed:
            break
    return Suppression(primary, np.asarray(hidden & ~primary, dtype=np.bool_), small)


def _exposed(x: npt.NDArray[np.float64], small: BoolArray, hidden: BoolArray,
             relations: Sequence[Relation], threshold: int, audit: str,
             min_width: float) -> list[int]:
    if audit == "lp":
        return [r.cell for r in recoverable_cells(x, hidden, relations, threshold,
                                                  small=small, min_width=min_width)]
    low, high = propagate_bounds(x, small, hidden, relations, threshold)
    return [int(i) for i in np.flatnonzero(hidden & (high - low < min_width - 1e-9))]


def _protect(cell: int, x: npt.NDArray[np.float64], hidden: BoolArray,
             relations: Sequence[Relation], members: list[list[int]], threshold: int) -> bool:
    """Hide one more cell beside an exposed ``cell``: a part of one of its relations as in
    :func:`_complement` (the relation with the fewest hidden cells first); a total only when
    no relation of ``cell`` has a part left to hide."""
    order = sorted(members[cell], key=lambda k: (sum(
        hidden[c] for c in (relations[k].total, *relations[k].parts)), k))
    for k in order:  # a non-zero part of any relation first
        extra = _complement(relations[k], x, hidden, cell, threshold, total_too=False)
        if extra is not None and x[extra] > 0:
            hidden[extra] = True
            return True
    for k in order:
        extra = _complement(relations[k], x, hidden, cell, threshold)
        if extra is not None:
            hidden[extra] = True
            return True
    return False


def recoverable_cells(
    counts: npt.ArrayLike,
    hidden: npt.ArrayLike,
    relations: Sequence[Relation],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    small: npt.ArrayLike | None = None,
    min_width: float = MIN_WIDTH,
) -> list[Recoverable]:
    """Hidden cells that a reader can narrow below ``min_width`` (the audit).

    For every hidden cell, the smallest and largest value it can take given the published cells
    and the additive relations, by linear programming (``scipy.optimize.linprog``, HiGHS): the
    published cells are fixed, a ``<k`` cell is in ``[1, k-1]``, a ``c`` cell in ``[0, inf)``
    (:func:`attacker_bounds`); this is the attacker model of Hundepool et al. (2012, §4.3.2,
    "feasibility intervals"). ``small`` (the cells shown ``<k``) defaults to the small cells
    among ``hidden``.

    Returns
    -------
    list of Recoverable
        Exposed cells with their interval, in cell order (empty when the tables are safe).
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    x = np.asarray(counts, dtype=np.float64)
    h = np.asarray(hidden, dtype=np.bool_)
    p = small_cells(x, threshold) & h if small is None else np.asarray(small, dtype=np.bool_)
    _check_relations(len(x), relations)
    cells = [int(i) for i in np.flatnonzero(h)]
    if not cells:
        return []
    sys_ = _system(x, p, h, relations, threshold)
    variables = np.flatnonzero(sys_.unknown)
    column = np.full(len(sys_.unknown), -1)
    column[variables] = np.arange(len(variables))
    on = sys_.unknown[sys_.col]
    a_eq = csr_matrix((sys_.a[on], (sys_.row[on], column[sys_.col[on]])),
                      shape=(len(sys_.b), len(variables)))
    # the published terms move to the right-hand side
    b = sys_.b - np.bincount(sys_.row[~on], weights=sys_.a[~on] * x[sys_.col[~on]],
                             minlength=len(sys_.b))
    bounds = [(sys_.low[v], None if np.isinf(sys_.high[v]) else sys_.high[v])
              for v in variables]
    out: list[Recoverable] = []
    for cell in cells:
        j = int(column[cell])
        objective = np.zeros(len(variables))
        ends = []
        for sign in (1.0, -1.0):
            objective[j] = sign
            res = linprog(objective, A_eq=a_eq, b_eq=b, bounds=bounds, method="highs")
            if res.status == 3:  # unbounded above
                ends.append(np.inf)
            elif res.status != 0:
                raise ValueError(f"the audit's linear programme failed: {res.message}")
            else:
                ends.append(sign * float(res.fun))
        lo, hi = ends[0], ends[1]
        if hi - lo < min_width - 1e-9:
            out.append(Recoverable(cell, lo, hi))
    return out
