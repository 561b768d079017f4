"""Short generated narratives: a police summary, an autopsy line, a newspaper headline.

They name no one (victims' names live only in the person fields, where sensitivity rules apply)
and, for sexual violence, say nothing about the survivor.
"""

from __future__ import annotations

from salus.demo.truth import TrueEvent, TrueVictim

NUMBERS = ("", "One", "Two", "Three", "Four", "Five", "Six")
DEATH_VERB = {
    "firearm": "shot dead",
    "sharp": "stabbed to death",
    "blunt": "beaten to death",
    "explosive": "killed by an explosive device",
    "other": "killed",
    "unknown": "found dead with signs of violence",
}
WOUND_VERB = {
    "firearm": "shot and wounded",
    "sharp": "stabbed and seriously injured",
    "blunt": "beaten and seriously injured",
}
ROBBERY_VERB = {"firearm": "robbed at gunpoint", "sharp": "robbed at knifepoint"}
PLACE = {
    "street_public": " in the street",
    "commercial": " in a shop or bar",
    "dwelling": " at home",
    "public_transport": " on a bus",
    "rural_open": " in open country",
}
CONTEXT = {
    "organized_crime_gangs": "Police link the attack to rivalry between criminal groups.",
    "other_crime": "It happened during a robbery.",
    "interpersonal_other": "It followed a dispute between acquaintances.",
    "intimate_partner": "The suspect is the victim's partner or former partner.",
    "family_member": "A relative is suspected.",
    "political": "The victim was a community leader.",
    "unknown": "The motive is not yet known.",
}
CAUSE = {
    "firearm": "gunshot wounds",
    "sharp": "sharp-force injuries",
    "blunt": "blunt-force trauma",
    "explosive": "blast injuries",
    "other": "asphyxia or other injuries",
    "unknown": "undetermined injuries",
}


def weapon_kind(code: str | None, firearms: frozenset[str]) -> str:
    """Collapse a weapon code to firearm / sharp / blunt / explosive / other / unknown."""
    if code is None:
        return "unknown"
    return "firearm" if code in firearms else code


def who(victims: list[TrueVictim]) -> str:
    """ "A 24-year-old man", "A woman aged 61", "Two men", "Three people"."""
    if len(victims) == 1:
        v = victims[0]
        noun = _noun(v.sex, v.age)
        if v.age % 2:
            article = "An" if str(v.age).startswith("8") or v.age in (11, 18) else "A"
            return f"{article} {v.age}-year-old {noun}"
        return f"A {noun} aged {v.age}"
    sexes = {v.sex for v in victims}
    noun = "men" if sexes == {"male"} else "women" if sexes == {"female"} else "people"
    return f"{NUMBERS[min(len(victims), 6)]} {noun}"


def _noun(sex: str, age: int) -> str:
    if age < 15:
        return "girl" if sex == "female" else "boy"
    return "woman" if sex == "female" else "man"


def police_narrative(event: TrueEvent, place: str, kind: str) -> str:
    """The police summary of an event (no names)."""
    iccs = event.offence.iccs
    if iccs == "03011":
        return f"A sexual assault was reported in {place}. The survivor was referred for care."
    if iccs == "090111":
        return (
            f"Police seized {event.weapon_count} illegally held firearm(s)"
            f"{PLACE.get(event.location, '')} in {place}."
        )
    victims = event.victims
    plural = len(victims) > 1
    verb = _verb(event, kind)
    text = f"{who(victims)} {'were' if plural else 'was'} {verb}{PLACE.get(event.location, '')}"
    text += f" in {place}{_time_of_day(event.time.hour)}."
    if event.misuse == "security_force_action":
        return text + " The shooting occurred during a police operation."
    if event.misuse in ("accident", "celebratory_shooting") or event.context is None:
        return text
    return f"{text} {CONTEXT.get(event.context, CONTEXT['unknown'])}"


def _verb(event: TrueEvent, kind: str) -> str:
    iccs = event.offence.iccs
    if event.misuse == "celebratory_shooting":
        return "hit by a stray bullet fired in celebration"
    if iccs == "0103":
        return "killed when a firearm went off by accident"
    if iccs == "0101":
        return DEATH_VERB[kind]
    if iccs == "0102":
        return WOUND_VERB.get(kind, "attacked and seriously injured")
    if iccs == "0401":
        verb = ROBBERY_VERB.get(kind, "robbed")
        return verb + (" and injured" if event.victims[0].outcome == "injured" else "")
    return "assaulted and injured" + (f" ({kind})" if kind not in ("other", "unknown") else "")


def _time_of_day(hour: int) -> str:
    if hour < 5 or hour >= 21:
        return " at night"
    if hour < 12:
        return " in the morning"
    return " in the afternoon" if hour < 18 else " in the evening"


def forensic_narrative(event: TrueEvent, kind: str) -> str:
    """The medico-legal summary of one death."""
    manner = "accident" if event.offence.iccs == "0103" else "homicide"
    return f"Medico-legal autopsy. Cause of death: {CAUSE[kind]}. Manner of death: {manner}."


def media_headline(event: TrueEvent, place: str, kind: str) -> str:
    """A newspaper headline about the deaths of an event."""
    dead = event.deaths
    if event.misuse == "celebratory_shooting":
        return f"Stray celebratory bullet kills {who(dead).lower()} in {place}"
    if event.offence.iccs == "0103":
        return f"Accidental shot kills {who(dead).lower()} in {place}"
    if len(dead) > 1:
        return f"{NUMBERS[min(len(dead), 6)]} killed in attack in {place}"
    noun = _noun(dead[0].sex, dead[0].age).capitalize()
    return f"{noun} {DEATH_VERB[kind]}{PLACE.get(event.location, '')} in {place}"
