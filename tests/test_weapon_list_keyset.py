"""Keyset pages of the weapons and owners lists (issue 11) on SQLite and PostgreSQL: cursors
walk every weapon (owner) once in order, forward and back, in a regional officer's scope too; a
cursor of another list is refused; the total is capped; owners shown are audited."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from weapons_support import add_areas, alice, cast, glock, m70

from salus.domain.accounts.roles import Viewer
from salus.usecases import paging
from salus.usecases.errors import UseCaseError
from salus.usecases.paging import PageRequest, SeekRequest
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons


def _seed(engine: sa.Engine) -> dict[str, Viewer]:
    viewers = cast(add_areas(engine))
    for n in range(13):
        weapons.record_weapon(engine, viewers["officer"], m70(f"M{n:03d}",
                                                              area_code=("R1-A", "R2-B")[n % 2]))
        weapons.record_weapon(engine, viewers["officer"], glock(f"G{n:03d}"))
    return viewers


def _walk(engine: sa.Engine, viewer: Viewer, f: weapons.WeaponFilter) -> tuple[list[str],
                                                                                 list[str]]:
    pages = [weapons.seek_weapons(engine, viewer, f, SeekRequest(4))]
    while pages[-1].next:
        pages.append(weapons.seek_weapons(engine, viewer, f, SeekRequest(4, pages[-1].next)))
    back = [pages[-1]]
    while back[-1].prev:
        back.append(weapons.seek_weapons(engine, viewer, f, SeekRequest(4, back[-1].prev)))
    assert pages[0].prev is None and back[-1].prev is None and pages[-1].next is None
    return ([w.uid for p in pages for w in p.items],
            [w.uid for p in reversed(back) for w in p.items])


def test_walking_the_weapons_list_gives_every_weapon_once_newest_first(
        engine: sa.Engine) -> None:
    viewers = _seed(engine)
    for who in ("officer", "north_officer"):
        for f in (weapons.WeaponFilter(), weapons.WeaponFilter(category="revolver_pistol")):
            listed = weapons.list_weapons(engine, viewers[who], f, PageRequest(1, 500))
            forward, backward = _walk(engine, viewers[who], f)
            assert forward == backward == [w.uid for w in listed.items], (who, f)
            assert len(set(forward)) == len(forward) == listed.total
    north = weapons.seek_weapons(engine, viewers["north_officer"], None, SeekRequest(50))
    assert {w.area_code for w in north.items} == {"R1-A"} and north.total.count == 7


def test_a_cursor_of_another_list_or_a_deep_page_is_refused_and_the_total_capped(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    viewers = _seed(engine)
    officer = viewers["officer"]
    incidents = paging.encode_cursor("-date", False, "2024-01-01", 3)
    with pytest.raises(UseCaseError, match=r"^cursor: '.+' is not a valid cursor \(made for"):
        weapons.seek_weapons(engine, officer, None, SeekRequest(5, incidents))
    with pytest.raises(UseCaseError, match=r"^page: 202 is out of reach"):
        weapons.seek_weapons(engine, officer, None, SeekRequest(50, None, 202))
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    total = weapons.seek_weapons(engine, officer, None, SeekRequest(5)).total
    if engine.dialect.name == "postgresql":
        assert total.kind == "estimate" and total.count > 5
    else:
        assert total == paging.Total(5, "more_than")


def test_walking_the_owners_list_gives_every_owner_once_and_audits_the_pages(
        engine: sa.Engine) -> None:
    viewers = cast(add_areas(engine))
    officer = viewers["officer"]
    for n in range(11):
        weapons_owners.add_owner(engine, officer, dataclasses.replace(
            alice(), given_name=f"Alice{n}", id_document_number=f"KG-{n:04d}",
            area_code=("R1-A", "R2-A")[n % 2]))
    for who, name in (("officer", None), ("north_officer", None), ("officer", "alice1")):
        viewer = viewers[who]
        listed = [o.uid for o in weapons_owners.list_owners(engine, viewer, name,
                                                            PageRequest(1, 500)).items]
        assert listed
        pages = [weapons_owners.seek_owners(engine, viewer, name, SeekRequest(3))]
        while pages[-1].next:
            pages.append(weapons_owners.seek_owners(engine, viewer, name,
                                                    SeekRequest(3, pages[-1].next)))
        back = [pages[-1]]
        while back[-1].prev:
            back.append(weapons_owners.seek_owners(engine, viewer, name,
                                                   SeekRequest(3, back[-1].prev)))
        assert [o.uid for p in pages for o in p.items] == listed, (who, name)
        assert [o.uid for p in reversed(back) for o in p.items] == listed
        assert pages[0].total == paging.Total(len(listed))
    with engine.connect() as conn:                        # one audit entry per page shown
        audited = conn.scalar(sa.text("select count(*) from audit_event where action = :a"),
                              {"a": weapons_owners.OWNER_READ})
    assert audited is not None and audited >= 3 * 2 + 4 + 1
