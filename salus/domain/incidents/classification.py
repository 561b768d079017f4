"""Derived classifications of an incident: gender-related killing (femicide) and domestic violence.

Femicide follows UNODC and UN Women, *Statistical framework for measuring the gender-related
killings of women and girls (also referred to as femicide/feminicide)*, 2022: an intentional
homicide (ICCS 0101, completed) of a woman or girl is gender-related when

1. the perpetrator is her **intimate partner** (current or former), or
2. a **family member**, or
3. another perpetrator, and a recorded **modus operandi or context** points to a gender-related
   motive. Of the framework's eight indicators Salus records three on the incident: the ICCS
   situational context of partner or family violence (``iccs_context``), the firearm misuse
   context ``domestic_violence`` and the incident marked as gender-based violence
   (``sensitivity: gbv``, GBVIMS). The others (previous violence, exploitation, abduction, sex
   work, sexual violence, mutilation, body in a public place, hate crime) are not fields yet.

Domestic violence (Council of Europe Istanbul Convention, art. 3(b); UN Women handbook) is an
offence against a victim by a current or former intimate partner or a family member, whatever
the victim's sex and the offence.

The relationship is read from both sides, as ICCS records it: a victim's own ``relationship``
(what the perpetrator is to this victim), and a perpetrator's ``relationship`` to the victim
numbered ``related_victim`` (1 = the first victim listed), or to every victim when unset.
"""

from __future__ import annotations

from dataclasses import dataclass

from salus.domain.incidents.model import Incident, Outcome, Person, Role, Sensitivity, Sex

DOMESTIC = ("intimate_partner", "family_member")
"""Relationships that make an offence domestic and the killing of a woman gender-related."""
HOMICIDE = "0101"
"""ICCS intentional homicide: the framework counts intentional killings."""
CONTEXT_ICCS = frozenset({"interpersonal_partner_family", "intimate_partner", "family_member"})
CONTEXT_MISUSE = frozenset({"domestic_violence"})


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one victim makes the incident femicide or domestic violence.

    ``kind``: ``femicide`` or ``domestic_violence``; ``victim``: 1 = the first victim listed;
    ``basis``: the relationship code (``intimate_partner``, ``family_member``) or, for the
    framework's third category, ``context``; ``perpetrator``: the perpetrator's number (1 = the
    first listed) where a perpetrator row gave the relationship, else None.
    """

    kind: str
    victim: int
    basis: str
    perpetrator: int | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """The derived classes with one reason per victim and class."""

    femicide: bool
    domestic_violence: bool
    reasons: tuple[Reason, ...]


def classify(incident: Incident) -> Classification:
    """Classify ``incident`` under the rules of the module docstring."""
    homicide = incident.iccs_code.startswith(HOMICIDE) and not incident.attempted
    return classify_persons(incident.persons, homicide=homicide, context=_context(incident))


def classify_persons(persons: list[Person], *, homicide: bool,
                     context: bool) -> Classification:
    """Classify the persons of an incident that is (or not) a completed intentional homicide
    and has (or not) a recorded context indicator of a gender-related motive."""
    victims = [p for p in persons if p.role is Role.VICTIM]
    perpetrators = [p for p in persons if p.role is Role.PERPETRATOR]
    reasons: list[Reason] = []
    for n, victim in enumerate(victims, start=1):
        related = _relationships(n, victim, perpetrators)
        domestic = [(rel, who) for rel, who in related if rel in DOMESTIC]
        for rel, who in domestic[:1]:
            reasons.append(Reason("domestic_violence", n, rel, who))
        if not (homicide and victim.sex is Sex.FEMALE and victim.outcome is Outcome.KILLED):
            continue
        if domestic:
            reasons.append(Reason("femicide", n, domestic[0][0], domestic[0][1]))
        elif context and _only_others(related):
            reasons.append(Reason("femicide", n, "context"))
    kinds = {r.kind for r in reasons}
    return Classification("femicide" in kinds, "domestic_violence" in kinds, tuple(reasons))


def _relationships(n: int, victim: Person,
                   perpetrators: list[Person]) -> list[tuple[str, int | None]]:
    """(relationship, perpetrator number or None) known for victim ``n``, victim's own first."""
    out: list[tuple[str, int | None]] = []
    if victim.relationship:
        out.append((victim.relationship, None))
    for k, p in enumerate(perpetrators, start=1):
        if p.relationship and p.related_victim in (None, n):
            out.append((p.relationship, k))
    # the framework's order: intimate partner before family member
    return sorted(out, key=lambda r: DOMESTIC.index(r[0]) if r[0] in DOMESTIC else 2)


def _only_others(related: list[tuple[str, int | None]]) -> bool:
    """No relationship says partner or family (else categories 1-2 apply)."""
    return all(rel not in DOMESTIC for rel, _ in related)


def _context(incident: Incident) -> bool:
    return has_context(incident.iccs_context, incident.misuse_context, incident.sensitivity)


def has_context(iccs_context: str | None, misuse_context: str | None,
                sensitivity: str | None) -> bool:
    """A recorded context indicator of a gender-related motive (module docstring, item 3)."""
    return (iccs_context in CONTEXT_ICCS or misuse_context in CONTEXT_MISUSE
            or sensitivity == Sensitivity.GBV.value)
