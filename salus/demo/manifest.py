"""The demo's answer key: what was planted and who every source record really is.

``manifest.json`` names the seed, the planted features (high-violence districts, emerging
hotspots, the reporting gap) and the source capture rates; the CSV files give the truth row by
row, so that hotspot detection, gap detection and record linkage can be scored:

- ``areas.csv``: every area with its setting (urban / intermediate / rural) and population;
- ``events.csv``: every true event;
- ``victims.csv``: every true victim (``person_id``) with their true name, sex, age, birth date;
- ``records.csv``: every stored record (natural key) → its true event, with the recorded and
  the true municipality (``wrong_area`` = 1 where a source coded a neighbouring one) and the
  shift of the recorded date in days;
- ``record_persons.csv``: each listed victim of a record (``person_index`` = position in the
  record's persons, from 1) → ``person_id``, with the errors the source made (``;``-separated).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from salus.demo.events import Plan


class RecordRow(NamedTuple):
    source_type: str
    source_name: str
    record_id: str
    event_id: str
    true_area: str
    recorded_area: str
    wrong_area: int
    true_date: str
    recorded_date: str
    date_shift_days: int


class PersonRow(NamedTuple):
    source_type: str
    source_name: str
    record_id: str
    person_index: int
    person_id: str
    errors: str


Table = tuple[list[str], list[tuple[Any, ...]]]
FILES = ("areas.csv", "events.csv", "victims.csv", "records.csv", "record_persons.csv")


@dataclass(slots=True)
class Manifest:
    """Everything the generator knows and the store does not say outright."""

    params: dict[str, Any]
    plan: Plan
    areas: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    victims: list[dict[str, Any]] = field(default_factory=list)
    records: list[RecordRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)

    def tables(self) -> dict[str, Table]:
        """File name → (header, rows), in a fixed order."""
        return {
            "areas.csv": _dict_table(self.areas),
            "events.csv": _dict_table(self.events),
            "victims.csv": _dict_table(self.victims),
            "records.csv": (list(RecordRow._fields), list(self.records)),
            "record_persons.csv": (list(PersonRow._fields), list(self.persons)),
        }

    def summary(self) -> dict[str, Any]:
        """The JSON part: parameters and planted features."""
        return {
            "generator": "salus.demo",
            "params": self.params,
            "high_violence_districts": list(self.plan.high_violence),
            "emerging_hotspots": [_plain(dataclasses.asdict(h)) for h in self.plan.hotspots],
            "reporting_gap": _plain(dataclasses.asdict(self.plan.gap)),
            "files": list(FILES),
        }

    def write(self, folder: Path) -> list[Path]:
        """Write ``manifest.json`` and the CSV files into ``folder`` (created if needed)."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "manifest.json"]
        paths[0].write_text(
            json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for name, table in self.tables().items():
            path = folder / name
            path.write_text(to_csv(table), encoding="utf-8")
            paths.append(path)
        return paths

    def digest(self) -> str:
        """SHA-256 of the whole manifest, as written."""
        h = hashlib.sha256(json.dumps(self.summary(), sort_keys=True).encode("utf-8"))
        for name, table in self.tables().items():
            h.update(name.encode("utf-8"))
            h.update(to_csv(table).encode("utf-8"))
        return h.hexdigest()


def _dict_table(rows: list[dict[str, Any]]) -> Table:
    return (list(rows[0]) if rows else [], [tuple(r.values()) for r in rows])


def to_csv(table: Table) -> str:
    """CSV text: the header line, then one line per row."""
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in value.items()}
