"""Plain records of the demo weapons registry (before they are stored), see
:mod:`salus.demo.weapons.generate`.

Field names follow the International Tracing Instrument and ISACS/MOSAIC 05.30 (marking at
manufacture and import, status history, last legal holder, point of diversion) and IATG 03.10
(stockpile inventory, ammunition lots with shelf life and hazard division).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AreaRef:
    """A place of the demo geography: code, English name, level."""

    code: str
    name: str
    level: int


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """A stored firearm incident that seizures may refer to."""

    uid: str
    date: dt.date
    area: str
    iccs: str
    legal_status: str | None
    count: int


@dataclass(slots=True)
class Owner:
    """A licence holder: a private person or a legal entity (club, company, dealer)."""

    key: str
    kind: str
    """``person`` or ``entity``."""
    entity_type: str | None
    name: str
    given_name: str | None
    family_name: str | None
    sex: str | None
    born: dt.date | None
    id_type: str
    id_number: str
    area: str
    since: dt.date


@dataclass(slots=True)
class LicenceChange:
    """A renewal, suspension, reinstatement or revocation of a licence."""

    on: dt.date
    action: str
    reason: str
    expires_on: dt.date | None = None


@dataclass(slots=True)
class Licence:
    key: str
    number: str
    owner: str
    licence_type: str
    issued_on: dt.date
    expires_on: dt.date
    """The first expiry; renewals carry the later ones."""
    conditions: str
    changes: list[LicenceChange] = field(default_factory=list)

    @property
    def current_expiry(self) -> dt.date:
        renewed = [c.expires_on for c in self.changes if c.expires_on is not None]
        return max([self.expires_on, *renewed])

    @property
    def revoked_on(self) -> dt.date | None:
        return next((c.on for c in self.changes if c.action == "revoked"), None)

    def valid_on(self, day: dt.date) -> bool:
        """Issued, not expired, not suspended and not revoked on ``day``."""
        if not self.issued_on <= day <= self.current_expiry:
            return False
        active = True
        for change in self.changes:
            if change.on > day:
                break
            if change.action in ("suspended", "revoked"):
                active = False
            elif change.action == "reinstated":
                active = True
        return active


@dataclass(slots=True)
class Weapon:
    """The markings of one weapon (ITI §8: manufacturer, country, serial, year; import mark)."""

    key: str
    category: str
    make: str
    make_as_written: str
    """The maker's name as the registering clerk wrote it (a variant of ``make``)."""
    model: str
    calibre: str
    serial: str
    country: str
    year: int
    import_country: str | None
    import_year: int | None
    obliterated: bool = False
    other_markings: str | None = None


@dataclass(slots=True)
class Event:
    """One lifecycle event (append-only history; ``seq`` orders events of one weapon)."""

    weapon: str
    seq: int
    kind: str
    on: dt.date
    owner: str | None = None
    licence: str | None = None
    to_owner: str | None = None
    incident: str | None = None
    site: str | None = None
    campaign: str | None = None
    batch: str | None = None
    area: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Campaign:
    """A voluntary surrender (collection) campaign, SALIENT style."""

    key: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    areas: tuple[str, ...]
    amnesty: bool = True


@dataclass(slots=True)
class Site:
    """A storage site or evidence room (IATG 03.10)."""

    key: str
    name: str
    kind: str
    area: str


@dataclass(slots=True)
class AmmunitionLot:
    key: str
    site: str
    calibre: str
    manufacturer: str
    lot_number: str
    quantity: int
    year: int
    shelf_life_years: int
    hazard_division: str

    @property
    def expires_in(self) -> int:
        """The year after which the lot is past its shelf life."""
        return self.year + self.shelf_life_years


@dataclass(slots=True)
class StockCount:
    """A physical count of a site against its records (IATG 03.10 §10)."""

    site: str
    on: dt.date
    counted_by: str
    weapons_expected: int
    weapons_counted: int
    missing: tuple[str, ...] = ()
    note: str | None = None


@dataclass(slots=True)
class DestructionBatch:
    key: str
    on: dt.date
    method: str
    place: str
    site: str
    witnesses: tuple[str, ...]
    certificate: str
    weapons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TraceRequest:
    """A tracing request (ITI §§14-23) and its answer, if any."""

    key: str
    weapon: str
    sent_on: dt.date
    recipient: str
    status: str
    """``sent`` or ``answered`` (statuses of :mod:`salus.domain.weapons.tracing`)."""
    answered_on: dt.date | None = None
    outcome: str = "pending"
    """``traced_illicit``, ``not_traceable``, ``no_response`` or ``pending``."""
    diversion_point: str | None = None
    established_by: str | None = None
    last_legal_holder: str | None = None


@dataclass(slots=True)
class ArmsData:
    """Everything :func:`salus.demo.weapons.generate.generate_arms` makes."""

    owners: list[Owner] = field(default_factory=list)
    licences: list[Licence] = field(default_factory=list)
    weapons: list[Weapon] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    lots: list[AmmunitionLot] = field(default_factory=list)
    counts: list[StockCount] = field(default_factory=list)
    batches: list[DestructionBatch] = field(default_factory=list)
    traces: list[TraceRequest] = field(default_factory=list)

    def history(self, weapon: str) -> list[Event]:
        return [e for e in self.events if e.weapon == weapon]
