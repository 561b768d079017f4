"""Stockpile management: storage sites, ammunition lots, custody, stock counts (pure rules).

What is computed here, without any database:

* the **expiry** of an ammunition lot from its year (or date) of manufacture and shelf life, and
  whether it is past or within *N* days of it (IATG 03.10 *Inventory management* and 07.20
  *Surveillance and proof*: every lot carries a shelf life; lots past it are withdrawn from use
  and proposed for destruction);
* the **current site** of each weapon from its chain of custody (movements between sites and
  intakes), and whether a movement may leave a site (a weapon can only leave the site it is in);
* the **discrepancy report** of a physical stock count against the book inventory (IATG 03.10
  §10 and ISACS/MOSAIC 05.20 *Stockpile management: weapons*: a count lists missing and
  unexpected weapons and, for ammunition, each lot whose counted quantity differs from the book).

Hazard divisions are the UN divisions of Class 1 (explosives) used by IATG 01.50 *UN explosive
hazard classification system and codes*: 1.1 mass explosion, 1.2 projection, 1.3 fire with minor
blast or projection, 1.4 no significant hazard, 1.5 very insensitive with mass explosion hazard,
1.6 extremely insensitive articles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SITE_KINDS: tuple[str, ...] = ("stockpile", "evidence_room", "armoury", "collection_point",
                               "destruction_facility")
"""Where state-held weapons and ammunition are kept (ISACS/MOSAIC 05.20, IATG 02.20)."""

SECURITY_LEVELS: tuple[str, ...] = ("low", "medium", "high")
"""Physical security level of a site (IATG 09.10 *Security principles and systems*)."""

HAZARD_DIVISIONS: dict[str, str] = {
    "1.1": "mass explosion hazard",
    "1.2": "projection hazard but not a mass explosion hazard",
    "1.3": "fire hazard with a minor blast or projection hazard, or both",
    "1.4": "no significant hazard",
    "1.5": "very insensitive substances with a mass explosion hazard",
    "1.6": "extremely insensitive articles with no mass explosion hazard",
}
"""UN hazard divisions of Class 1 (IATG 01.50)."""

EXPIRY_WARNING_DAYS = 90
"""Default window for "expiring soon" alerts."""

EARLIEST_YEAR = 1850
MAX_SHELF_LIFE_YEARS = 100


class StockError(ValueError):
    """A stock operation that would break the books; names the field and the value."""

    def __init__(self, field_name: str, value: object, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.value = value
        self.message = message


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid field: ``{field, code, message}`` as the use cases report them."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


# ---------------------------------------------------------------- sites


def site_problems(code: str, name: str, kind: str, security_level: str,
                  capacity: int | None) -> list[Problem]:
    """Problems with a storage site's fields (empty when it is valid)."""
    out = []
    if not code.strip():
        out.append(Problem("code", "required", "a site code is required"))
    if not name.strip():
        out.append(Problem("name", "required", "a site name is required"))
    if kind not in SITE_KINDS:
        out.append(Problem("kind", "invalid",
                           f"site kind {kind!r} is not one of {', '.join(SITE_KINDS)}"))
    if security_level not in SECURITY_LEVELS:
        out.append(Problem("security_level", "invalid",
                           f"security level {security_level!r} is not one of "
                           f"{', '.join(SECURITY_LEVELS)}"))
    if capacity is not None and capacity < 0:
        out.append(Problem("capacity", "negative", f"capacity {capacity} is negative"))
    return out


# ---------------------------------------------------------------- ammunition lots


@dataclass(frozen=True, slots=True)
class LotSpec:
    """An ammunition lot as received (IATG 03.10: lot number, calibre, manufacturer, year)."""

    lot_number: str
    calibre: str
    manufacturer: str
    year_of_manufacture: int
    shelf_life_years: int
    hazard_division: str
    quantity: int
    manufactured_on: dt.date | None = None


def lot_problems(lot: LotSpec, today: dt.date) -> list[Problem]:
    """Problems with a lot's fields: required text, plausible years, division, quantity ≥ 0."""
    out = [Problem(name, "required", f"{name.replace('_', ' ')} is required")
           for name in ("lot_number", "calibre", "manufacturer")
           if not str(getattr(lot, name)).strip()]
    if not EARLIEST_YEAR <= lot.year_of_manufacture <= today.year:
        out.append(Problem("year_of_manufacture", "invalid",
                           f"year of manufacture {lot.year_of_manufacture} is not between "
                           f"{EARLIEST_YEAR} and {today.year}"))
    if (lot.manufactured_on is not None
            and lot.manufactured_on.year != lot.year_of_manufacture):
        out.append(Problem("manufactured_on", "mismatch",
                           f"date of manufacture {lot.manufactured_on} is not in year "
                           f"{lot.year_of_manufacture}"))
    if not 1 <= lot.shelf_life_years <= MAX_SHELF_LIFE_YEARS:
        out.append(Problem("shelf_life_years", "invalid",
                           f"shelf life {lot.shelf_life_years} years is not between 1 and "
                           f"{MAX_SHELF_LIFE_YEARS}"))
    if lot.hazard_division not in HAZARD_DIVISIONS:
        out.append(Problem("hazard_division", "invalid",
                           f"hazard division {lot.hazard_division!r} is not one of "
                           f"{', '.join(HAZARD_DIVISIONS)} (IATG 01.50)"))
    if lot.quantity < 0:
        out.append(Problem("quantity", "negative", f"quantity {lot.quantity} is negative"))
    return out


def expiry_date(year_of_manufacture: int, shelf_life_years: int,
                manufactured_on: dt.date | None = None) -> dt.date:
    """Date a lot's shelf life ends.

    Counted from the date of manufacture where it is known; with only the year, from
    1 January of that year — the earliest the lot can expire, so an alert is never late.
    A lot made on 29 February expires on 28 February of a non-leap year.
    """
    start = manufactured_on or dt.date(year_of_manufacture, 1, 1)
    year = start.year + shelf_life_years
    try:
        return start.replace(year=year)
    except ValueError:  # 29 February
        return dt.date(year, 2, 28)


def expiry_status(expires_on: dt.date, today: dt.date,
                  warning_days: int = EXPIRY_WARNING_DAYS) -> str:
    """``expired`` (on or after the expiry date), ``expiring`` (within ``warning_days``) or
    ``ok``."""
    if warning_days < 0:
        raise StockError("within_days", warning_days, "the warning window cannot be negative")
    if today >= expires_on:
        return "expired"
    if (expires_on - today).days <= warning_days:
        return "expiring"
    return "ok"


def remaining_quantity(book: int, change: int, *, lot: str, site: str) -> int:
    """Book quantity after adding ``change`` (negative: issued); refuses to go below zero."""
    after = book + change
    if after < 0:
        raise StockError("quantity", change,
                         f"lot {lot} at site {site} holds {book}; cannot take {-change}")
    return after


# ---------------------------------------------------------------- custody


@dataclass(frozen=True, slots=True)
class CustodyStep:
    """One change of custody of one weapon: into ``to_site`` (None: out of state custody,
    e.g. destroyed or returned), out of ``from_site`` (None: taken into custody)."""

    weapon_id: int
    on: dt.date
    sequence: int
    from_site: int | None
    to_site: int | None


def current_sites(steps: Iterable[CustodyStep]) -> dict[int, int | None]:
    """Weapon → site it is in now (None: not in any site), replaying steps in order of
    (date, sequence)."""
    where: dict[int, int | None] = {}
    for step in sorted(steps, key=lambda s: (s.on, s.sequence)):
        where[step.weapon_id] = step.to_site
    return where


def check_release(weapon_label: str, current: int | None, from_site: int | None,
                  site_label: str) -> None:
    """Refuse to move a weapon out of a site it is not in (or to take into custody a weapon
    already held in a site)."""
    if from_site is None and current is not None:
        raise StockError("weapon", weapon_label,
                         f"weapon {weapon_label} is already held in a site; move it from there")
    if from_site is not None and current != from_site:
        raise StockError("weapon", weapon_label,
                         f"weapon {weapon_label} is not in site {site_label}")


def check_dates(released_on: dt.date, received_on: dt.date | None, today: dt.date) -> None:
    """A movement is received on or after its release, and neither is in the future."""
    if released_on > today:
        raise StockError("released_on", released_on.isoformat(),
                         f"release date {released_on} is in the future")
    if received_on is not None and received_on < released_on:
        raise StockError("received_on", received_on.isoformat(),
                         f"received on {received_on}, before its release on {released_on}")
    if received_on is not None and received_on > today:
        raise StockError("received_on", received_on.isoformat(),
                         f"receipt date {received_on} is in the future")


# ---------------------------------------------------------------- stock counts


@dataclass(frozen=True, slots=True)
class LotDifference:
    lot_id: int
    book: int
    counted: int

    @property
    def difference(self) -> int:
        """Counted minus book: negative is a shortfall, positive a surplus."""
        return self.counted - self.book


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """What a physical count found that the books do not say (IATG 03.10)."""

    missing_weapons: tuple[int, ...] = ()
    unexpected_weapons: tuple[int, ...] = ()
    lot_differences: tuple[LotDifference, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        return not (self.missing_weapons or self.unexpected_weapons or self.lot_differences)


def count_discrepancy(book_weapons: Iterable[int], counted_weapons: Iterable[int],
                      book_lots: Mapping[int, int], counted_lots: Mapping[int, int]
                      ) -> Discrepancy:
    """Compare a count with the book inventory.

    Weapons on the books but not counted are *missing*; weapons counted but not on the books
    of this site are *unexpected*. A lot on the books and not counted was counted as zero; a
    lot counted but not on the books has a book quantity of zero.
    """
    book, counted = set(book_weapons), set(counted_weapons)
    for lot_id, quantity in counted_lots.items():
        if quantity < 0:
            raise StockError("counted_quantity", quantity,
                             f"counted quantity {quantity} of lot {lot_id} is negative")
    diffs = tuple(LotDifference(lot, book_lots.get(lot, 0), counted_lots.get(lot, 0))
                  for lot in sorted(set(book_lots) | set(counted_lots)))
    return Discrepancy(tuple(sorted(book - counted)), tuple(sorted(counted - book)),
                       tuple(d for d in diffs if d.difference != 0))
