"""What happens to the demo's weapons: civilian lifecycle, seizures, finds, surrenders, tracing.

Part of :mod:`salus.demo.weapons.generate`; every draw comes from a stream named after its part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from salus.demo.weapons import catalog as cat
from salus.demo.weapons.builder import Builder, day_between, models_for, new_weapon
from salus.demo.weapons.model import Event, IncidentRef, Licence, TraceRequest

RECOVERY = ("seized", "found", "surrendered")
SEIZURE_OFFENCE = "090111"


# ---------------------------------------------------------------- civilian holders

def civilian_lifecycle(b: Builder) -> None:
    """Per registered weapon: candidate fates with dates, applied in date order while held."""
    rng = b.config.stream("lifecycle")
    licences = {lic.key: lic for lic in b.data.licences}
    holders = _licensed_persons(b)
    for weapon in list(b.data.weapons):
        st = b.state[weapon.key]
        if st.origin != "registered":
            continue
        for on, fate in sorted(_fates(b, rng, licences[str(st.licence)], st.last)):
            if st.status != "registered" or on < st.last or on > b.config.last_day:
                continue
            _apply(b, rng, weapon.key, fate, on, licences, holders)


def _licensed_persons(b: Builder) -> list[Licence]:
    kinds = {o.key for o in b.data.owners if o.kind == "person"}
    return [lic for lic in b.data.licences if lic.owner in kinds]


def _fates(b: Builder, rng: np.random.Generator, licence: Licence,
           since: dt.date) -> list[tuple[dt.date, str]]:
    cfg = b.config
    lo = max(since + dt.timedelta(days=30), dt.date(cfg.years[0] - 2, 1, 1))
    out: list[tuple[dt.date, str]] = []
    if rng.random() < 0.10:
        out.append((day_between(rng, since + dt.timedelta(days=180), cfg.last_day), "transfer"))
    u = rng.random()
    if u < 0.03:
        out.append((day_between(rng, lo, cfg.last_day), "stolen"))
    elif u < 0.04:
        out.append((day_between(rng, lo, cfg.last_day), "lost"))
    revoked = licence.revoked_on
    if revoked is not None:
        out.append((revoked + dt.timedelta(days=int(rng.integers(0, 15))), "confiscate"))
    for campaign in b.data.campaigns:
        expired = licence.current_expiry < campaign.starts_on
        if rng.random() < (0.45 if expired else 0.02):
            out.append((day_between(rng, campaign.starts_on, campaign.ends_on),
                        f"surrender:{campaign.key}"))
    if licence.licence_type == "collector" and rng.random() < 0.3:
        out.append((day_between(rng, lo, cfg.last_day), "deactivate"))
    return out


def _apply(b: Builder, rng: np.random.Generator, key: str, fate: str, on: dt.date,
           licences: dict[str, Licence], holders: list[Licence]) -> None:
    st = b.state[key]
    owner_area = _owner_area(b, str(st.owner))
    if fate == "transfer":
        category = b.data.weapons[int(key[1:]) - 1].category
        target = _buyer(rng, holders, on, str(st.owner), category)
        if target is None:
            return
        b.emit(key, "transferred", on, owner=st.owner, licence=target.key, to_owner=target.owner)
        st.owner, st.licence = target.owner, target.key
    elif fate in ("stolen", "lost"):
        b.emit(key, f"reported_{fate}", on, owner=st.owner, area=owner_area,
               note="Reported by the holder" if fate == "lost" else "Burglary of the residence")
        st.status = fate
    elif fate == "confiscate":
        if licences[str(st.licence)].revoked_on is None:
            return
        b.emit(key, "seized", on, owner=st.owner, area=owner_area, note="Licence revoked")
        st.status = "seized"
    elif fate.startswith("surrender:"):
        b.emit(key, "surrendered", on, owner=st.owner, campaign=fate.split(":", 1)[1],
               area=owner_area)
        st.status = "surrendered"
    elif fate == "deactivate":
        b.emit(key, "deactivated", on, owner=st.owner,
               note="Deactivated to the EU standard (Regulation 2015/2403); certificate issued")
        st.status = "deactivated"


def _buyer(rng: np.random.Generator, holders: list[Licence], on: dt.date,
           seller: str, category: str) -> Licence | None:
    """A person whose licence, valid that day, covers this kind of weapon (a hunting licence
    covers long guns, a carry licence handguns)."""
    for _ in range(12):
        lic = holders[int(rng.integers(len(holders)))]
        covers = any(m.category == category for m in models_for(lic.licence_type))
        if lic.owner != seller and covers and lic.valid_on(on):
            return lic
    return None


def _owner_area(b: Builder, owner: str) -> str:
    return b.data.owners[int(owner.split("-")[1]) - 1].area


# ---------------------------------------------------------------- illicit weapons

def seizures(b: Builder, incidents: Sequence[IncidentRef]) -> None:
    """Weapons seized in illegal-possession incidents (and after some firearm killings)."""
    rng = b.config.stream("seizures")
    chosen = _seizure_incidents(b, rng, incidents)
    stolen = sorted(((st.last, key) for key, st in b.state.items()
                     if st.status in ("stolen", "lost")), reverse=True)
    weights = np.array([m.weight for m in cat.ILLICIT_MODELS])
    for incident in chosen:
        on = incident.date
        if incident.iccs != SEIZURE_OFFENCE:
            on = min(on + dt.timedelta(days=int(rng.integers(0, 30))), b.config.last_day)
        for _ in range(max(1, min(incident.count, 6))):
            key = _recovered(b, rng, stolen, on)
            if key is None:
                key = _illicit(b, rng, weights, on, incident.legal_status)
            b.emit(key, "seized", on, incident=incident.uid, area=incident.area,
                   note="Seized by the police")
            b.state[key].status = "seized"


def _seizure_incidents(b: Builder, rng: np.random.Generator,
                       incidents: Sequence[IncidentRef]) -> list[IncidentRef]:
    cfg = b.config
    inside = [i for i in incidents if cfg.first_day <= i.date <= cfg.last_day]
    possession = [i for i in inside if i.iccs == SEIZURE_OFFENCE]
    others = [i for i in inside if i.iccs != SEIZURE_OFFENCE and i.legal_status != "legal"]
    take = min(len(possession), cfg.scaled(cfg.seizure_incidents))
    picked = [possession[int(i)] for i in sorted(rng.choice(len(possession), take,
                                                            replace=False))] if take else []
    extra = min(len(others), cfg.scaled(cfg.seizure_incidents // 6))
    picked += [others[int(i)] for i in sorted(rng.choice(len(others), extra,
                                                         replace=False))] if extra else []
    return sorted(picked, key=lambda i: (i.date, i.uid))


def _recovered(b: Builder, rng: np.random.Generator, stolen: list[tuple[dt.date, str]],
               on: dt.date) -> str | None:
    """One in five seizures recovers a registered weapon reported stolen or lost before."""
    if rng.random() >= 0.2:
        return None
    for i, (when, key) in enumerate(stolen):
        if when < on and b.state[key].status in ("stolen", "lost"):
            del stolen[i]
            return key
    return None


def _illicit(b: Builder, rng: np.random.Generator, weights: np.ndarray, on: dt.date,
             legal_status: str | None) -> str:
    if legal_status == "illegally_modified_or_converted":
        model = next(m for m in cat.MODELS if m.model == "M70")
        return new_weapon(b, rng, on, model, obliterated=bool(rng.random() < 0.5),
                          markings="Converted from a blank-firing pistol; barrel replaced")
    model = cat.ILLICIT_MODELS[int(rng.choice(len(weights), p=weights / weights.sum()))]
    markings = "State property stamp ground off" if not model.civilian else None
    return new_weapon(b, rng, on, model, bool(rng.random() < 0.15), markings)


def found_and_handed_in(b: Builder) -> None:
    """Weapons found (caches, rivers, abandoned) and anonymous hand-ins during campaigns."""
    rng = b.config.stream("found")
    weights = np.array([m.weight for m in cat.ILLICIT_MODELS])
    towns = b.municipalities
    for _ in range(b.config.scaled(b.config.found)):
        on = day_between(rng, b.config.first_day, b.config.last_day)
        key = _illicit(b, rng, weights, on, None)
        b.emit(key, "found", on, area=towns[int(rng.integers(len(towns)))],
               note="Found by a member of the public and handed to the police")
        b.state[key].status = "found"
    for n in range(b.config.scaled(b.config.anonymous_surrenders)):
        campaign = b.data.campaigns[0 if n % 5 < 3 else 1]
        on = day_between(rng, campaign.starts_on, campaign.ends_on)
        places = [t for t in towns if t[:4] in campaign.areas]
        key = _illicit(b, rng, weights, on, None)
        b.emit(key, "surrendered", on, campaign=campaign.key,
               area=places[int(rng.integers(len(places)))], note="Handed in anonymously")
        b.state[key].status = "surrendered"


# ---------------------------------------------------------------- tracing

def tracing(b: Builder) -> None:
    """Trace requests for recovered weapons: national records first, then abroad (ITI §17)."""
    rng = b.config.stream("tracing")
    by_weapon: dict[str, list[Event]] = {}
    for e in b.data.events:
        by_weapon.setdefault(e.weapon, []).append(e)
    for weapon in b.data.weapons:
        history = by_weapon.get(weapon.key, [])
        recovery = next((e for e in history if e.kind in RECOVERY), None)
        if recovery is None:
            continue
        diverted = any(e.kind in ("reported_stolen", "reported_lost") for e in history)
        if diverted and rng.random() < 0.9:
            _trace_registered(b, rng, weapon.key, recovery, history)
        elif b.state[weapon.key].origin == "illicit" and rng.random() < 0.65:
            _trace_illicit(b, rng, weapon.key, recovery, weapon.obliterated)


def _request(b: Builder, weapon: str, sent: dt.date, recipient: str) -> TraceRequest:
    req = TraceRequest(f"TR-{len(b.data.traces) + 1:05d}", weapon, sent, recipient, "sent")
    b.data.traces.append(req)
    return req


def _answer(b: Builder, req: TraceRequest, on: dt.date, outcome: str,
            diversion: str | None = None, established: str | None = None,
            holder: str | None = None, status: str = "answered") -> bool:
    if on > b.config.last_day:
        return False
    req.status, req.answered_on, req.outcome = status, on, outcome
    req.diversion_point, req.established_by, req.last_legal_holder = diversion, established, holder
    return True


def _trace_registered(b: Builder, rng: np.random.Generator, weapon: str, recovery: Event,
                      history: list[Event]) -> None:
    sent = recovery.on + dt.timedelta(days=int(rng.integers(1, 20)))
    if sent > b.config.last_day:
        return
    req = _request(b, weapon, sent, "national_records")
    loss = next(e for e in reversed(history) if e.kind.startswith("reported_"))
    diversion = ("theft_from_civilian_owner" if loss.kind == "reported_stolen"
                 else "loss_by_civilian_owner")
    _answer(b, req, sent + dt.timedelta(days=int(rng.integers(2, 15))), "traced_illicit",
            diversion, "records_check", loss.owner)


def _trace_illicit(b: Builder, rng: np.random.Generator, weapon: str, recovery: Event,
                   obliterated: bool) -> None:
    sent = recovery.on + dt.timedelta(days=int(rng.integers(5, 60)))
    if sent > b.config.last_day:
        return
    first = _request(b, weapon, sent, "national_records")
    answered = sent + dt.timedelta(days=int(rng.integers(3, 30)))
    if obliterated:
        if rng.random() < 0.4:
            _answer(b, first, answered + dt.timedelta(days=60), "traced_illicit",
                    "conversion", "forensic_serial_restoration")
        else:
            _answer(b, first, answered, "not_traceable")
        return
    if not _answer(b, first, answered, "pending", status="closed"):
        return
    abroad = cat.TRACE_RECIPIENTS[1 + int(rng.integers(3))]
    second = _request(b, weapon, answered + dt.timedelta(days=int(rng.integers(1, 10))), abroad)
    u = rng.random()
    reply = second.sent_on + dt.timedelta(days=int(rng.integers(20, 180)))
    if u < 0.55:
        diversion = cat.DIVERSION_POINTS[1 + int(rng.integers(3))]
        _answer(b, second, reply, "traced_illicit", diversion, "trace_response")
    elif u < 0.8 and reply <= b.config.last_day:
        second.status = second.outcome = "no_response"
