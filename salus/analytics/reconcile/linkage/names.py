"""Normalised forms of victims' names for record linkage.

Institutions write the same name differently: with or without accents, in Cyrillic or Arabic
script or in one of several Latin transliterations (Юрий: Yuriy, Iouri, Yuri; محمد: Mohammed,
Muhammad, Mohamed), family name first or last, with one or both Hispanic surnames. Three forms
are derived, each order-free (tokens sorted), so that a swapped name order agrees exactly:

``clean``
    lower case Latin letters, diacritics removed, other scripts transliterated (Cyrillic with
    :mod:`anyascii`, close to BGN/PCGN; Arabic with the table below), punctuation dropped.
``phonetic``
    ``clean`` with the spelling variants of transliteration folded together (``kh``→``h``,
    ``ou``→``u``, ``ts``→``c``, ``y``/``j``→``i``, ``sh``/``ch``/``shch``→``x``, doubled letters
    once…), in the spirit of the Daitch–Mokotoff and Beider–Morse rules for names of Slavic and
    Semitic origin.
``skeleton``
    ``phonetic`` without vowels: Arabic script writes no short vowels, so Latin renderings of
    one Arabic name differ mostly in their vowels (Mohammed, Muhammad and محمد all give ``mhmd``).

Comparing these forms, and the token sets for compound surnames, is the job of
:mod:`salus.analytics.reconcile.linkage.settings` (Fellegi & Sunter 1969: agreement levels, each
with its
own weight).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

ARABIC_TO_LATIN = {
    "ا": "a", "أ": "", "إ": "i", "آ": "a", "ء": "", "ؤ": "", "ئ": "", "ى": "a", "ة": "",
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "و": "u", "ي": "i", "پ": "p", "چ": "ch", "گ": "g", "ک": "k", "ی": "y",
}
"""Arabic letters to Latin as the script writes them: consonants, and ``waw``/``ya`` as the long
vowels they mostly are in names; hamza and ʿayn, which Latin renderings usually omit, are
dropped."""

_GLUED_PREFIXES = frozenset({"al", "el", "abd", "bd", "abdel", "abdul"})
"""Arabic article and ``ʿabd`` ("servant of"): written apart or joined, part of one name."""
_ARABIC_RANGE = re.compile("[\u0600-\u06ff]")
_NOT_LETTER = re.compile(r"[^a-z]+")
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiou]")

PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    (r"x", "ks"), (r"shch|chtch|sch|tch|sh|ch", "x"),
    (r"^ye", "e"), (r"^iou", "iu"), (r"gue", "ge"), (r"gui", "gi"),
    (r"kh", "h"), (r"zh|dj", "j"), (r"ph", "f"), (r"th", "t"), (r"ck|qu|q", "k"),
    (r"ts|tz", "c"), (r"c(?=[eiy])", "s"), (r"c", "k"),
    (r"(?<=[^aeiouy])io(?=v)", "e"), (r"off$", "ov"), (r"ou", "u"), (r"oo", "u"),
    (r"ee", "i"), (r"w", "v"), (r"f", "v"), (r"[jy]", "i"),
)
"""Ordered rewrite rules of :func:`phonetic_token`."""

_COMPILED_RULES = tuple((re.compile(pattern), new) for pattern, new in PHONETIC_RULES)


@dataclass(frozen=True, slots=True)
class NameForms:
    """The three order-free forms of a full name (``None`` when no name is known)."""

    clean: str | None
    phonetic: str | None
    skeleton: str | None
    tokens: tuple[str, ...]
    keys: tuple[str, ...] = ()
    """Distinct skeleton tokens of two letters or more: blocking keys robust to a dropped
    surname, a swapped order or a typo in the other name."""


def to_latin(text: str) -> str:
    """Latin letters for any script: Arabic by :data:`ARABIC_TO_LATIN`, the rest by anyascii."""
    if _ARABIC_RANGE.search(text):
        text = "".join(ARABIC_TO_LATIN.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return anyascii(stripped)


@lru_cache(maxsize=200_000)
def clean_tokens(text: str | None) -> tuple[str, ...]:
    """Lower-case Latin tokens of a name; hyphens, apostrophes and articles' dashes split."""
    if not text:
        return ()
    latin = to_latin(text).lower().replace("'", "").replace("`", "")
    return tuple(t for t in _NOT_LETTER.split(latin) if t)


@lru_cache(maxsize=100_000)
def phonetic_token(token: str) -> str:
    """Fold the transliteration variants of one clean token (see :data:`PHONETIC_RULES`)."""
    out = token
    for pattern, new in _COMPILED_RULES:
        out = pattern.sub(new, out)
    return _DOUBLE.sub(r"\1", out)


@lru_cache(maxsize=100_000)
def skeleton_token(token: str) -> str:
    """Consonants of a phonetic token, doubled letters once (``muhammad`` → ``mhmd``)."""
    consonants = _VOWELS.sub("", phonetic_token(token))
    return _DOUBLE.sub(r"\1", consonants)


@lru_cache(maxsize=200_000)
def name_forms(given: str | None, family: str | None) -> NameForms:
    """The clean, phonetic and skeleton forms of a name, tokens sorted (order-free).

    The Arabic article and ``ʿabd`` are kept glued to the next word (``al-Hasan`` →
    ``alhasan``, ``عبد الله`` → ``bdalh``) so that they do not count as tokens of their own.
    """
    tokens = _join_articles([*clean_tokens(given), *clean_tokens(family)])
    if not tokens:
        return NameForms(None, None, None, ())
    phon = sorted(phonetic_token(t) for t in tokens)
    skel = sorted(s for s in (skeleton_token(t) for t in tokens) if s)
    return NameForms(
        clean=" ".join(sorted(tokens)),
        phonetic=" ".join(phon),
        skeleton=" ".join(skel) or None,
        tokens=tuple(phon),
        keys=tuple(sorted({k for k in skel if len(k) >= 2})),
    )


def _join_articles(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if out and out[-1] in _GLUED_PREFIXES:
            out[-1] = out[-1] + token
        else:
            out.append(token)
    return out
