"""A realistic KoBoToolbox survey for the survey tests, generated here (no downloaded files).

``xlsform()`` is an XLSForm workbook (survey, choices and settings sheets, English and French
labels, groups, a select_multiple, a repeat group); ``submissions()`` draws a stratified
two-stage sample of respondents in the four districts of ``web_support.seed`` (urban/rural
strata, 6 PSUs each, unequal weights, fixed seed) and writes it as KoBo exports: a
semicolon CSV with group paths and split select_multiple columns, or an XLSX whose second
sheet holds the repeat group linked by ``_index``/``_parent_index``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import openpyxl

EN, FR = "label::English (en)", "label::Français (fr)"
DISTRICTS = ("R1-A", "R1-B", "R2-A", "R2-B")
SURVEY_ROWS: list[tuple[str, ...]] = [
    ("type", "name", EN, FR, "required", "relevant"),
    ("select_one district", "district", "District", "District", "yes", ""),
    ("select_one sex", "sex", "Sex", "Sexe", "yes", ""),
    ("integer", "age", "Age", "Âge", "yes", ""),
    ("select_one yesno", "disability", "Do you have a disability?",
     "Avez-vous un handicap ?", "", ""),
    ("begin_group", "safety", "Safety", "Sécurité", "", ""),
    ("select_one safe4", "safe_walk",
     "How safe do you feel walking alone around the area you live after dark?",
     "Vous sentez-vous en sécurité en marchant seul(e) dans votre quartier la nuit ?", "", ""),
    ("select_multiple violence", "victim", "In the past 12 months, were you a victim of:",
     "Au cours des 12 derniers mois, avez-vous été victime de :", "", ""),
    ("select_one yesno", "reported", "Did you report it to the police?",
     "L'avez-vous signalé à la police ?", "", "${victim} != 'none'"),
    ("end_group", "", "", "", "", ""),
    ("select_one yesno", "discriminated", "Did you feel discriminated against?",
     "Vous êtes-vous senti(e) discriminé(e) ?", "", ""),
    ("begin_repeat", "hh", "Household member", "Membre du ménage", "", ""),
    ("integer", "member_age", "Age of the member", "Âge du membre", "", ""),
    ("end_repeat", "", "", "", "", ""),
]
CHOICES: list[tuple[str, str, str, str]] = [
    ("yesno", "yes", "Yes", "Oui"), ("yesno", "no", "No", "Non"),
    ("sex", "1", "Female", "Femme"), ("sex", "2", "Male", "Homme"),
    ("safe4", "very_safe", "Very safe", "Très en sécurité"),
    ("safe4", "fairly_safe", "Fairly safe", "Plutôt en sécurité"),
    ("safe4", "bit_unsafe", "A bit unsafe", "Un peu en insécurité"),
    ("safe4", "very_unsafe", "Very unsafe", "Très en insécurité"),
    ("violence", "physical", "Physical violence", "Violence physique"),
    ("violence", "psychological", "Psychological violence", "Violence psychologique"),
    ("violence", "sexual", "Sexual violence", "Violence sexuelle"),
    ("violence", "none", "None", "Aucune"),
    *[("district", code, f"District {code}", f"District {code}") for code in DISTRICTS],
]
ROLES = {"area": "district"}
"""The export's area column (the other roles have their default names)."""
SAFE_4 = {"indicator": "sdg-16-1-4",
          "mapping": {"numerator": {"question": "safe_walk",
                                    "values": ["very_safe", "fairly_safe"]}}}


def xlsform(version: str = "2024.1", extra_rows: list[tuple[str, ...]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "survey"
    for row in SURVEY_ROWS + (extra_rows or []):
        sheet.append(row)
    choices = wb.create_sheet("choices")
    choices.append(("list_name", "name", EN, FR))
    for row in CHOICES:
        choices.append(row)
    settings = wb.create_sheet("settings")
    settings.append(("form_title", "form_id", "version", "default_language"))
    settings.append(("Community safety perception survey", "safety_2024", version,
                     "English (en)"))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Sample:
    main: list[dict[str, Any]]
    members: list[dict[str, Any]]


def sample(seed: int = 14, per_psu: int = 10, shift: float = 0.0) -> Sample:
    """Respondents: 2 strata × 6 PSUs (districts in turn), ``per_psu`` each; ``shift`` moves
    the chance of feeling safe (for a second wave)."""
    rng = np.random.default_rng(seed)
    main: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    index = 0
    for stratum, base_weight in (("urban", 120.0), ("rural", 310.0)):
        for p in range(6):
            district = DISTRICTS[(p + (stratum == "rural") * 2) % 4]
            p_safe = 0.35 + 0.1 * p / 5 + (0.15 if stratum == "urban" else 0) + shift
            for _ in range(per_psu):
                index += 1
                female = bool(rng.random() < 0.52)
                victim = [v for v in ("physical", "psychological", "sexual")
                          if rng.random() < 0.12] or ["none"]
                main.append({
                    "_index": index, "_uuid": f"uuid:{seed}-{index:05d}",
                    "district": district, "sex": "1" if female else "2",
                    "age": int(rng.integers(15, 80)),
                    "disability": "yes" if rng.random() < 0.15 else "no",
                    "safe_walk": ("very_safe", "fairly_safe")[int(rng.integers(0, 2))]
                    if rng.random() < p_safe - (0.08 if female else 0)
                    else ("bit_unsafe", "very_unsafe")[int(rng.integers(0, 2))],
                    "victim": victim,
                    "reported": "" if victim == ["none"] else
                    ("yes" if rng.random() < 0.4 else "no"),
                    "discriminated": "yes" if rng.random() < 0.2 else "no",
                    "stratum": stratum, "cluster": f"{stratum[0]}{p}",
                    "weight": round(base_weight * (0.8 + 0.4 * rng.random()), 3),
                })
                for _ in range(int(rng.integers(0, 3))):
                    members.append({"_parent_index": index,
                                    "member_age": int(rng.integers(0, 90))})
    return Sample(main, members)


CHOICE_NAMES = ("physical", "psychological", "sexual", "none")


def _main_row(r: dict[str, Any]) -> dict[str, Any]:
    row = {"start": "2024-05-01T09:00:00", "district": r["district"], "sex": r["sex"],
           "age": r["age"], "disability": r["disability"],
           "safety/safe_walk": r["safe_walk"], "safety/victim": " ".join(r["victim"])}
    row.update({f"safety/victim/{c}": int(c in r["victim"]) for c in CHOICE_NAMES})
    row.update({"safety/reported": r["reported"], "discriminated": r["discriminated"],
                "stratum": r["stratum"], "cluster": r["cluster"], "weight": r["weight"],
                "_id": 1000 + r["_index"], "_uuid": r["_uuid"],
                "_submission_time": "2024-05-02T10:00:00", "_index": r["_index"]})
    return row


def kobo_csv(s: Sample, delimiter: str = ";") -> bytes:
    rows = [_main_row(r) for r in s.main]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def kobo_xlsx(s: Sample) -> bytes:
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Community safety perception"[:31]
    rows = [_main_row(r) for r in s.main]
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    hh = wb.create_sheet("hh")
    hh.append(["hh/member_age", "_index", "_parent_index", "_parent_table_name"])
    for n, m in enumerate(s.members, start=1):
        hh.append([m["member_age"], n, m["_parent_index"], sheet.title])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def frame(s: Sample) -> Any:
    """The sample as the estimator's frame (what the use case should build from the store)."""
    import pandas as pd

    df = pd.DataFrame(s.main)
    df["sex"] = df["sex"].map({"1": "female", "2": "male"})
    df["area"] = df["district"]
    return df
