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

CHANNELS = ("web", "sms", "api", "operator")
REPORTED_VIA = ("phone", "walk_in", "radio", "letter", "other")
"""How a caller reached a hotline operator (``citizen_report.reported_via``, issue 13): an
``operator`` report keeps the reporter's own channel beside the operator who typed it."""
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


# ---------------------------------------------------------------- status look-up and replies

STATUS_KEYWORDS: dict[str, str] = {
    "STATUS": "en", "STATUT": "fr", "ÉTAT": "fr", "ETAT": "fr", "ESTADO": "es",
    "СТАТУС": "ru", "حالة": "ar", "状态": "zh", "查询": "zh",
}
"""First word of a status request (``STATUS R-7K3M9QX2``) and the language of the answer."""

_REFERENCE = re.compile(r"^R-?([0-9A-Z]{8})$")


def parse_reference(text: str) -> str | None:
    """``R-`` and 8 Crockford base32 characters, as typed (any case, with or without the dash,
    O/I/L read as 0/1/1 as Crockford's decoding does); None when it cannot be a reference."""
    compact = re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()
    compact = compact.translate(str.maketrans("OIL", "011"))
    found = _REFERENCE.match(compact)
    return "R-" + found.group(1) if found else None


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """``STATUS R-…`` in one of six languages: the answer's language and the reference (None
    when the second word is not a reference)."""

    language: str
    reference: str | None


def parse_status_request(text: str) -> StatusRequest | None:
    """The status request ``text`` makes, or None when it is not one (then it is a report)."""
    words = text.split()
    if not words or _fold(words[0]) not in STATUS_KEYWORDS:
        return None
    return StatusRequest(STATUS_KEYWORDS[_fold(words[0])],
                         parse_reference("".join(words[1:3])) if len(words) > 1 else None)


STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {"unverified": "received, waiting to be checked", "verified": "verified",
           "rejected": "not confirmed", "duplicate": "already reported by someone else"},
    "fr": {"unverified": "reçu, en attente de vérification", "verified": "vérifié",
           "rejected": "non confirmé", "duplicate": "déjà signalé par quelqu'un d'autre"},
    "es": {"unverified": "recibido, pendiente de verificación", "verified": "verificado",
           "rejected": "no confirmado", "duplicate": "ya reportado por otra persona"},
    "ru": {"unverified": "получено, ожидает проверки", "verified": "подтверждено",
           "rejected": "не подтверждено", "duplicate": "уже сообщено другим человеком"},
    "ar": {"unverified": "تم الاستلام، في انتظار التحقق", "verified": "تم التحقق",
           "rejected": "لم يتم التأكيد", "duplicate": "تم الإبلاغ عنه من قبل شخص آخر"},
    "zh": {"unverified": "已收到，等待核实", "verified": "已核实", "rejected": "未证实",
           "duplicate": "已有他人举报"},
}
"""The only thing a status look-up reveals: one of these labels, in the asker's language."""

STATUS_REPLIES: dict[str, tuple[str, str, str]] = {
    "en": ("Report {ref}: {status}.", "No report has the reference {ref}.",
           "Send STATUS and your reference, e.g. STATUS R-7K3M9QX2."),
    "fr": ("Signalement {ref} : {status}.", "Aucun signalement n'a la référence {ref}.",
           "Envoyez STATUT et votre référence, par ex. STATUT R-7K3M9QX2."),
    "es": ("Reporte {ref}: {status}.", "Ningún reporte tiene la referencia {ref}.",
           "Envíe ESTADO y su referencia, p. ej. ESTADO R-7K3M9QX2."),
    "ru": ("Сообщение {ref}: {status}.", "Нет сообщения с номером {ref}.",
           "Отправьте СТАТУС и номер, например СТАТУС R-7K3M9QX2."),
    "ar": ("البلاغ {ref}: {status}.", "لا يوجد بلاغ بالمرجع {ref}.",
           "أرسل حالة والمرجع، مثلا حالة R-7K3M9QX2."),
    "zh": ("举报 {ref}：{status}。", "没有编号为 {ref} 的举报。",
           "请发送 状态 和编号，例如 状态 R-7K3M9QX2。"),
}
"""(answer, unknown reference, how to ask) per language."""

LIMIT_LOOKUP: dict[str, str] = {
    "en": "Too many look-ups from this number. Please try again later.",
    "fr": "Trop de demandes depuis ce numéro. Réessayez plus tard.",
    "es": "Demasiadas consultas desde este número. Inténtelo más tarde.",
    "ru": "Слишком много запросов с этого номера. Попробуйте позже.",
    "ar": "عدد كبير جدا من الاستعلامات من هذا الرقم. حاول لاحقا.",
    "zh": "该号码的查询过多，请稍后再试。",
}


def status_reply(language: str, reference: str | None, status: str | None) -> str:
    """The text answering a status request: the status label only, nothing else."""
    answer, unknown, usage = STATUS_REPLIES.get(language, STATUS_REPLIES["en"])
    if reference is None:
        return usage
    if status is None:
        return unknown.format(ref=reference)
    words = STATUS_WORDS.get(language, STATUS_WORDS["en"])
    return answer.format(ref=reference, status=words.get(status, status))


UPDATE_EVENTS = ("verified", "rejected", "duplicate", "published")
"""Decisions on a report that send the reporter a message (when they gave a number and agreed):
checked and confirmed, not confirmed, merged with another report, acted on (made public)."""

UPDATES: dict[str, dict[str, str]] = {
    "en": {"verified": "Your report {ref} was checked and confirmed. Thank you.",
           "rejected": "Your report {ref} was checked but could not be confirmed. Thank you.",
           "duplicate": "Your report {ref} was already reported by someone else. Thank you.",
           "published": "Your report {ref} was acted on: a summary is now public."},
    "fr": {"verified": "Votre signalement {ref} a été vérifié et confirmé. Merci.",
           "rejected": "Votre signalement {ref} a été examiné mais n'a pas pu être confirmé. "
                       "Merci.",
           "duplicate": "Votre signalement {ref} avait déjà été fait par quelqu'un d'autre. "
                        "Merci.",
           "published": "Votre signalement {ref} a été suivi d'effet : un résumé est public."},
    "es": {"verified": "Su reporte {ref} fue revisado y confirmado. Gracias.",
           "rejected": "Su reporte {ref} fue revisado pero no pudo confirmarse. Gracias.",
           "duplicate": "Su reporte {ref} ya había sido enviado por otra persona. Gracias.",
           "published": "Se actuó sobre su reporte {ref}: un resumen ya es público."},
    "ru": {"verified": "Ваше сообщение {ref} проверено и подтверждено. Спасибо.",
           "rejected": "Ваше сообщение {ref} проверено, но не подтверждено. Спасибо.",
           "duplicate": "О событии из сообщения {ref} уже сообщил другой человек. Спасибо.",
           "published": "По вашему сообщению {ref} приняты меры: краткое описание опубликовано."},
    "ar": {"verified": "تم التحقق من بلاغك {ref} وتأكيده. شكرا.",
           "rejected": "تمت مراجعة بلاغك {ref} لكن لم يمكن تأكيده. شكرا.",
           "duplicate": "سبق أن أبلغ شخص آخر عما ورد في بلاغك {ref}. شكرا.",
           "published": "تم اتخاذ إجراء بشأن بلاغك {ref}: نُشر ملخص له."},
    "zh": {"verified": "您的举报 {ref} 已核实确认。谢谢。",
           "rejected": "您的举报 {ref} 已审核，但未能证实。谢谢。",
           "duplicate": "您举报的 {ref} 已有他人举报。谢谢。",
           "published": "您的举报 {ref} 已处理：摘要已公开。"},
}


def update_text(language: str | None, event: str, reference: str) -> str:
    """The message to the reporter after ``event``, in their language (English otherwise)."""
    return UPDATES.get(language or "en", UPDATES["en"])[event].format(ref=reference)


# ---------------------------------------------------------------- early-warning networks

NETWORK_CHANNELS = ("sms", "whatsapp", "email")
"""How a network member is reached (the provider adapter routes by channel)."""
NETWORK_ROLES = ("focal_point", "member", "monitor", "responder")
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")

BROADCASTS: dict[str, str] = {
    "en": "Early warning: {area}, {start} to {end}: {observed} incidents recorded "
          "(usually {expected}).",
    "fr": "Alerte précoce : {area}, du {start} au {end} : {observed} incidents enregistrés "
          "(habituellement {expected}).",
    "es": "Alerta temprana: {area}, del {start} al {end}: {observed} incidentes registrados "
          "(normalmente {expected}).",
    "ru": "Раннее предупреждение: {area}, с {start} по {end}: зарегистрировано {observed} "
          "инцидентов (обычно {expected}).",
    "ar": "إنذار مبكر: {area}، من {start} إلى {end}: سُجل {observed} حادثا (عادة {expected}).",
    "zh": "预警：{area}，{start} 至 {end}：记录到 {observed} 起事件（通常为 {expected} 起）。",
}


def broadcast_text(language: str, *, area: str, start: str, end: str, observed: float,
                   expected: float | None, note: str | None = None) -> str:
    """The alert message to one network member, in their language; the sender's note (as
    written) follows."""
    template = BROADCASTS.get(language, BROADCASTS["en"])
    text = template.format(area=area, start=start, end=end, observed=f"{observed:g}",
                           expected="?" if expected is None else f"{expected:.1f}")
    return f"{text} {note.strip()}" if note and note.strip() else text
