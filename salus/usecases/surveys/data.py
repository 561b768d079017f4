"""Import a wave of submissions (a KoBo/ODK export) into a survey, all or nothing.

The export is read against a version of the survey's form (the newest unless named): every
row error is reported (row, column, value, code) and, if there is any, nothing is written.
Columns the form does not know are kept with each respondent (``extra``). Importing a wave
again replaces its respondents (a corrected export); its design stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.respondents import Respondent
from salus.ingestion.errors import FileImportError, RowError
from salus.ingestion.surveys.submissions import SubmissionsRead, read_submissions
from salus.ingestion.surveys.tables import Sheet, read_sheets
from salus.storage.surveys import schema as s
from salus.usecases.errors import ValidationFailed
from salus.usecases.surveys.common import (
    area_ids,
    area_lookup,
    audit,
    for_write,
    new_id,
    now,
    required_text,
)
from salus.usecases.surveys.forms import form_of

MAX_BYTES = 200_000_000
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class DataImport:
    survey: str
    wave: str
    form_version: str
    rows_read: int
    respondents: int
    repeat_rows: int
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...]
    unknown_columns: tuple[str, ...]
    roles: Mapping[str, str]
    written: bool


def import_data(engine: sa.Engine, viewer: Viewer, code: str, wave: str,
                files: Sequence[tuple[str, bytes]], roles: Mapping[str, str] | None = None,
                form_version: str | None = None, period: tuple[dt.date | None,
                                                             dt.date | None] = (None, None),
                dry_run: bool = False) -> DataImport:
    """Read ``files`` (the main export first, then repeat-group files) into wave ``wave``."""
    label = required_text(wave, "wave", 64)
    if not files:
        raise ValidationFailed([{"field": "file", "code": "required",
                                 "message": "give the submissions file"}])
    if sum(len(b) for _, b in files) > MAX_BYTES:
        raise ValidationFailed([{"field": "file", "code": "too_large",
                                 "message": f"the files are larger than {MAX_BYTES:,} bytes"}])
    with engine.begin() as conn:
        ref = for_write(conn, viewer, code)
        form = form_of(conn, ref, form_version)
        try:
            read = read_submissions(form, _sheets(files), area_lookup(conn), roles or {})
        except FileImportError as exc:
            return DataImport(code, label, form.version, 0, 0, 0, (exc.error,), (), (),
                              {}, False)
        errors = tuple(e for e in read.errors if e.is_error)
        warnings = tuple(e for e in read.errors if not e.is_error)
        write = not errors and not dry_run
        if write:
            form_row = conn.execute(sa.select(s.survey_form.c.id).where(
                s.survey_form.c.survey_id == ref.id,
                s.survey_form.c.version == form.version)).scalar_one()
            wave_id = _wave(conn, ref.id, label, int(form_row), read, files[0][0], viewer,
                            period)
            _write(conn, wave_id, read.respondents, area_ids(conn))
            audit(conn, viewer, "import_data", "survey_wave", wave_id,
                  {"survey": code, "wave": label, "respondents": len(read.respondents),
                   "file": files[0][0]})
    return DataImport(code, label, form.version, read.rows_read, len(read.respondents),
                      read.repeat_rows, errors, warnings, tuple(read.unknown_columns),
                      read.roles, write)


def _sheets(files: Sequence[tuple[str, bytes]]) -> list[Sheet]:
    sheets: list[Sheet] = []
    for name, content in files:
        sheets.extend(read_sheets(content, name))
    return sheets


def _wave(conn: sa.Connection, survey_id: int, label: str, form_id: int, read: SubmissionsRead,
          file_name: str, viewer: Viewer, period: tuple[dt.date | None, dt.date | None]) -> int:
    w = s.survey_wave
    values: dict[str, Any] = {"form_id": form_id, "respondents": len(read.respondents),
                              "roles": read.roles, "file_name": file_name[:300],
                              "imported_by": viewer.username, "imported_at": now()}
    if period[0] or period[1]:
        values.update(period_start=period[0], period_end=period[1])
    found = conn.execute(sa.select(w.c.id).where(w.c.survey_id == survey_id,
                                                 w.c.label == label)).scalar()
    if found is None:
        return new_id(conn.execute(w.insert().values(survey_id=survey_id, label=label,
                                                     **values)))
    conn.execute(w.update().where(w.c.id == found).values(**values))
    conn.execute(s.survey_respondent.delete().where(s.survey_respondent.c.wave_id == found))
    return int(found)


def _write(conn: sa.Connection, wave_id: int, respondents: Sequence[Respondent],
           areas: Mapping[str, int]) -> None:
    rows = [{"wave_id": wave_id, "row_number": r.row, "key": r.key[:200],
             "area_id": areas.get(r.area_code) if r.area_code else None, "sex": r.sex,
             "age": r.age, "age_band": r.age_band, "disability": r.disability,
             "stratum": r.stratum, "psu": r.psu, "weight": r.weight, "fpc": r.fpc,
             "answers": dict(r.answers), "extra": dict(r.extra), "repeats": dict(r.repeats)}
            for r in respondents]
    for start in range(0, len(rows), CHUNK):
        conn.execute(s.survey_respondent.insert(), rows[start:start + CHUNK])
