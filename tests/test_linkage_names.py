"""Name normalisation: case, diacritics, scripts, transliteration variants, order, surnames."""

from __future__ import annotations

import pytest

from salus.analytics.reconcile.linkage.names import name_forms, phonetic_token, to_latin


def test_case_and_diacritics_do_not_matter() -> None:
    assert name_forms("LUZ MARÍA", "Núñez") == name_forms("luz maria", "Nunez")


def test_name_order_does_not_matter() -> None:
    assert name_forms("Camila", "Ocampo Tello").clean == name_forms("Ocampo Tello", "Camila").clean


@pytest.mark.parametrize(
    ("variants", "form"),
    [
        (["Юрий", "Yuriy", "Iouri", "Yuri"], "phonetic"),
        (["Щербаков", "Shcherbakov", "Chtcherbakov", "Scherbakov"], "phonetic"),
        (["Воронцов", "Vorontsov", "Vorontsoff", "Voroncov"], "phonetic"),
        (["Наталья", "Natalya", "Natalia", "Natalja"], "phonetic"),
        (["محمد", "Mohammed", "Muhammad", "Mohamed"], "skeleton"),
        (["يوسف", "Youssef", "Yusuf", "Yousef"], "skeleton"),
        (["الحسن", "Al-Hassan", "al-Hasan", "Elhassan"], "skeleton"),
        (["عائشة", "Aisha", "Aïcha", "Aysha"], "skeleton"),
    ],
)
def test_transliterations_of_one_name_share_a_form(variants: list[str], form: str) -> None:
    forms = {getattr(name_forms(v, None), form) for v in variants}
    assert len(forms) == 1, forms


def test_cyrillic_and_arabic_become_latin() -> None:
    assert to_latin("Хрусталёв").lower() == "khrustalev"
    assert to_latin("خالد") == "khald"


def test_a_dropped_second_surname_leaves_a_subset_of_tokens() -> None:
    full = set(name_forms("Luz Marina", "Núñez Tello").tokens)
    short = set(name_forms("Luz Marina", "Núñez").tokens)
    assert short < full


def test_missing_names_have_no_forms() -> None:
    forms = name_forms(None, "  ")
    assert forms.clean is None and forms.tokens == ()


def test_phonetic_folding_keeps_distinct_names_apart() -> None:
    assert phonetic_token("mateo") != phonetic_token("marco")
    assert name_forms("Elena", None).skeleton != name_forms("Leila", None).skeleton
