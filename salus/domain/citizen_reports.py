"""Citizen reports (issue 7, section 3): categories, workflow, SMS text format, spam signals.

Pure Python. The category list is data (STYLE.md §7): each code carries its English label
(translated in the web catalogs ``reports.po``) and the ICCS v1.0 code, situational context and
sensitivity an incident made from a verified report starts with (the verifier may change them).

Workflow (as in Ushahidi's "review → verified / archived" and the UNDP safety-network guidance
that nothing reaches the public before a person has checked it)::

    unverified → verified | rejected | duplicate (of another report)
    verified   → published (a separate step, a separate permission)
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

UNCLASSIFIED = "unclassified"


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str
    iccs_code: str | None
    iccs_context: str | None = None
    sensitivity: str = "restricted"
    synonyms: tuple[str, ...] = ()


CATEGORIES: dict[str, Category] = {c.code: c for c in (
    Category("killing", "Killing or death", "0101", synonyms=(
        "KILLING", "MURDER", "MEURTRE", "HOMICIDE", "HOMICIDIO", "ASESINATO", "УБИЙСТВО",
        "قتل", "杀人")),
    Category("shooting", "Gunfire or weapon use", "090111", synonyms=(
        "SHOOTING", "GUNFIRE", "GUN", "TIRS", "TIR", "DISPAROS", "TIROTEO", "СТРЕЛЬБА",
        "إطلاق", "枪击")),
    Category("assault", "Physical assault", "0201", synonyms=(
        "ASSAULT", "AGRESSION", "AGRESION", "AGRESIÓN", "НАПАДЕНИЕ", "اعتداء", "袭击")),
    Category("threat", "Threats, intimidation or harassment", "0208", synonyms=(
        "THREAT", "MENACE", "AMENAZA", "УГРОЗА", "تهديد", "威胁")),
    Category("sexual_violence", "Sexual violence", "03", None, "gbv", synonyms=(
        "SEXUAL", "VIOL", "VIOLACION", "VIOLACIÓN", "ИЗНАСИЛОВАНИЕ", "اغتصاب", "性暴力")),
    Category("domestic_violence", "Domestic or family violence", "0201",
             "interpersonal_partner_family", "gbv", synonyms=(
                 "DOMESTIC", "CONJUGALE", "DOMESTICA", "DOMÉSTICA", "СЕМЕЙНОЕ", "أسري",
                 "家暴")),
    Category("robbery", "Robbery", "0401", synonyms=(
        "ROBBERY", "VOL", "ROBO", "ATRACO", "ОГРАБЛЕНИЕ", "سطو", "抢劫")),
    Category("kidnapping", "Kidnapping or abduction", "020221", synonyms=(
        "KIDNAPPING", "ENLEVEMENT", "ENLÈVEMENT", "SECUESTRO", "ПОХИЩЕНИЕ", "اختطاف", "绑架")),
    Category("unrest", "Unrest, riot or intercommunal tension", "08", synonyms=(
        "UNREST", "RIOT", "EMEUTE", "ÉMEUTE", "DISTURBIO", "БЕСПОРЯДКИ", "شغب", "骚乱")),
    Category("other", "Other", "11", synonyms=("OTHER", "AUTRE", "OTRO", "ДРУГОЕ", "أخرى",
                                               "其他")),
    Category(UNCLASSIFIED, "Not yet classified", None),
)}
"""Report categories, in the order the form lists them (``unclassified``: SMS fallback)."""

FORM_CATEGORIES = tuple(code for code in CATEGORIES if code != UNCLASSIFIED)

CHANNELS = ("web", "sms", "api")
STATUSES = ("unverified", "verified", "rejected", "duplicate")
TRANSITIONS: dict[str, frozenset[str]] = {
    "unverified": frozenset({"verified", "rejected", "duplicate"}),
    "verified": frozenset(),
    "rejected": frozenset(),
    "duplicate": frozenset(),
}

MAX_DESCRIPTION = 4000
MAX_SMS_TEXT = 1600
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
)
"""Magic bytes of the accepted image types (the declared content type is not trusted)."""

COARSE_DECIMALS = 1
"""Public views round points to one decimal degree (about 11 km), like UCDP GED admin-2."""

KEYWORDS: dict[str, str] = {
    "REPORT": "en", "ALERT": "en", "SIGNALEMENT": "fr", "SIGNALER": "fr", "ALERTE": "fr",
    "DENUNCIA": "es", "REPORTE": "es", "REPORTAR": "es", "СООБЩЕНИЕ": "ru", "ЖАЛОБА": "ru",
    "بلاغ": "ar", "تبليغ": "ar", "举报": "zh", "报告": "zh",
}
"""First word of a structured message and the language it implies (for the reply)."""

REPLIES: dict[str, tuple[str, str]] = {
    "en": ("Thank you. Your report was received. Reference: {ref}",
           "Too many reports from this number. Please try again later."),
    "fr": ("Merci. Votre signalement a été reçu. Référence : {ref}",
           "Trop de signalements depuis ce numéro. Réessayez plus tard."),
    "es": ("Gracias. Su reporte fue recibido. Referencia: {ref}",
           "Demasiados reportes desde este número. Inténtelo más tarde."),
    "ru": ("Спасибо. Ваше сообщение получено. Номер: {ref}",
           "Слишком много сообщений с этого номера. Попробуйте позже."),
    "ar": ("شكرا. تم استلام بلاغك. المرجع: {ref}",
           "عدد كبير جدا من البلاغات من هذا الرقم. حاول لاحقا."),
    "zh": ("谢谢。您的举报已收到。编号：{ref}", "该号码的举报过多，请稍后再试。"),
}

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|net|org|ru|xyz|info|top|biz)\b)",
                   re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,24}$")


def new_reference() -> str:
    """A reference code for the acknowledgement: ``R-`` and 8 Crockford base32 characters
    (40 random bits; the unique constraint catches the rare collision)."""
    return "R-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def sniff_image(data: bytes) -> str | None:
    """The image type of ``data`` by its magic bytes, or None when it is not one we accept."""
    for signature, offset, mime in PHOTO_SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            if mime == "image/webp" and data[:4] != b"RIFF":
                continue
            return mime
    return None


def normalise_phone(value: str) -> str | None:
    """``+`` and digits only (spaces, dots, dashes and brackets dropped); None if not a number."""
    compact = re.sub(r"[\s().-]", "", value)
    return compact if _PHONE.match(compact) else None


def contact_kind(value: str) -> str | None:
    """``phone``, ``email`` or None (neither)."""
    if normalise_phone(value):
        return "phone"
    return "email" if _EMAIL.match(value.strip()) else None


def coarse_point(longitude: float | None, latitude: float | None) -> tuple[float, float] | None:
    if longitude is None or latitude is None:
        return None
    return (round(longitude, COARSE_DECIMALS), round(latitude, COARSE_DECIMALS))


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """What a structured text message says; ``category`` is ``unclassified`` when unknown."""

    category: str
    area_code: str | None
    description: str
    language: str
    structured: bool


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word).strip(".,:;!-").upper()


def _synonyms() -> dict[str, str]:
    out: dict[str, str] = {}
    for category in CATEGORIES.values():
        out[_fold(category.code)] = category.code
        for word in category.synonyms:
            out[_fold(word)] = category.code
    return out


SYNONYMS = _synonyms()


def parse_message(text: str, area_codes: set[str]) -> ParsedMessage:
    """Parse ``<KEYWORD> [<category>] [<area code>] <free text>`` (keywords and category words
    in six languages, any case). Anything that does not follow the format is kept whole as
    the description of an ``unclassified`` report: a message is never rejected for its form."""
    words = text.split()
    if not words or _fold(words[0]) not in KEYWORDS:
        return ParsedMessage(UNCLASSIFIED, None, text.strip(), "en", False)
    language = KEYWORDS[_fold(words[0])]
    rest = words[1:]
    category = UNCLASSIFIED
    if rest and _fold(rest[0]) in SYNONYMS:
        category = SYNONYMS[_fold(rest[0])]
        rest = rest[1:]
    area = None
    upper = {code.upper(): code for code in area_codes}
    if rest and _fold(rest[0]) in upper:
        area = upper[_fold(rest[0])]
        rest = rest[1:]
    return ParsedMessage(category, area, " ".join(rest), language, True)


@dataclass(frozen=True, slots=True)
class SpamSignals:
    """Heuristic flags; a flagged report is stored (nothing is lost) and shown to reviewers
    first as "possible spam"."""

    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def suspicious(self) -> bool:
        return bool(self.flags)


def spam_signals(text: str, *, honeypot: str = "", repeats: int = 0) -> SpamSignals:
    """Links, one character or word repeated over and over, a filled honeypot field, or the
    same text already received from this client or number (``repeats``)."""
    flags = []
    if honeypot.strip():
        flags.append("honeypot")
    if _LINK.search(text):
        flags.append("link")
    if re.search(r"(.)\1{19,}", text):
        flags.append("repeated_characters")
    words = text.lower().split()
    if len(words) >= 12 and len(set(words)) / len(words) < 0.25:
        flags.append("repeated_words")
    if repeats:
        flags.append("repeated_text")
    return SpamSignals(tuple(flags))
