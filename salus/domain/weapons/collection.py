"""Collection campaigns and destruction events: their code lists and rules (issue 13).

* **Collection** — ISACS/MOSAIC 05.40 *Collection of illicit and unwanted SALW*: a campaign has a
  kind (voluntary surrender, amnesty, weapons-for-development, buy-back…; code list
  ``taxonomies/collection_campaign_kind.yaml``), an area, a period and the collecting agency;
  each weapon handed in during it is a ``surrendered`` event that names the campaign.
* **Destruction** — ISACS/MOSAIC 05.50 *Destruction: weapons* (and IATG 10.10 for ammunition):
  a destruction event (a *batch*) has a certificate number, a method (code list
  ``taxonomies/destruction_method.yaml``: cutting, crushing, shredding, smelting, burning, open
  detonation for ammunition), a place, a date, the verifying body and witnesses and the
  collecting agency. It holds weapons (each one's lifecycle moves to ``destroyed`` through the
  registry's lifecycle rules), loose **parts** counted by kind
  (``taxonomies/weapon_part_kind.yaml``, the essential components of ITI §8(c)) and
  **ammunition** counted by calibre.
* **Stockpile accounting** — ISACS/MOSAIC 05.20: what is collected and destroyed is reported
  per period, area, category and agency (:data:`MEASURES`).

Pure Python: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from salus.domain import taxonomy
from salus.domain.weapons.registry import ArmsRuleError, DestructionMethod, EventType

MAX_QUANTITY = 100_000_000
"""Largest quantity one destruction line may hold (a lot of rounds), to catch typing errors."""


class CampaignKind(StrEnum):
    """Kinds of collection programme (MOSAIC 05.40 §§6–8)."""

    VOLUNTARY_SURRENDER = "voluntary_surrender"
    AMNESTY = "amnesty"
    WEAPONS_FOR_DEVELOPMENT = "weapons_for_development"
    BUY_BACK = "buy_back"
    OTHER = "other"


class ItemKind(StrEnum):
    """What a destruction line that is not a registered weapon counts."""

    PART = "part"
    AMMUNITION = "ammunition"


def part_kinds() -> tuple[str, ...]:
    """Codes of ``weapon_part_kind.yaml`` (frame, receiver, slide, barrel…), in file order."""
    return tuple(taxonomy.load("weapon_part_kind").codes)


def method_codes() -> tuple[str, ...]:
    """Codes of ``destruction_method.yaml`` (the values of :class:`DestructionMethod`)."""
    return tuple(taxonomy.load("destruction_method").codes)


def campaign_kinds() -> tuple[str, ...]:
    """Codes of ``collection_campaign_kind.yaml``."""
    return tuple(taxonomy.load("collection_campaign_kind").codes)


@dataclass(frozen=True, slots=True)
class DestructionItem:
    """Parts (``part_kind``) or ammunition (``calibre``) destroyed in a batch, by quantity."""

    kind: ItemKind
    quantity: int
    part_kind: str | None = None
    calibre: str | None = None
    description: str | None = None


def item_errors(item: DestructionItem) -> list[ArmsRuleError]:
    """What is wrong with one destruction line: an unknown kind, a part without a known part
    kind, ammunition without a calibre, a quantity that is not 1 to :data:`MAX_QUANTITY`."""
    out: list[ArmsRuleError] = []
    if item.kind not in {k.value for k in ItemKind}:
        out.append(ArmsRuleError("item.kind", "kind", item.kind, "part or ammunition"))
        return out
    if ItemKind(item.kind) is ItemKind.PART:
        if item.part_kind not in part_kinds():
            out.append(ArmsRuleError("item.part_kind", "part_kind", item.part_kind,
                                     f"one of {', '.join(part_kinds())}"))
    elif not (item.calibre or "").strip():
        out.append(ArmsRuleError("required", "calibre", item.calibre,
                                 "ammunition is counted by calibre"))
    out += text_errors({"calibre": item.calibre, "description": item.description})
    if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) \
            or not 1 <= item.quantity <= MAX_QUANTITY:
        out.append(ArmsRuleError("item.quantity", "quantity", item.quantity,
                                 f"a whole number from 1 to {MAX_QUANTITY:,}"))
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_errors(values: dict[str, str | Sequence[str] | None]) -> list[ArmsRuleError]:
    """Text fields holding NUL or other control characters (PostgreSQL refuses NUL; none
    belongs in a record): one error per field, naming it."""
    out = []
    for name, value in values.items():
        items = [value] if isinstance(value, str) else list(value or ())
        if any(_CONTROL.search(v) for v in items):
            out.append(ArmsRuleError("text.control", name, value,
                                     "contains control characters"))
    return out


def method_errors(method: str) -> list[ArmsRuleError]:
    """An unknown destruction method (the code list and the enum agree, see the tests)."""
    if method in {m.value for m in DestructionMethod}:
        return []
    return [ArmsRuleError("batch.method", "method", method,
                          f"one of {', '.join(m.value for m in DestructionMethod)}")]


class Measure(StrEnum):
    """Figures of the collection and destruction report (what annual reports quote)."""

    COLLECTED = "collected"
    """Weapons that came into state hands: surrendered, seized or found."""
    SURRENDERED = "surrendered"
    SEIZED = "seized"
    FOUND = "found"
    DESTROYED = "destroyed"


MEASURES = tuple(Measure)
EVENT_MEASURES: dict[EventType, Measure] = {
    EventType.SURRENDERED: Measure.SURRENDERED,
    EventType.SEIZED: Measure.SEIZED,
    EventType.FOUND: Measure.FOUND,
    EventType.DESTROYED: Measure.DESTROYED,
}
"""The lifecycle events each measure counts (``collected`` is the sum of the first three)."""
COLLECTED_PARTS = (Measure.SURRENDERED, Measure.SEIZED, Measure.FOUND)
