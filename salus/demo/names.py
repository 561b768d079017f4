"""Invented names for the fictional Republic of Verdania: places and people.

Place names are built from a fixed inventory of syllables, each with its Cyrillic, Arabic and
Chinese transcription, so every name comes in the six UN languages at no cost (English, French
and Spanish share the Latin form). Person names come from invented lists: a Hispanic-style
majority (given name + two family names) and two minorities whose names are written in Cyrillic
or Arabic script and transliterated differently by different institutions — the classic trap of
record linkage. Every draw goes through the caller's :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

# (latin, russian, arabic, chinese) — the transcription of each syllable
SYLLABLES: tuple[tuple[str, str, str, str], ...] = (
    ("ba", "ба", "با", "巴"),
    ("be", "бе", "بي", "贝"),
    ("bo", "бо", "بو", "博"),
    ("ca", "ка", "كا", "卡"),
    ("co", "ко", "كو", "科"),
    ("da", "да", "دا", "达"),
    ("de", "де", "دي", "德"),
    ("do", "до", "دو", "多"),
    ("ga", "га", "غا", "加"),
    ("go", "го", "غو", "戈"),
    ("la", "ла", "لا", "拉"),
    ("le", "ле", "لي", "莱"),
    ("li", "ли", "لي", "利"),
    ("lo", "ло", "لو", "洛"),
    ("lu", "лу", "لو", "卢"),
    ("ma", "ма", "ما", "马"),
    ("me", "ме", "مي", "梅"),
    ("mi", "ми", "مي", "米"),
    ("mo", "мо", "مو", "莫"),
    ("na", "на", "نا", "纳"),
    ("ne", "не", "ني", "内"),
    ("ni", "ни", "ني", "尼"),
    ("no", "но", "نو", "诺"),
    ("ra", "ра", "را", "拉"),
    ("re", "ре", "ري", "雷"),
    ("ri", "ри", "ري", "里"),
    ("ro", "ро", "رو", "罗"),
    ("sa", "са", "سا", "萨"),
    ("se", "се", "سي", "塞"),
    ("so", "со", "سو", "索"),
    ("ta", "та", "تا", "塔"),
    ("te", "те", "تي", "特"),
    ("ti", "ти", "تي", "蒂"),
    ("to", "то", "تو", "托"),
    ("va", "ва", "فا", "瓦"),
    ("ve", "ве", "في", "韦"),
    ("vi", "ви", "في", "维"),
    ("vo", "во", "فو", "沃"),
)
OPENINGS: tuple[tuple[str, str, str, str], ...] = (
    ("val", "валь", "فال", "瓦尔"),
    ("mar", "мар", "مار", "马尔"),
    ("ter", "тер", "تير", "特尔"),
    ("mon", "мон", "مون", "蒙"),
    ("ar", "ар", "أر", "阿尔"),
    ("el", "эль", "إل", "埃尔"),
    ("an", "ан", "أن", "安"),
    ("cas", "кас", "كاس", "卡斯"),
    ("sol", "соль", "سول", "索尔"),
    ("bel", "бель", "بيل", "贝尔"),
    ("or", "ор", "أور", "奥尔"),
    ("dor", "дор", "دور", "多尔"),
)
ENDINGS: tuple[tuple[str, str, str, str], ...] = (
    ("ra", "ра", "را", "拉"),
    ("na", "на", "نا", "纳"),
    ("nia", "ния", "نيا", "尼亚"),
    ("ria", "рия", "ريا", "里亚"),
    ("lo", "ло", "لو", "洛"),
    ("to", "то", "تو", "托"),
    ("da", "да", "دا", "达"),
    ("sa", "са", "سا", "萨"),
    ("no", "но", "نو", "诺"),
    ("les", "лес", "ليس", "莱斯"),
    ("nes", "нес", "نيس", "内斯"),
    ("mar", "мар", "مار", "马尔"),
    ("val", "валь", "فال", "瓦尔"),
    ("rez", "рес", "ريث", "雷斯"),
)
PREFIXES: tuple[tuple[str, str, str, str], ...] = (
    ("San", "Сан-", "سان ", "圣"),
    ("Santa", "Санта-", "سانتا ", "圣"),
    ("Puerto", "Пуэрто-", "بويرتو ", "普埃尔托"),
    ("Villa", "Вилья-", "فيا ", "维亚"),
    ("Monte", "Монте-", "مونتي ", "蒙特"),
)

COUNTRY_NAMES = {
    "en": "Republic of Verdania",
    "fr": "République de Verdanie",
    "es": "República de Verdania",
    "ru": "Республика Вердания",
    "ar": "جمهورية فيردانيا",
    "zh": "韦尔达尼亚共和国",
}
CAPITAL_NAMES = {
    "en": "Verdana",
    "fr": "Verdana",
    "es": "Verdana",
    "ru": "Вердана",
    "ar": "فيردانا",
    "zh": "韦尔达纳",
}


class PlaceNamer:
    """Draws unique place names (in six languages) from the syllable inventory."""

    def __init__(self, rng: np.random.Generator, taken: set[str] | None = None) -> None:
        self._rng = rng
        self._taken = set(taken or ())

    def draw(self, prefix_share: float = 0.0) -> dict[str, str]:
        """A new name as ``{language: name}``; ``prefix_share`` of them get "San", "Puerto"…"""
        while True:
            parts = [self._pick(OPENINGS if self._rng.random() < 0.35 else SYLLABLES)]
            parts += [self._pick(SYLLABLES) for _ in range(int(self._rng.integers(0, 2)))]
            parts.append(self._pick(ENDINGS))
            names = _join(parts)
            if self._rng.random() < prefix_share:
                names = _prefixed(self._pick(PREFIXES), names)
            if names["en"] not in self._taken:
                self._taken.add(names["en"])
                return names

    def _pick(self, table: tuple[tuple[str, str, str, str], ...]) -> tuple[str, str, str, str]:
        return table[int(self._rng.integers(len(table)))]


def _join(parts: list[tuple[str, str, str, str]]) -> dict[str, str]:
    latin = "".join(p[0] for p in parts).capitalize()
    russian = "".join(p[1] for p in parts)
    russian = russian[0].upper() + russian[1:]
    arabic = "".join(p[2] for p in parts)
    chinese = "".join(p[3] for p in parts)
    return {"en": latin, "fr": latin, "es": latin, "ru": russian, "ar": arabic, "zh": chinese}


def _prefixed(prefix: tuple[str, str, str, str], names: dict[str, str]) -> dict[str, str]:
    latin = f"{prefix[0]} {names['en']}"
    return {
        "en": latin,
        "fr": latin,
        "es": latin,
        "ru": prefix[1] + names["ru"],
        "ar": prefix[2] + names["ar"],
        "zh": prefix[3] + names["zh"],
    }


# ---------------------------------------------------------------- people

MALE_GIVEN = (
    "Mateo",
    "Darío",
    "Elián",
    "Tomás",
    "Ilario",
    "Rubén",
    "Sandro",
    "Marco",
    "Lucas",
    "Joel",
    "Adrián",
    "Bruno",
    "Camilo",
    "Esteban",
    "Fabián",
    "Gael",
    "Hugo",
    "Iván",
    "Julián",
    "Leandro",
    "Mauro",
    "Nicolás",
    "Óscar",
    "Pablo",
    "Ramiro",
    "Santiago",
    "Teo",
    "Valentín",
    "Yair",
    "Wilmer",
    "Jhon",
    "Brayan",
    "Héctor",
    "Álvaro",
    "Emilio",
    "Gustavo",
)
FEMALE_GIVEN = (
    "Abril",
    "Beatriz",
    "Camila",
    "Daniela",
    "Elena",
    "Fernanda",
    "Gabriela",
    "Inés",
    "Julia",
    "Karen",
    "Lucía",
    "Mariana",
    "Natalia",
    "Paula",
    "Renata",
    "Sara",
    "Tatiana",
    "Valeria",
    "Ximena",
    "Yolanda",
    "Luz Marina",
    "Yesenia",
    "Ángela",
    "Rocío",
    "Marisol",
    "Leidy",
)
FAMILY = (
    "Abreval",
    "Barrento",
    "Castañar",
    "Dolmeda",
    "Escobral",
    "Ferrandi",
    "Galvano",
    "Hurtaldo",
    "Irazábal",
    "Jaramel",
    "Lozaro",
    "Montalbo",
    "Naverro",
    "Olmedal",
    "Pardiña",
    "Quintela",
    "Redondal",
    "Saldívar",
    "Toboral",
    "Urdaneta",
    "Valcárcel",
    "Zamorín",
    "Arbeláez",
    "Benítez",
    "Cardona",
    "Duarte",
    "Estupiñán",
    "Ferreira",
    "Guzmán",
    "Henao",
    "Ibarguen",
    "Lemos",
    "Mosquera",
    "Núñez",
    "Ocampo",
    "Palacios",
    "Quiñones",
    "Rentería",
    "Sinisterra",
    "Tello",
    "Uribe",
    "Vallecilla",
    "Yepes",
    "Zuluaga",
    "Villafañe",
    "Bermúdez",
    "Caicedo",
    "Obando",
)

# Minority names: (native script, police-style, forensic-style, media-style transliteration)
Variant = tuple[str, str, str, str]
CYRILLIC_MALE: tuple[Variant, ...] = (
    ("Юрий", "Yuriy", "Iouri", "Yuri"),
    ("Алексей", "Aleksey", "Alexeï", "Alexei"),
    ("Дмитрий", "Dmitriy", "Dmitri", "Dmitry"),
    ("Сергей", "Sergey", "Sergueï", "Sergei"),
    ("Андрей", "Andrey", "Andreï", "Andrei"),
    ("Николай", "Nikolay", "Nikolaï", "Nikolai"),
    ("Евгений", "Yevgeniy", "Evgueni", "Evgeny"),
    ("Михаил", "Mikhail", "Mikhaïl", "Mihail"),
)
CYRILLIC_FEMALE: tuple[Variant, ...] = (
    ("Наталья", "Natalya", "Natalia", "Natalja"),
    ("Юлия", "Yuliya", "Ioulia", "Julia"),
    ("Екатерина", "Yekaterina", "Ekaterina", "Katerina"),
    ("Ольга", "Olga", "Olga", "Olha"),
    ("Татьяна", "Tatyana", "Tatiana", "Tatjana"),
    ("Ксения", "Kseniya", "Xenia", "Ksenia"),
)
CYRILLIC_FAMILY: tuple[Variant, ...] = (
    ("Щербаков", "Shcherbakov", "Chtcherbakov", "Scherbakov"),
    ("Жуков", "Zhukov", "Joukov", "Zukov"),
    ("Хрусталёв", "Khrustalev", "Khroustaliov", "Hrustalyov"),
    ("Воронцов", "Vorontsov", "Vorontsoff", "Voroncov"),
    ("Ковалёв", "Kovalev", "Kovaliov", "Kovalyov"),
    ("Чернов", "Chernov", "Tchernov", "Cernov"),
    ("Юсупов", "Yusupov", "Ioussoupov", "Jusupov"),
    ("Зайцев", "Zaytsev", "Zaïtsev", "Zaitsev"),
)
ARABIC_MALE: tuple[Variant, ...] = (
    ("محمد", "Mohammed", "Muhammad", "Mohamed"),
    ("أحمد", "Ahmed", "Ahmad", "Ahmet"),
    ("يوسف", "Youssef", "Yusuf", "Yousef"),
    ("حسين", "Hussein", "Husayn", "Hussain"),
    ("عمر", "Omar", "Umar", "Omer"),
    ("خالد", "Khaled", "Khalid", "Haled"),
    ("إبراهيم", "Ibrahim", "Ibraheem", "Ebrahim"),
    ("علي", "Ali", "Aly", "Alí"),
)
ARABIC_FEMALE: tuple[Variant, ...] = (
    ("فاطمة", "Fatima", "Fatimah", "Fatma"),
    ("عائشة", "Aisha", "Aïcha", "Aysha"),
    ("مريم", "Mariam", "Maryam", "Meriem"),
    ("ليلى", "Leila", "Layla", "Laila"),
    ("زينب", "Zeinab", "Zaynab", "Zainab"),
    ("نور", "Nour", "Nur", "Noor"),
)
ARABIC_FAMILY: tuple[Variant, ...] = (
    ("الحسن", "Al-Hassan", "al-Hasan", "Elhassan"),
    ("الخطيب", "Al-Khatib", "al-Khateeb", "Elkhatib"),
    ("حداد", "Haddad", "Hadad", "Haddade"),
    ("منصور", "Mansour", "Mansur", "Mansoor"),
    ("صالح", "Saleh", "Salih", "Salah"),
    ("القاسم", "Al-Qasim", "al-Kasim", "Elkacem"),
    ("عبد الله", "Abdallah", "Abdullah", "Abdalla"),
    ("الشامي", "Al-Shami", "al-Chami", "Elshami"),
)

SCRIPTS = ("latin", "cyrillic", "arabic")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PersonName:
    """A true name: the Latin forms used by each kind of source, and the native-script form.

    ``given[i]`` / ``family[i]``: 0 native script, 1 police-style, 2 forensic-style, 3 media-style
    (all four equal for Latin-script names). ``family`` may hold two surnames ("Núñez Tello").
    """

    script: str
    given: Variant
    family: Variant


def draw_name(rng: np.random.Generator, female: bool, script: str) -> PersonName:
    """One person's name in ``script`` (``latin``, ``cyrillic`` or ``arabic``)."""
    if script == "latin":
        given = _pick(rng, FEMALE_GIVEN if female else MALE_GIVEN)
        family = f"{_pick(rng, FAMILY)} {_pick(rng, FAMILY)}"
        return PersonName(script, (given,) * 4, (family,) * 4)
    if script == "cyrillic":
        g = _pick(rng, CYRILLIC_FEMALE if female else CYRILLIC_MALE)
        f = _pick(rng, CYRILLIC_FAMILY)
        return PersonName(script, g, _feminine(f) if female else f)
    g = _pick(rng, ARABIC_FEMALE if female else ARABIC_MALE)
    return PersonName(script, g, _pick(rng, ARABIC_FAMILY))


def _pick(rng: np.random.Generator, items: tuple[T, ...]) -> T:
    return items[int(rng.integers(len(items)))]


def _feminine(family: Variant) -> Variant:
    """Russian surnames take ``-а`` for women (Щербакова, Shcherbakova…)."""
    return (family[0] + "а", family[1] + "a", family[2] + "a", family[3] + "a")


# ---------------------------------------------------------------- spelling errors

ACCENTS = str.maketrans("áéíóúÁÉÍÓÚñÑüÜ", "aeiouAEIOUnNuU")
SOUND_ALIKE = (
    ("b", "v"),
    ("v", "b"),
    ("s", "z"),
    ("z", "s"),
    ("y", "i"),
    ("i", "y"),
    ("ll", "y"),
    ("c", "s"),
    ("qu", "k"),
    ("j", "g"),
    ("h", ""),
)


def typo(name: str, rng: np.random.Generator) -> str:
    """One realistic spelling error: a dropped accent, a sound-alike letter, a dropped,
    doubled or swapped letter. Always returns a different string when one is possible."""
    for _ in range(8):
        op = int(rng.integers(5))
        candidate = _apply_typo(name, op, rng)
        if candidate != name and candidate.strip():
            return candidate
    return name


def _apply_typo(name: str, op: int, rng: np.random.Generator) -> str:
    if op == 0:
        return name.translate(ACCENTS)
    if op == 1:
        old, new = SOUND_ALIKE[int(rng.integers(len(SOUND_ALIKE)))]
        at = name.lower().find(old, 1)
        return name if at < 0 else name[:at] + new + name[at + len(old) :]
    if len(name) < 4:
        return name
    i = int(rng.integers(1, len(name) - 1))
    if op == 2:
        return name[:i] + name[i + 1 :]
    if op == 3:
        return name[:i] + name[i] + name[i:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
