"""Synthetic weapons for ``bench_weapon_search.py``: realistic serial formats per maker.

Each maker has one serial format (``L`` a Latin letter, ``C`` a Cyrillic letter, ``D`` a digit,
anything else literal) and the spellings of its name that records use. Serial ``i`` of a maker is
the format filled with ``(i * stride) mod capacity`` written in the format's mixed radix: distinct
for distinct ``i``, scattered over the whole space, reproducible, and — because every letter
position draws from letters whose keys differ — distinct after confusable folding too, so the
registry's unique (manufacturer_key, serial_key) holds. About 1 % of weapons have an obliterated
serial (two characters unreadable, ``serial_key`` NULL as the registry records it).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from salus.domain.weapons.serials import manufacturer_key, serial_key

LATIN = "ABCDEFGHJKMNOPRSTUVWXYZ"  # no I/L/Q: one letter per key class at a letter position
CYRILLIC = "АБВГДЕЖИКМНПРСТУФХЦЧШЭЮЯ"  # each folds to a different key character
DIGITS = "0123456789"
ALPHABETS = {"L": LATIN, "C": CYRILLIC, "D": DIGITS}


@dataclass(frozen=True)
class Maker:
    names: tuple[str, ...]
    serial_format: str
    share: float
    category: str
    model: str
    calibre: str
    country: str

    @cached_property
    def capacity(self) -> int:
        return math.prod(len(ALPHABETS[c]) for c in self.serial_format if c in ALPHABETS)

    @cached_property
    def stride(self) -> int:
        """Near capacity / golden ratio and coprime with it: consecutive serials scatter."""
        stride = int(self.capacity * 0.6180339887) | 1
        while math.gcd(stride, self.capacity) != 1:
            stride += 2
        return stride

    @cached_property
    def _positions(self) -> list[str | None]:
        return [ALPHABETS.get(c) for c in reversed(self.serial_format)]

    def serial(self, i: int) -> str:
        value = ((i + 1) * self.stride) % self.capacity
        out = []
        for c, alphabet in zip(reversed(self.serial_format), self._positions, strict=True):
            if alphabet is None:
                out.append(c)
            else:
                value, digit = divmod(value, len(alphabet))
                out.append(alphabet[digit])
        return "".join(reversed(out))


MAKERS = (
    Maker(("Zastava Arms", "Crvena Zastava", "Zavodi Crvena Zastava", "ZASTAVA"), "DDDDDDD",
          0.14, "assault_rifle", "M70", "7.62x39mm", "SRB"),
    Maker(("Izhmash", "Kalashnikov Concern", "Ижмаш"), "CC-DDDDD", 0.10, "assault_rifle",
          "AK-74", "5.45x39mm", "RUS"),
    Maker(("Baikal", "IZHMEKH", "Makarov factory"), "CC DDDD", 0.08, "revolver_pistol", "PM",
          "9x18mm", "RUS"),
    Maker(("TOZ", "Tula Arms Plant"), "DDDDDD", 0.05, "revolver_pistol", "TT-33",
          "7.62x25mm", "RUS"),
    Maker(("CZ", "Česká zbrojovka", "Ceska Zbrojovka Uhersky Brod"), "L DDDDDD", 0.10,
          "revolver_pistol", "CZ 75", "9x19mm", "CZE"),
    Maker(("Glock", "Glock GmbH"), "LLLDDD", 0.12, "revolver_pistol", "G17", "9x19mm", "AUT"),
    Maker(("Beretta", "Fabbrica d'Armi Pietro Beretta"), "BERDDDDDDZ", 0.08, "revolver_pistol",
          "92FS", "9x19mm", "ITA"),
    Maker(("Norinco", "China North Industries Corp."), "DDDDDDDD", 0.08, "assault_rifle",
          "Type 56", "7.62x39mm", "CHN"),
    Maker(("FN Herstal", "Fabrique Nationale"), "DDDLLDDDDD", 0.04, "rifle_carbine", "FAL",
          "7.62x51mm", "BEL"),
    Maker(("Heckler & Koch", "HK"), "DD-DDDDDD", 0.03, "submachine_gun", "MP5", "9x19mm",
          "DEU"),
    Maker(("Smith & Wesson", "S&W"), "LLLDDDD", 0.05, "revolver_pistol", "Model 10",
          ".38 Special", "USA"),
    Maker(("Colt's Manufacturing", "Colt"), "LLDDDDDD", 0.02, "rifle_carbine", "M4",
          "5.56x45mm", "USA"),
    Maker(("SIG Sauer", "SIG"), "DDLDDDDDD", 0.03, "revolver_pistol", "P226", "9x19mm", "DEU"),
    Maker(("Taurus", "Forjas Taurus"), "LLLDDDDD", 0.03, "revolver_pistol", "PT92", "9x19mm",
          "BRA"),
    Maker(("Walther", "Carl Walther GmbH"), "DDDDDDL", 0.02, "revolver_pistol", "PPK",
          "7.65x17mm", "DEU"),
    Maker(("Cugir", "UM Cugir"), "DDDD-LL", 0.03, "assault_rifle", "PM md. 63", "7.62x39mm",
          "ROU"),
)
COLUMNS = ("id", "uid", "category", "manufacturer", "manufacturer_key", "model", "calibre",
           "serial_number", "serial_key", "serial_obliterated", "country_of_manufacture",
           "year_of_manufacture", "status", "created_by", "created_at", "updated_at")
STATUSES = ("registered",) * 8 + ("seized", "surrendered", "stolen", "destroyed")
OBLITERATED_SHARE = 0.01


def counts(n: int) -> list[int]:
    """Weapons per maker for ``n`` in all (shares rounded, remainder to the first)."""
    out = [int(n * m.share) for m in MAKERS]
    out[0] += n - sum(out)
    for maker, count in zip(MAKERS, out, strict=True):
        assert count <= maker.capacity, (maker.names[0], count, maker.capacity)
    return out


def rows(n: int, created_at: str, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """``n`` weapon rows in :data:`COLUMNS` order, makers interleaved at random."""
    rng = random.Random(seed)
    per_maker = counts(n)
    order = [k for k, c in enumerate(per_maker) for _ in range(c)]
    rng.shuffle(order)
    next_serial = [0] * len(MAKERS)
    keys = {name: manufacturer_key(name) for m in MAKERS for name in m.names}
    for row_id, k in enumerate(order, start=1):
        maker = MAKERS[k]
        serial = maker.serial(next_serial[k])
        next_serial[k] += 1
        name = maker.names[row_id % len(maker.names)]
        obliterated = rng.random() < OBLITERATED_SHARE
        if obliterated:
            serial = _obliterate(serial, rng)
        yield (row_id, f"{row_id:08x}-0000-4000-8000-{k:012x}", maker.category, name, keys[name],
               maker.model, maker.calibre, serial, None if obliterated else serial_key(serial),
               obliterated, maker.country, 1960 + row_id % 64, STATUSES[row_id % len(STATUSES)],
               "bench", created_at, created_at)


def _obliterate(serial: str, rng: random.Random) -> str:
    chars = list(serial)
    for i in rng.sample(range(len(chars)), 2):
        chars[i] = "?"
    return "".join(chars)
