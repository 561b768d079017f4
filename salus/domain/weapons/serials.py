"""Search keys for weapon serial numbers and manufacturer names (issue 6, search).

A serial number read off a weapon, a licence or a police report is often mis-transcribed: worn or
partly obliterated stampings, handwriting and OCR confuse letters with digits. The International
Tracing Instrument (art. 7-8) and ISACS/MOSAIC 05.30 ask that records let a marked weapon be
identified "promptly and reliably"; INTERPOL's iARMS likewise matches on a normalised serial. Salus
stores, next to the serial as written, a *canonical key* in which every member of a confusable
class is replaced by one representative, so a misreading finds the weapon with an exact, indexed
comparison (no fuzzy scan).

Confusable map (applied after upper-casing and Unicode NFKD folding)::

    O Q  -> 0      Q is an O whose tail has worn off (and the reverse)
    I L  -> 1      also lower-case l; both read as a vertical stroke
    S    -> 5
    B    -> 8
    Z    -> 2
    G    -> 6

Cyrillic and Greek capitals that look like Latin ones (А В Е К М Н О Р С Т У Х І Ѕ Ј, Α Β Ε Ζ Η
Ι Κ Μ Ν Ο Ρ Τ Υ Χ) are first read as those Latin letters, and Cyrillic З as 3: Soviet and
Yugoslav markings carry Cyrillic prefixes that clerks copy with Latin keyboards. Not mapped, on
purpose: ``D`` (a common real prefix letter whose straight back is rarely lost), ``U/V``, ``A/4``,
``T/7`` — mapping them would merge many distinct serials for little gain; a one-character slip
of that kind is still found by the near-match pass of the search (one substitution, insertion,
deletion or transposition).

Spaces, hyphens, dots, slashes and all other punctuation are dropped. A ``?`` in a *recorded*
serial marks a character that could not be read (obliterated) and is kept in the key; in a
*query* ``?`` stands for one unknown character and ``*`` for any run (see :func:`parse_pattern`).

Manufacturer names are folded the same way (case, diacritics, punctuation, legal-form and generic
trade words such as GmbH, d.o.o., Arms, Co., Ltd dropped) and then mapped through the alias table
``data/manufacturers.yaml`` to one key per maker, so "Zavodi Crvena Zastava" and "Zastava Arms"
share the key ``zastava``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

CONFUSABLES: dict[str, str] = {"O": "0", "Q": "0", "I": "1", "L": "1", "S": "5", "B": "8",
                               "Z": "2", "G": "6"}
"""Every confusable letter and the digit that represents its class."""

HOMOGLYPHS: dict[str, str] = dict(zip(
    "АВЕКМНОРСТУХІЅЈЗ" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABEKMHOPCTYXISJ3" "ABEZHIKMNOPTYX", strict=True))
"""Cyrillic and Greek capitals read as the Latin capitals (or, for З, the digit) they look like."""

UNREADABLE = "?"
"""Marks a character of a recorded serial that could not be read."""
ANY_RUN = "*"

_FOLD = str.maketrans({**HOMOGLYPHS, **CONFUSABLES})
_FOLD_CONFUSABLE = str.maketrans(CONFUSABLES)


def _ascii_table(keep: str) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(128):
        ch = chr(code)
        if ch.isalnum():
            table[code] = CONFUSABLES.get(ch.upper(), ch.upper())
        elif ch not in keep:
            table[code] = None
    return table


_ASCII_FOLDS = {keep: _ascii_table(keep) for keep in (UNREADABLE, UNREADABLE + ANY_RUN)}


def _fold_chars(text: str, keep: str) -> str:
    if text.isascii():  # fast path: one table look-up per character
        return text.translate(_ASCII_FOLDS[keep])
    return _fold_unicode(text, keep)


def _fold_unicode(text: str, keep: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).upper()
    kept = "".join(ch for ch in decomposed
                   if (ch.isalnum() and not unicodedata.combining(ch)) or ch in keep)
    # upper-casing the decomposed text can leave letters (e.g. Cyrillic) that need a second pass
    return kept.translate(_FOLD).translate(_FOLD_CONFUSABLE)


def serial_key(raw: str) -> str:
    """Canonical search key of a serial number as recorded.

    >>> serial_key("ab-12 0S/l")
    'A812051'
    """
    return _fold_chars(raw, keep=UNREADABLE)


@dataclass(frozen=True, slots=True)
class SerialPattern:
    """A serial-number query folded to key characters, with ``?`` (one unknown character) and
    ``*`` (any run, possibly empty) as wildcards."""

    text: str

    @property
    def has_wildcards(self) -> bool:
        return UNREADABLE in self.text or ANY_RUN in self.text

    @property
    def literal_prefix(self) -> str:
        """The known characters before the first wildcard."""
        return re.split(r"[?*]", self.text, maxsplit=1)[0]

    @property
    def is_prefix(self) -> bool:
        """True for ``ABC*``: known characters then one trailing ``*``."""
        return self.text.endswith(ANY_RUN) and not _wild(self.text[:-1]) and len(self.text) > 1

    @property
    def literal_runs(self) -> list[str]:
        """Runs of known characters between wildcards, longest first."""
        return sorted((r for r in re.split(r"[?*]", self.text) if r), key=len, reverse=True)

    @property
    def known_characters(self) -> int:
        return sum(ch not in "?*" for ch in self.text)

    def matches(self, key: str) -> bool:
        """Whether a stored key fits the pattern (an unreadable ``?`` in the key fits any known
        character of the pattern)."""
        return _regex(self.text).fullmatch(key) is not None


def _wild(text: str) -> bool:
    return UNREADABLE in text or ANY_RUN in text


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if ch == ANY_RUN else "." if ch == UNREADABLE else f"[{re.escape(ch)}?]"
             for ch in pattern]
    return re.compile("".join(parts))


def parse_pattern(query: str) -> SerialPattern:
    """Fold a query: key characters kept, ``?`` and ``*`` kept as wildcards, runs of ``*``
    collapsed to one."""
    folded = _fold_chars(query, keep=UNREADABLE + ANY_RUN)
    return SerialPattern(re.sub(r"\*+", ANY_RUN, folded))


def near_distance(query: str, key: str) -> int:
    """Edit distance between two keys, capped at 2: 0 equal, 1 one substitution, insertion,
    deletion or transposition of adjacent characters (Damerau's four single errors), 2 more.
    ``?`` on either side equals any one character."""
    if len(query) == len(key):
        diffs = [i for i, (a, b) in enumerate(zip(query, key, strict=True)) if not _same(a, b)]
        if not diffs:
            return 0
        if len(diffs) == 1:
            return 1
        if (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and _same(query[diffs[0]], key[diffs[1]])
                and _same(query[diffs[1]], key[diffs[0]])):
            return 1
        return 2
    if abs(len(query) - len(key)) == 1:
        short, long_ = sorted((query, key), key=len)
        i = 0
        while i < len(short) and _same(short[i], long_[i]):
            i += 1
        return 1 if all(_same(a, b) for a, b in zip(short[i:], long_[i + 1:], strict=True)) else 2
    return 2


def _same(a: str, b: str) -> bool:
    return a in (b, UNREADABLE) or b == UNREADABLE


KEY_ALPHABET = "0123456789" + "".join(
    c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in CONFUSABLES)
"""The characters a key of Latin letters and digits can hold: ten digits and 18 letters."""
CYRILLIC_KEY_LETTERS = "БГДЖИЙЛПФЦЧШЩЪЫЬЭЮЯ"
"""Cyrillic capitals with no Latin look-alike: they stay in a key as they are, and a near-match
search must be able to put them back where a query has lost one."""


def near_variants(key: str) -> set[str]:
    """Every key one edit away from ``key`` (substitution, deletion, insertion of a key character,
    adjacent transposition), ``key`` excluded: about 95 per character, so a near-match search is
    a few hundred exact index look-ups rather than a fuzzy scan (Norvig's spelling corrector).
    Substituted and inserted characters are those of :data:`KEY_ALPHABET`, the Cyrillic letters
    of :data:`CYRILLIC_KEY_LETTERS` and any other character the key already holds."""
    alphabet = sorted(set(KEY_ALPHABET + CYRILLIC_KEY_LETTERS) | set(key) - {UNREADABLE, ANY_RUN})
    splits = [(key[:i], key[i:]) for i in range(len(key) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in alphabet}
    found |= {a + c + b for a, b in splits for c in alphabet}
    found.discard(key)
    found.discard("")
    return found


def expand_unknowns(pattern: SerialPattern, max_keys: int) -> set[str] | None:
    """Every key a ``?``-only pattern (no ``*``) can stand for, each ``?`` replaced by a character
    of :data:`KEY_ALPHABET` or :data:`CYRILLIC_KEY_LETTERS`; None when the pattern has a ``*``,
    no ``?``, or more than ``max_keys`` expansions (47 per ``?``). A serial with an obliterated
    digit or two is then a few exact index look-ups, whatever its known prefix."""
    text = pattern.text
    unknowns = text.count(UNREADABLE)
    alphabet = KEY_ALPHABET + CYRILLIC_KEY_LETTERS
    if ANY_RUN in text or not unknowns or len(alphabet) ** unknowns > max_keys:
        return None
    parts = text.split(UNREADABLE)
    keys = {parts[0]}
    for part in parts[1:]:
        keys = {k + c + part for k in keys for c in alphabet}
    return keys


# --- manufacturers -----------------------------------------------------------------------------

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Manufacturer:
    key: str
    name: str
    country: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ManufacturerTable:
    version: str
    generic_words: frozenset[str]
    makers: dict[str, Manufacturer]
    by_alias: dict[str, str]


def _tokens(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"[.'’`]", "", plain)  # "d.o.o." -> "doo", "d'Armi" -> "darmi"
    return [t for t in re.split(r"[^\w]+|_", plain) if t]


def _compact(name: str, generic: frozenset[str]) -> str:
    tokens = _tokens(name)
    kept = [t for t in tokens if t not in generic]
    return "".join(kept or tokens)


@cache
def manufacturer_table() -> ManufacturerTable:
    """The alias table in ``data/manufacturers.yaml`` (package data)."""
    text = resources.files("salus.domain").joinpath("data/manufacturers.yaml").read_text("utf-8")
    return build_manufacturer_table(yaml.load(text, Loader=_LOADER))


def build_manufacturer_table(doc: dict[str, Any]) -> ManufacturerTable:
    """Index makers by every folded alias; two makers sharing a folded alias is an error."""
    generic = frozenset(str(w).casefold() for w in doc.get("generic_words", []))
    makers: dict[str, Manufacturer] = {}
    by_alias: dict[str, str] = {}
    for entry in doc["manufacturers"]:
        maker = Manufacturer(str(entry["key"]), str(entry["name"]), str(entry.get("country", "")),
                             tuple(str(a) for a in entry.get("aliases", [])))
        if maker.key in makers:
            raise ValueError(f"manufacturers.yaml: key {maker.key!r} appears twice")
        makers[maker.key] = maker
        for alias in (maker.name, *maker.aliases):
            folded = _compact(alias, generic)
            owner = by_alias.setdefault(folded, maker.key)
            if owner != maker.key:
                raise ValueError(f"manufacturers.yaml: alias {alias!r} of {maker.key!r} folds to "
                                 f"{folded!r}, already an alias of {owner!r}")
    return ManufacturerTable(str(doc.get("version", "")), generic, makers, by_alias)


@lru_cache(maxsize=16384)
def manufacturer_key(name: str) -> str:
    """Search key of a manufacturer name: the maker's key from the alias table, or, for a maker
    not in the table, the name folded (lower case, no diacritics, punctuation, legal-form or
    generic words, no spaces). ``""`` for a blank name. Remembered per name (a registry file
    names a few hundred makers in a million rows)."""
    table = manufacturer_table()
    folded = _compact(name, table.generic_words)
    return table.by_alias.get(folded, folded)


def manufacturer_name(key: str) -> str | None:
    """Display name of a maker known to the alias table, None otherwise."""
    maker = manufacturer_table().makers.get(key)
    return maker.name if maker else None
