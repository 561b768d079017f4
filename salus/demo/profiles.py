"""What Verdania's violence looks like, as data: offence mix, contexts, weapons, victims.

The shares are invented but in the range published for Latin America and the Caribbean (UNODC
Global Study on Homicide 2023; Small Arms Survey): about two homicides in three by firearm, about
nine homicide victims in ten male and most of them aged 15–29, women the large majority of
intimate-partner victims, more firearms in organised-crime killings and more knives at home.
Codes are those of the taxonomies in :mod:`salus.domain.taxonomies` (ICCS, ``iccs_context``,
``weapon``, ``misuse_context``, ``location_type``, ``relationship``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Weights = dict[str, float]

# age-band weights (sdg: 0-14, 15-29, 30-44, 45-59, 60+)
YOUNG_MALE = (0.03, 0.52, 0.29, 0.11, 0.05)
YOUNG_FEMALE = (0.07, 0.40, 0.30, 0.15, 0.08)
PARTNER = (0.0, 0.38, 0.40, 0.16, 0.06)
FAMILY = (0.18, 0.22, 0.22, 0.18, 0.20)
ADULT = (0.06, 0.38, 0.30, 0.17, 0.09)
CHILD_HEAVY = (0.25, 0.35, 0.20, 0.12, 0.08)
SEXUAL = (0.30, 0.45, 0.17, 0.06, 0.02)

STREET = {
    "street_public": 0.62,
    "commercial": 0.12,
    "dwelling": 0.12,
    "rural_open": 0.08,
    "other": 0.06,
}
HOME = {"dwelling": 0.8, "street_public": 0.12, "other": 0.08}


@dataclass(frozen=True, slots=True)
class Context:
    """One situational context of an offence and what follows from it."""

    female: float
    """Probability that a victim is a woman or girl."""
    ages: tuple[float, ...]
    weapons: Weights
    locations: Weights
    relationships: Weights
    victims: tuple[float, ...] = (1.0,)
    """Weights of 1, 2, 3… victims per incident."""
    perpetrator: float = 0.0
    """Probability that a suspect is known."""
    misuse: str = "crime"
    """SEESAC firearm-misuse context when a firearm is used."""
    female_ages: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Offence:
    """An ICCS offence with its share of all true events and its contexts."""

    iccs: str
    share: float
    contexts: dict[str | None, tuple[float, Context]]
    attempted: bool = False
    outcome: str = "killed"
    urban_power: float = 1.0
    """How much more often it happens in urban places (exponent on the setting factor)."""
    hotspot: bool = True
    """Whether the emerging hotspots raise it."""
    legal_status: Weights = field(
        default_factory=lambda: {
            "illegal": 0.55,
            "unknown": 0.3,
            "legal": 0.08,
            "illegally_modified_or_converted": 0.07,
        }
    )


GANGS = Context(
    0.04,
    YOUNG_MALE,
    {"firearm": 0.88, "sharp": 0.06, "blunt": 0.02, "other": 0.02, "unknown": 0.02},
    STREET,
    {"unknown": 0.6, "other_known": 0.2, "stranger": 0.2},
    (0.86, 0.09, 0.03, 0.015, 0.015),
    0.15,
    female_ages=YOUNG_FEMALE,
)
OTHER_CRIME = Context(
    0.08,
    YOUNG_MALE,
    {"firearm": 0.72, "sharp": 0.18, "blunt": 0.05, "other": 0.02, "unknown": 0.03},
    {"street_public": 0.45, "commercial": 0.35, "public_transport": 0.1, "dwelling": 0.1},
    {"stranger": 0.7, "unknown": 0.3},
    (0.97, 0.03),
    0.25,
    female_ages=YOUNG_FEMALE,
)
INTERPERSONAL = Context(
    0.07,
    YOUNG_MALE,
    {"firearm": 0.50, "sharp": 0.32, "blunt": 0.12, "other": 0.03, "unknown": 0.03},
    {"street_public": 0.55, "commercial": 0.2, "dwelling": 0.15, "other": 0.1},
    {"other_known": 0.6, "stranger": 0.2, "unknown": 0.2},
    (0.97, 0.03),
    0.45,
    female_ages=YOUNG_FEMALE,
)
PARTNER_CTX = Context(
    0.84,
    PARTNER,
    {"firearm": 0.35, "sharp": 0.38, "blunt": 0.12, "other": 0.12, "unknown": 0.03},
    HOME,
    {"intimate_partner": 1.0},
    perpetrator=0.85,
    misuse="domestic_violence",
)
FAMILY_CTX = Context(
    0.45,
    FAMILY,
    {"firearm": 0.33, "sharp": 0.35, "blunt": 0.2, "other": 0.09, "unknown": 0.03},
    HOME,
    {"family_member": 1.0},
    perpetrator=0.7,
    misuse="domestic_violence",
)
POLITICAL = Context(
    0.15,
    ADULT,
    {"firearm": 0.92, "explosive": 0.03, "sharp": 0.03, "unknown": 0.02},
    STREET,
    {"unknown": 1.0},
    misuse="other",
)
UNKNOWN = Context(
    0.06,
    YOUNG_MALE,
    {"firearm": 0.62, "sharp": 0.15, "blunt": 0.05, "other": 0.03, "unknown": 0.15},
    {"street_public": 0.4, "rural_open": 0.25, "unknown": 0.25, "dwelling": 0.1},
    {"unknown": 1.0},
    (0.95, 0.04, 0.01),
    misuse="unknown",
    female_ages=YOUNG_FEMALE,
)

HOMICIDE_CONTEXTS: dict[str | None, tuple[float, Context]] = {
    "organized_crime_gangs": (0.34, GANGS),
    "other_crime": (0.12, OTHER_CRIME),
    "interpersonal_other": (0.26, INTERPERSONAL),
    "intimate_partner": (0.07, PARTNER_CTX),
    "family_member": (0.04, FAMILY_CTX),
    "political": (0.01, POLITICAL),
    "unknown": (0.16, UNKNOWN),
}
ASSAULT_WEAPONS = {"blunt": 0.28, "sharp": 0.27, "firearm": 0.12, "other": 0.25, "unknown": 0.08}


def _assault(ctx: Context) -> Context:
    return Context(
        ctx.female,
        ctx.ages,
        ASSAULT_WEAPONS,
        ctx.locations,
        ctx.relationships,
        (1.0,),
        ctx.perpetrator,
        ctx.misuse,
        ctx.female_ages,
    )


ASSAULT_CONTEXTS: dict[str | None, tuple[float, Context]] = {
    "interpersonal_other": (0.50, _assault(INTERPERSONAL)),
    "intimate_partner": (
        0.25,
        _assault(
            Context(
                0.9,
                PARTNER,
                {},
                HOME,
                {"intimate_partner": 1.0},
                perpetrator=0.9,
                misuse="domestic_violence",
            )
        ),
    ),
    "family_member": (
        0.10,
        _assault(
            Context(
                0.55,
                FAMILY,
                {},
                HOME,
                {"family_member": 1.0},
                perpetrator=0.8,
                misuse="domestic_violence",
            )
        ),
    ),
    "other_crime": (0.05, _assault(OTHER_CRIME)),
    "unknown": (0.10, _assault(UNKNOWN)),
}
ROBBERY = Context(
    0.38,
    ADULT,
    {"firearm": 0.42, "sharp": 0.38, "blunt": 0.08, "other": 0.07, "unknown": 0.05},
    {"street_public": 0.5, "commercial": 0.3, "public_transport": 0.15, "dwelling": 0.05},
    {"stranger": 0.85, "unknown": 0.15},
    perpetrator=0.2,
)
POSSESSION = Context(
    0.05,
    YOUNG_MALE,
    {"firearm": 1.0},
    {"street_public": 0.6, "dwelling": 0.2, "commercial": 0.1, "other": 0.1},
    {},
    (),
    1.0,
)
ACCIDENT = Context(
    0.2,
    CHILD_HEAVY,
    {"firearm": 1.0},
    {"dwelling": 0.6, "rural_open": 0.3, "other": 0.1},
    {"family_member": 0.5, "other_known": 0.3, "unknown": 0.2},
    misuse="accident",
)
CELEBRATORY = Context(
    0.45,
    CHILD_HEAVY,
    {"firearm": 1.0},
    {"street_public": 0.6, "dwelling": 0.4},
    {"stranger": 0.7, "unknown": 0.3},
    misuse="celebratory_shooting",
)
SEXUAL_CONTEXTS: dict[str | None, tuple[float, Context]] = {
    "intimate_partner": (0.28, Context(0.92, SEXUAL, {}, HOME, {"intimate_partner": 1.0})),
    "family_member": (0.22, Context(0.92, SEXUAL, {}, HOME, {"family_member": 1.0})),
    "interpersonal_other": (0.25, Context(0.92, SEXUAL, {}, HOME, {"other_known": 1.0})),
    "unknown": (
        0.25,
        Context(
            0.92,
            SEXUAL,
            {},
            {"street_public": 0.5, "dwelling": 0.3, "other": 0.2},
            {"stranger": 0.6, "unknown": 0.4},
        ),
    ),
}

OFFENCES: tuple[Offence, ...] = (
    Offence("0101", 0.34, HOMICIDE_CONTEXTS),
    Offence("0102", 0.14, HOMICIDE_CONTEXTS, attempted=True, outcome="injured"),
    Offence("020111", 0.20, ASSAULT_CONTEXTS, outcome="injured"),
    Offence("0401", 0.17, {"other_crime": (1.0, ROBBERY)}, outcome="unharmed", urban_power=2.0),
    Offence(
        "090111",
        0.09,
        {None: (1.0, POSSESSION)},
        outcome="unharmed",
        legal_status={"illegal": 0.8, "illegally_modified_or_converted": 0.15, "unknown": 0.05},
    ),
    Offence(
        "0103",
        0.015,
        {None: (1.0, ACCIDENT)},
        urban_power=-0.5,
        hotspot=False,
        legal_status={"legal": 0.45, "illegal": 0.35, "unknown": 0.2},
    ),
    Offence("03011", 0.045, SEXUAL_CONTEXTS, outcome="injured", hotspot=False),
)
CELEBRATORY_SHARE = 0.3
"""Share of non-intentional firearm deaths that are celebratory shootings (on feast days)."""
ROBBERY_INJURED = 0.22
SECURITY_FORCE_SHARE = 0.12
"""Share of firearm homicides of unknown context attributed to security-force action."""
FIREARM_TYPES = {
    "revolver_pistol": 0.68,
    "rifle_carbine": 0.06,
    "assault_rifle": 0.06,
    "submachine_gun": 0.04,
    "firearm_other_unknown": 0.16,
}
GANG_FIREARM_TYPES = {
    "revolver_pistol": 0.58,
    "rifle_carbine": 0.05,
    "assault_rifle": 0.14,
    "submachine_gun": 0.08,
    "firearm_other_unknown": 0.15,
}
SETTING_FACTOR = {"urban": 1.5, "intermediate": 1.0, "rural": 0.6}
NIGHT_HOURS = (5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6, 7, 8, 8, 7)
"""Relative weight of each hour of the day (violence peaks in the evening and at night)."""
