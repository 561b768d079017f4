"""The demo weapons registry of Verdania: owners, licences, weapons and their whole lifecycle.

:func:`generate_arms` is pure and deterministic (NumPy generators seeded from the demo seed and
the part's name, no wall clock): the same :class:`ArmsConfig`, areas and incidents give the same
registry, record for record. It draws

* a few thousand owners — private persons and legal entities (shooting clubs, security
  companies, dealers, hunting associations) — with licences of the usual types, renewed,
  suspended or revoked over the years, so some expire soon after the demo's last day;
* about 10,000 registered civilian weapons of real makes and models, each imported under a
  dealer and registered to its holder, then transferred, reported lost or stolen, confiscated
  when a licence is revoked, surrendered in a collection campaign or deactivated;
* illicit weapons seized in the demo's illegal-possession incidents (ICCS 090111; some of them
  registered weapons stolen earlier), found, or handed in anonymously during campaigns;
* storage in evidence rooms and stockpiles, movements with chain of custody, destruction
  batches with method, place, witnesses and certificate, yearly stock counts (a few with
  missing weapons), ammunition lots (some past shelf life) and tracing requests with outcomes,
  so SDG 16.4.2 has a value.

History is consistent by construction: events of a weapon are in date order, nothing follows a
destruction, a weapon is transferred only by its holder to someone holding a valid licence.
:func:`salus.demo.weapons.store.seed_arms` writes it through the registry's use cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from salus.demo.names import draw_name
from salus.demo.weapons import catalog as cat
from salus.demo.weapons import fates as arms_fates
from salus.demo.weapons import stock as arms_stock
from salus.demo.weapons.builder import (
    ArmsConfig,
    Builder,
    WeaponState,
    day_between,
    models_for,
)
from salus.demo.weapons.model import (
    AreaRef,
    ArmsData,
    Campaign,
    IncidentRef,
    Licence,
    LicenceChange,
    Owner,
    Weapon,
)
from salus.domain.weapons.registry import ArmsRuleError, LicenceAction
from salus.domain.weapons.rules import licence_change

IMPORT_COUNTRY = "VDA"
"""Verdania's (fictional) country code in import markings."""
REVOCATION_REASONS = ("Conviction for domestic violence", "Protection order issued",
                      "Criminal charge pending", "Failed storage inspection")
SUSPENSION_REASONS = ("Medical certificate not renewed", "Change of address not declared",
                      "Storage inspection pending")


def generate_arms(config: ArmsConfig, areas: Sequence[AreaRef],
                  incidents: Sequence[IncidentRef]) -> ArmsData:
    """Draw the whole registry (see the module docstring)."""
    b = Builder(config, areas)
    arms_stock.add_sites(b)
    add_campaigns(b)
    add_owners(b)
    add_licences(b)
    add_civilian_weapons(b)
    arms_fates.civilian_lifecycle(b)
    arms_fates.seizures(b, incidents)
    arms_fates.found_and_handed_in(b)
    arms_stock.storage_and_destruction(b)
    arms_stock.stock_counts(b)
    arms_stock.ammunition(b)
    arms_fates.tracing(b)
    b.data.events.sort(key=lambda e: (e.weapon, e.seq))
    return b.data


# ---------------------------------------------------------------- campaigns and owners

def add_campaigns(b: Builder) -> None:
    """A national amnesty in the second demo year and a regional one in the last."""
    first, last = b.config.years
    year = min(first + 1, last)
    national = Campaign("CAMP-1", f"National voluntary surrender campaign {year}",
                        dt.date(year, 3, 1), dt.date(year, 5, 31),
                        tuple(a.code for a in b.regions))
    regions = tuple(a.code for a in b.regions[:2])
    regional = Campaign("CAMP-2", f"Safer communities collection campaign {last}",
                        dt.date(last, 9, 1), dt.date(last, 10, 31), regions)
    b.data.campaigns += [national, regional]


def _unique(rng: np.random.Generator, taken: set[str], prefix: str, digits: int) -> str:
    """A document number not drawn before (national id, company registration)."""
    while True:
        value = f"{prefix}{int(rng.integers(10 ** (digits - 1), 10 ** digits))}"
        if value not in taken:
            taken.add(value)
            return value


def add_owners(b: Builder) -> None:
    rng = b.config.stream("owners")
    towns = b.municipalities
    taken: set[str] = set()
    for n in range(b.config.scaled(b.config.persons, 20)):
        female = bool(rng.random() < 0.12)
        script = ("latin", "cyrillic", "arabic")[int(rng.choice(3, p=[0.9, 0.05, 0.05]))]
        name = draw_name(rng, female, script)
        born = day_between(rng, dt.date(1945, 1, 1), dt.date(b.config.years[0] - 21, 12, 31))
        since = day_between(rng, b.config.registry_start, b.config.last_day - dt.timedelta(90))
        given, family = name.given[1], name.family[1]
        b.data.owners.append(Owner(
            f"OWN-{n + 1:05d}", "person", None, f"{given} {family}", given, family,
            "female" if female else "male", born, "national_id", _unique(rng, taken, "V-", 8),
            towns[int(rng.integers(len(towns)))], since))
    _add_entities(b, rng, taken)


def _add_entities(b: Builder, rng: np.random.Generator, taken: set[str]) -> None:
    towns = b.municipalities
    names = {a.code: a.name for a in b.areas}
    n = len(b.data.owners)
    for entity_type, full in cat.ENTITY_COUNTS.items():
        count = b.config.scaled(full)
        patterns = cat.ENTITY_NAMES[entity_type]
        for k in range(count):
            town = towns[int(rng.integers(len(towns)))]
            n += 1
            name = patterns[k % len(patterns)].format(names.get(town, town))
            b.data.owners.append(Owner(
                f"OWN-{n:05d}", "entity", entity_type, f"{name} {k + 1}", None, None,
                None, None, "company_registration", _unique(rng, taken, "RC-", 6),
                town, day_between(rng, b.config.registry_start, b.config.first_day)))


# ---------------------------------------------------------------- licences

def add_licences(b: Builder) -> None:
    """One licence per owner (a second for a sixth of persons), renewed while in use."""
    rng = b.config.stream("licences")
    for owner in b.data.owners:
        types = cat.LICENCE_TYPES[owner.entity_type or "person"]
        extra = owner.kind == "person" and rng.random() < 0.16
        for k in range(2 if extra else 1):
            if owner.kind == "person":
                kind = types[int(rng.choice(len(types), p=cat.LICENCE_WEIGHTS))]
            else:
                kind = types[0]
            issued = owner.since + dt.timedelta(days=int(rng.integers(0, 60)) + 400 * k)
            _licence(b, rng, owner, kind, min(issued, b.config.last_day))


def _licence(b: Builder, rng: np.random.Generator, owner: Owner, kind: str,
             issued: dt.date) -> Licence:
    years = cat.LICENCE_YEARS[kind]
    n = len(b.data.licences) + 1
    licence = Licence(f"LIC-{n:05d}", f"{kind[:3].upper()}-{issued.year}-{n:06d}", owner.key,
                      kind, issued, _plus_years(issued, years), cat.CONDITIONS[kind])
    _renewals(b, rng, licence, years)
    _sanctions(b, rng, licence)
    b.data.licences.append(licence)
    return licence


def _renewals(b: Builder, rng: np.random.Generator, licence: Licence, years: int) -> None:
    """Renew before expiry with probability 0.85 each time, up to the demo's last day."""
    expiry = licence.expires_on
    while expiry <= b.config.last_day and rng.random() < 0.85:
        on = expiry - dt.timedelta(days=int(rng.integers(5, 60)))
        expiry = _plus_years(expiry, years)
        licence.changes.append(LicenceChange(on, "renewed", "Renewal on application", expiry))


def _sanctions(b: Builder, rng: np.random.Generator, licence: Licence) -> None:
    """A few suspensions (then reinstatement) and revocations within the demo years."""
    lo = max(licence.issued_on + dt.timedelta(days=30), b.config.first_day)
    hi = min(licence.current_expiry, b.config.last_day) - dt.timedelta(days=30)
    if lo >= hi:
        return
    u = rng.random()
    if u < 0.03:
        on = day_between(rng, lo, hi)
        reason = REVOCATION_REASONS[int(rng.integers(len(REVOCATION_REASONS)))]
        licence.changes = [c for c in licence.changes if c.on < on]
        licence.changes.append(LicenceChange(on, "revoked", reason))
    elif u < 0.07:
        on = day_between(rng, lo, hi)
        reason = SUSPENSION_REASONS[int(rng.integers(len(SUSPENSION_REASONS)))]
        back = on + dt.timedelta(days=int(rng.integers(20, 120)))
        kept = list(licence.changes)
        licence.changes.append(LicenceChange(on, "suspended", reason))
        if back <= b.config.last_day and rng.random() < 0.8:
            licence.changes.append(LicenceChange(back, "reinstated", "Conditions met again"))
        else:  # never reinstated: no renewal after the suspension
            licence.changes = [c for c in licence.changes if c.on <= on]
        licence.changes.sort(key=lambda c: c.on)
        if not _consistent(licence):
            licence.changes = kept
    licence.changes.sort(key=lambda c: c.on)


def _consistent(licence: Licence) -> bool:
    """Whether the licence's changes follow the registry's rules (e.g. no renewal while
    suspended), replayed with :func:`salus.domain.weapons.rules.licence_change`."""
    status, expiry = "active", licence.expires_on
    for c in sorted(licence.changes, key=lambda c: c.on):
        try:
            new, expiry = licence_change(status, expiry, LicenceAction(c.action), c.on,
                                         c.expires_on)
        except ArmsRuleError:
            return False
        status = new.value
    return True


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- civilian weapons

def add_civilian_weapons(b: Builder) -> None:
    """Each licence covers one to a few weapons (legal entities many), imported by a dealer."""
    rng = b.config.stream("weapons")
    owners = {o.key: o for o in b.data.owners}
    dealers = [o.key for o in b.data.owners if o.entity_type == "dealer"]
    weights = np.array([m.weight for m in cat.CIVILIAN_MODELS])
    for licence in b.data.licences:
        owner = owners[licence.owner]
        if owner.entity_type:
            lo, hi = cat.ENTITY_WEAPONS[owner.entity_type]
            count = int(rng.integers(lo, hi + 1))
        else:
            count = int(rng.choice((1, 2, 3, 4), p=(0.62, 0.24, 0.09, 0.05)))
        models = models_for(licence.licence_type)
        picks = rng.choice(len(models), size=count, p=_norm(weights, models))
        for pick in picks:
            dealer = dealers[int(rng.integers(len(dealers)))]
            _register(b, rng, licence, models[int(pick)], dealer)


def _norm(weights: np.ndarray, models: tuple[cat.Model, ...]) -> np.ndarray:
    w = np.array([m.weight for m in models], dtype=float)
    out: np.ndarray = w / w.sum() if len(w) != len(weights) else weights / weights.sum()
    return out


def _register(b: Builder, rng: np.random.Generator, licence: Licence, model: cat.Model,
              dealer: str) -> None:
    key = f"W{len(b.data.weapons) + 1:06d}"
    registered = min(licence.issued_on + dt.timedelta(days=int(rng.integers(0, 120))),
                     licence.current_expiry, b.config.last_day)
    if not licence.valid_on(registered):
        registered = licence.issued_on
    imported = registered - dt.timedelta(days=int(rng.integers(20, 400)))
    legacy = imported < b.config.registry_start
    year = imported.year - int(rng.integers(0, 3 if not legacy else 25))
    variants = cat.MAKE_VARIANTS[model.make]
    written = variants[0] if rng.random() < 0.7 else variants[int(rng.integers(len(variants)))]
    b.data.weapons.append(Weapon(
        key, model.category, model.make, written, model.model, model.calibre,
        b.serial(rng, model), model.country, year,
        None if legacy else IMPORT_COUNTRY, None if legacy else imported.year))
    b.state[key] = WeaponState(last=min(imported, registered))
    if not legacy:
        b.emit(key, "imported", imported, owner=dealer,
               note=f"Imported by a licensed dealer; marked VD {imported.year % 100:02d}")
    b.emit(key, "registered", registered, owner=licence.owner, licence=licence.key)
    st = b.state[key]
    st.owner, st.licence = licence.owner, licence.key


