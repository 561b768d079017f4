"""The cast and files of the import user-path tests (issue 13).

``clara`` is a police-station clerk (data entry) bound to region R1; ``rita`` a registry officer
bound to R1; the web_support cast (``ana`` the unbound analyst, ``monty`` a monitor bound to R1)
is there too. The files carry a "Collecting agency" column that no mapping names.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from web_support import PASSWORD, add_cast, seed

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.accounts import users as accounts

STATION_MAPPING = """name: station-7
kind: incidents
columns:
  record_id: Case
  occurred_on: Date
  area_code: District
  iccs_code: Offence
defaults:
  source_type: police
  source_name: station-7
"""
STATION_CSV = (b"Case,Date,District,Offence,Collecting agency\n"
               b"S-1,2024-03-01,R1-A,0101,Station 7 North\n"
               b"S-2,2024-03-02,R2-A,0101,Station 9 South\n")
"""Row 2 is in the clerk's region; row 3 (R2-A) is not."""
AGENCY = "Collecting agency"

WEAPONS_HEADER = "Category,Manufacturer,Model,Serial number,Area code,Collecting agency\n"
WEAPON_R1 = "Pistol,Makarov,PM,AB 1234,R1-A,Customs post 4\n"
WEAPON_R2 = "Pistol,Makarov,PM,AB 9999,R2-A,Customs post 9\n"


def observatory(engine: sa.Engine) -> sa.Engine:
    """The seeded store with the cast, the clerk and the registry officer (both bound to R1)."""
    seed(engine, per_district=1)
    add_cast(engine, scoped_area="R1")
    accounts.create_user(engine, SYSTEM_VIEWER, "clara", PASSWORD, "data_entry",
                         area_code="R1")
    accounts.create_user(engine, SYSTEM_VIEWER, "rita", PASSWORD, "registry_officer",
                         area_code="R1")
    return engine


def token_of(html: str) -> str:
    """The staged upload's token, from the preview's commit form."""
    found = re.search(r'action="/imports/([\w-]+)/commit"', html)
    assert found, "no commit form on the preview"
    return found.group(1)


def incident_uid(engine: sa.Engine, record_id: str) -> str | None:
    q = sa.text("select i.uid from incident i join incident_source s on s.incident_id = i.id "
                "where s.record_id = :r")
    with engine.connect() as conn:
        found = conn.execute(q, {"r": record_id}).scalar()
    return None if found is None else str(found)


def weapon_uid(engine: sa.Engine, serial: str) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(sa.text("select uid from weapon where serial_number = :s"),
                             {"s": serial}).scalar()
    return None if found is None else str(found)


def visible_text(html: str) -> str:
    """The page's text without tags (to read a definition list as "term value")."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
