"""Citizen reports, the pure parts: SMS text format, image sniffing, spam signals, contacts."""

from __future__ import annotations

import pytest

from salus.domain import taxonomy
from salus.domain.citizen_reports import (
    CATEGORIES,
    UNCLASSIFIED,
    coarse_point,
    contact_kind,
    new_reference,
    normalise_phone,
    parse_message,
    sniff_image,
    spam_signals,
)

AREAS = {"R1-A", "R2-B"}


@pytest.mark.parametrize(("text", "category", "area", "language"), [
    ("REPORT shooting R1-A shots near the school", "shooting", "R1-A", "en"),
    ("report Gunfire r1-a shots", "shooting", "R1-A", "en"),
    ("SIGNALEMENT menace R2-B un homme armé", "threat", "R2-B", "fr"),
    ("DENUNCIA tiroteo R2-B disparos cerca del mercado", "shooting", "R2-B", "es"),
    ("СООБЩЕНИЕ стрельба R1-A ночью", "shooting", "R1-A", "ru"),
    ("بلاغ اختطاف R1-A طفل", "kidnapping", "R1-A", "ar"),
    ("举报 抢劫 R1-A 市场", "robbery", "R1-A", "zh"),
])
def test_a_structured_message_is_read_in_six_languages(text: str, category: str, area: str,
                                                       language: str) -> None:
    parsed = parse_message(text, AREAS)
    assert (parsed.category, parsed.area_code, parsed.language) == (category, area, language)
    assert parsed.structured and parsed.description


def test_a_message_out_of_format_is_kept_whole_as_unclassified() -> None:
    text = "  there were gunshots near the old bridge last night  "
    parsed = parse_message(text, AREAS)
    assert parsed.category == UNCLASSIFIED and parsed.area_code is None
    assert parsed.description == text.strip() and not parsed.structured


def test_an_unknown_category_word_stays_in_the_text() -> None:
    parsed = parse_message("REPORT flooding R1-A the river rose", AREAS)
    assert parsed.category == UNCLASSIFIED and parsed.area_code is None
    assert parsed.description == "flooding R1-A the river rose"


def test_every_category_maps_to_a_known_iccs_code() -> None:
    iccs, contexts = taxonomy.load("iccs"), taxonomy.load("iccs_context")
    for category in CATEGORIES.values():
        assert category.iccs_code is None or category.iccs_code in iccs, category.code
        assert category.iccs_context is None or category.iccs_context in contexts
    assert "citizen_report" in taxonomy.load("source_type")


@pytest.mark.parametrize(("data", "mime"), [
    (b"\xff\xd8\xff\xe0rest", "image/jpeg"), (b"\x89PNG\r\n\x1a\nrest", "image/png"),
    (b"GIF89a...", "image/gif"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7", None), (b"<svg xmlns=", None), (b"RIFF\x00\x00\x00\x00WAVE", None), (b"", None),
])
def test_photos_are_recognised_by_their_magic_bytes(data: bytes, mime: str | None) -> None:
    assert sniff_image(data) == mime


def test_spam_signals_flag_links_repetition_and_the_honeypot() -> None:
    assert spam_signals("men with guns at the checkpoint").flags == ()
    assert "link" in spam_signals("cheap pills at http://spam.example").flags
    assert "link" in spam_signals("visit www.example.org now").flags
    assert "repeated_characters" in spam_signals("a" * 30).flags
    assert "repeated_words" in spam_signals("buy " * 20).flags
    assert "honeypot" in spam_signals("ok text", honeypot="http://x").flags
    assert "repeated_text" in spam_signals("same", repeats=2).flags


def test_contacts_phones_and_coarse_points() -> None:
    assert normalise_phone("+234 (800) 000-0001") == "+2348000000001"
    assert normalise_phone("call me") is None
    assert contact_kind("a.b@example.org") == "email" and contact_kind("+33 6 12 34 56 78")
    assert contact_kind("nobody") is None
    assert coarse_point(12.34567, -4.56789) == (12.3, -4.6)
    assert coarse_point(None, 1.0) is None


def test_references_are_unambiguous_codes() -> None:
    refs = {new_reference() for _ in range(200)}
    assert len(refs) == 200
    assert all(len(r) == 10 and r.startswith("R-") and not set(r[2:]) & set("ILOU")
               for r in refs)
