"""What Verdania's weapons look like, as data: makes, models, calibres, serial formats.

Real manufacturers and models common in civilian and state holdings of Latin America and
South-East Europe (SEESAC and Small Arms Survey country profiles), each with the serial-number
pattern it stamps (``A`` a capital letter, ``9`` a digit, anything else literal), the country of
manufacture (ISO 3166-1 alpha-3, as the International Tracing Instrument marks it) and the ways
clerks spell the maker's name — the variants serial search must tolerate. Categories are the UN
small-arms categories of ``salus/domain/taxonomies/weapon.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Model:
    """One model: its UN category, calibre, serial pattern and civilian share weight."""

    make: str
    model: str
    category: str
    calibre: str
    serial: str
    country: str
    weight: float
    civilian: bool = True


MAKE_VARIANTS: dict[str, tuple[str, ...]] = {
    "Glock": ("Glock", "GLOCK GmbH", "Glock Ges.m.b.H."),
    "Česká zbrojovka": ("Česká zbrojovka", "CZ", "Ceska Zbrojovka", "CZUB"),
    "Beretta": ("Beretta", "Pietro Beretta", "Fabbrica d'Armi Pietro Beretta"),
    "Zastava": ("Zastava", "Zastava Arms", "Zastava Oružje", "Crvena Zastava"),
    "Taurus": ("Taurus", "Forjas Taurus", "Taurus Armas"),
    "Smith & Wesson": ("Smith & Wesson", "S&W", "Smith and Wesson"),
    "Remington": ("Remington", "Remington Arms", "REM"),
    "Kalashnikov": ("Kalashnikov", "Izhmash", "Kalashnikov Concern"),
    "Heckler & Koch": ("Heckler & Koch", "H&K", "HK", "Heckler und Koch"),
    "FN Herstal": ("FN Herstal", "FN", "Fabrique Nationale"),
    "Mossberg": ("Mossberg", "O.F. Mossberg & Sons"),
    "Sig Sauer": ("Sig Sauer", "SIG", "SIG-Sauer"),
    "Norinco": ("Norinco", "China North Industries"),
    "IMBEL": ("IMBEL", "Indústria de Material Bélico do Brasil"),
}

MODELS: tuple[Model, ...] = (
    Model("Glock", "17", "revolver_pistol", "9x19mm", "AAA999", "AUT", 9.0),
    Model("Glock", "19", "revolver_pistol", "9x19mm", "AAA999", "AUT", 7.0),
    Model("Česká zbrojovka", "75 B", "revolver_pistol", "9x19mm", "A999999", "CZE", 6.0),
    Model("Česká zbrojovka", "P-07", "revolver_pistol", "9x19mm", "A999999", "CZE", 3.0),
    Model("Beretta", "92FS", "revolver_pistol", "9x19mm", "AA99999A", "ITA", 5.0),
    Model("Zastava", "M57", "revolver_pistol", "7.62x25mm", "999999", "SRB", 4.0),
    Model("Zastava", "M70", "revolver_pistol", "7.65mm Browning", "A99999", "SRB", 3.0),
    Model("Taurus", "PT 92", "revolver_pistol", "9x19mm", "AAA99999", "BRA", 6.0),
    Model("Taurus", "Model 82", "revolver_pistol", ".38 Special", "AA999999", "BRA", 5.0),
    Model("Smith & Wesson", "Model 10", "revolver_pistol", ".38 Special", "A999999", "USA", 4.0),
    Model("Sig Sauer", "P226", "revolver_pistol", "9x19mm", "AA999999", "DEU", 2.0),
    Model("Remington", "700", "rifle_carbine", ".308 Winchester", "A9999999", "USA", 4.0),
    Model("Zastava", "M48", "rifle_carbine", "7.92x57mm Mauser", "A9999", "SRB", 2.0),
    Model("Česká zbrojovka", "457", "rifle_carbine", ".22 LR", "A999999", "CZE", 3.0),
    Model("Mossberg", "500", "rifle_carbine", "12 gauge", "A999999", "USA", 5.0),
    Model("Beretta", "A400", "rifle_carbine", "12 gauge", "AA999999", "ITA", 2.0),
    Model("Norinco", "SKS Type 56", "rifle_carbine", "7.62x39mm", "99999999", "CHN", 1.5),
    Model("Kalashnikov", "AKM", "assault_rifle", "7.62x39mm", "AA9999", "RUS", 2.0, False),
    Model("Zastava", "M70 AB2", "assault_rifle", "7.62x39mm", "999999", "SRB", 1.5, False),
    Model("Norinco", "Type 56", "assault_rifle", "7.62x39mm", "99999999", "CHN", 1.0, False),
    Model("IMBEL", "IA2", "assault_rifle", "5.56x45mm", "AA99999", "BRA", 0.8, False),
    Model("FN Herstal", "FAL", "assault_rifle", "7.62x51mm", "999999", "BEL", 0.7, False),
    Model("Heckler & Koch", "MP5", "submachine_gun", "9x19mm", "99-999999", "DEU", 0.8, False),
    Model("Zastava", "M84", "submachine_gun", "7.65mm Browning", "A99999", "SRB", 0.6, False),
    Model("FN Herstal", "Minimi", "light_machine_gun", "5.56x45mm", "9999999", "BEL", 0.2,
          False),
    Model("Zastava", "M72", "light_machine_gun", "7.62x39mm", "999999", "SRB", 0.2, False),
)

CIVILIAN_MODELS = tuple(m for m in MODELS if m.civilian)
ILLICIT_MODELS = MODELS
"""Illicit holdings include military patterns diverted from state stocks."""

CALIBRES: tuple[tuple[str, float], ...] = (
    ("9x19mm", 10),
    ("7.62x39mm", 9),
    (".38 Special", 6),
    ("12 gauge", 8),
    ("5.56x45mm", 4),
    (".22 LR", 3),
    ("7.62x51mm", 3),
)
"""Ammunition calibres held in the state stockpiles, with weights."""

AMMUNITION_MAKERS = ("Prvi Partizan", "Sellier & Bellot", "CBC", "Norinco", "IMI Systems")
"""Makers of the lots in the state stockpiles."""
HAZARD_DIVISIONS = ("1.1", "1.2", "1.3", "1.4")
"""UN hazard divisions of class 1 (IATG 01.50); small-arms ammunition is mostly 1.4."""

LICENCE_TYPES: dict[str, tuple[str, ...]] = {
    "person": ("possession", "carry", "hunting", "sport", "collector"),
    "shooting_club": ("sport",),
    "security_company": ("security_company",),
    "dealer": ("dealer",),
    "hunting_association": ("hunting",),
}
LICENCE_WEIGHTS = (0.42, 0.12, 0.26, 0.15, 0.05)
"""Shares of the licence types held by private persons."""
LICENCE_YEARS = {"possession": 5, "carry": 2, "hunting": 5, "sport": 5, "collector": 10,
                 "security_company": 3, "dealer": 3}
"""Validity of each licence type, in years."""
CONDITIONS = {
    "carry": "Concealed carry in urban areas only; not in bars, stadiums or public meetings",
    "hunting": "Long guns only; hunting season and licensed grounds",
    "sport": "Transport unloaded to and from the registered range",
    "collector": "Deactivated or historic firearms; kept in a certified safe",
    "security_company": "On duty only; weapons kept in the company armoury",
    "dealer": "Sale only to licence holders; monthly return to the registry",
    "possession": "Kept at the registered address in a locked cabinet",
}

ENTITY_NAMES = {
    "shooting_club": ("Club de Tiro {}", "Sociedad Deportiva de Tiro {}"),
    "security_company": ("Seguridad {} S.A.", "Vigilancia {} Ltda.", "Protecta {}"),
    "dealer": ("Armería {}", "Casa de Armas {}"),
    "hunting_association": ("Asociación de Cazadores de {}",),
}
ENTITY_COUNTS = {"shooting_club": 24, "security_company": 40, "dealer": 12,
                 "hunting_association": 18}
ENTITY_WEAPONS = {"shooting_club": (8, 30), "security_company": (15, 90), "dealer": (20, 80),
                  "hunting_association": (5, 20)}
"""Range of weapons each kind of legal entity holds."""

DESTRUCTION_METHODS = ("cutting", "crushing", "smelting")
SITE_KINDS = ("stockpile", "armoury", "evidence_room")
TRACE_RECIPIENTS = ("national_records", "manufacturer", "exporting_state", "interpol_iarms")
DIVERSION_POINTS = ("theft_from_civilian_owner", "theft_from_state_stockpile",
                    "illicit_import", "legal_export_diverted", "conversion")
"""Points of diversion (vocabulary of :mod:`salus.domain.weapons.tracing`)."""
