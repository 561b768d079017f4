"""Translated labels of the weapons registry's codes (event types, statuses, licence types…).

The codes come from :mod:`salus.domain.weapons.registry`, :mod:`salus.domain.weapons.stockpiles` and
:mod:`salus.domain.weapons.tracing`; an unknown code is shown as it is.
"""

from __future__ import annotations

from salus import i18n
from salus.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "event": {
        "manufactured": N_("Manufactured"), "imported": N_("Imported"),
        "registered": N_("Registered"), "transferred": N_("Transferred"),
        "reported_lost": N_("Reported lost"), "reported_stolen": N_("Reported stolen"),
        "seized": N_("Seized"), "found": N_("Found"), "surrendered": N_("Surrendered"),
        "stored": N_("Stored"), "deactivated": N_("Deactivated"), "destroyed": N_("Destroyed"),
        "correction": N_("Correction"),
    },
    "status": {
        "unregistered": N_("Unregistered"), "registered": N_("Registered"),
        "lost": N_("Lost"), "stolen": N_("Stolen"), "seized": N_("Seized"),
        "found": N_("Found"), "surrendered": N_("Surrendered"), "stored": N_("Stored"),
        "deactivated": N_("Deactivated"), "destroyed": N_("Destroyed"),
    },
    "licence_type": {
        "possession": N_("Possession"), "carry": N_("Carry"), "hunting": N_("Hunting"),
        "sport": N_("Sport shooting"), "collector": N_("Collector"),
        "security_company": N_("Security company"), "dealer": N_("Dealer"),
    },
    "licence_status": {
        "active": N_("Active"), "suspended": N_("Suspended"), "revoked": N_("Revoked"),
        "expired": N_("Expired"),
    },
    "owner_kind": {"person": N_("Person"), "entity": N_("Legal entity")},
    "site_kind": {
        "stockpile": N_("Stockpile"), "evidence_room": N_("Evidence room"),
        "armoury": N_("Armoury"), "collection_point": N_("Collection point"),
        "destruction_facility": N_("Destruction facility"),
    },
    "trace_status": {
        "draft": N_("Draft"), "sent": N_("Sent"), "answered": N_("Answered"),
        "partially_answered": N_("Partially answered"), "no_response": N_("No response"),
        "closed": N_("Closed"),
    },
    "outcome": {
        "traced_illicit": N_("Illicit origin established"),
        "traced_legal": N_("Legal origin, no diversion"),
        "not_traceable": N_("Not traceable"), "no_response": N_("No response"),
        "pending": N_("Pending"), "not_requested": N_("Not requested"),
    },
    "requested_to": {
        "national_records": N_("National records"), "manufacturer": N_("Manufacturer"),
        "exporting_state": N_("Exporting State"), "importing_state": N_("Importing State"),
        "interpol_iarms": N_("INTERPOL iARMS"), "investigation": N_("Own investigation"),
    },
    "diversion": {
        "theft_from_civilian_owner": N_("Theft from a civilian owner"),
        "loss_by_civilian_owner": N_("Loss by a civilian owner"),
        "loss_from_state_stockpile": N_("Loss from a state stockpile"),
        "theft_from_state_stockpile": N_("Theft from a state stockpile"),
        "illicit_manufacture": N_("Illicit manufacture"), "illicit_import": N_("Illicit import"),
        "legal_export_diverted": N_("Diverted legal export"), "conversion": N_("Conversion"),
        "unknown": N_("Unknown"),
    },
    "established_by": {
        "records_check": N_("Records check"), "trace_response": N_("Response to a trace"),
        "investigation": N_("Investigation"),
        "forensic_serial_restoration": N_("Forensic serial restoration"),
    },
    "recovery": {"seized": N_("Seized"), "found": N_("Found"), "surrendered": N_("Surrendered")},
}


def wlabel(kind: str, code: object) -> str:
    """The translated label of ``code`` in list ``kind`` ("" for None)."""
    if code is None or code == "":
        return ""
    text = LABELS.get(kind, {}).get(str(code))
    return i18n.gettext(text) if text else str(code)


def choices(kind: str) -> list[tuple[str, str]]:
    """``(code, translated label)`` pairs of one list, in declaration order."""
    return [(code, i18n.gettext(text)) for code, text in LABELS[kind].items()]
