"""Hostile and broken files are refused by every importer with a clear error (issue 15, item 5).

Each file of the corpus (``tests/hostile_files.py``: a zip bomb, billion laughs, XXE, corrupt
workbooks, 100,000-level JSON, an unterminated quote, a 5 MB cell, 20,000 columns, NUL bytes…)
goes through the reader, ``salus import incidents``, ``salus weapons import``, the web import
page (incidents and weapons) and ``POST /api/v1/imports``: each answers with the error code,
never a traceback or a 500, the store is unchanged and ``/etc/passwd`` never shows. Peak memory
is measured in a child process for the zip bomb and a large CSV (a generous bound, not a timing).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import hostile_files
import pytest
import sqlalchemy as sa
from import_support import snapshot
from typer.testing import CliRunner
from web_support import client, shared_observatory, sign_in

from salus.cli.app import app
from salus.ingestion import readers
from salus.ingestion.errors import FileImportError
from salus.ingestion.limits import Limits
from salus.ingestion.readers import read_table

__all__ = ["shared_observatory"]

runner = CliRunner()
NAMES = list(hostile_files.CORPUS)
MAPPING = ("name: tiny\nkind: incidents\ncolumns:\n  record_id: id\n  occurred_on: date\n"
           "  area_code: area\n  iccs_code: offence\ndefaults:\n  source_type: police\n"
           "  source_name: upload\n")
PASSWD_LINE = "root:x:0:0"
MB = 1024 * 1024
UPLOAD_REFUSED = {"empty file": "the file is empty"}
"""Files the web page and the API refuse as uploads (422), before any reader sees them."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make(folder) for name, (make, _) in hostile_files.CORPUS.items()}


def _counts(engine: sa.Engine) -> dict[str, int]:
    counts = snapshot(engine)
    with engine.connect() as conn:
        counts["weapon"] = int(conn.execute(sa.text("select count(*) from weapon")).scalar_one())
    return counts


def _refusal(path: Path) -> tuple[str, str] | None:
    """(code, message) the reader refuses ``path`` with, or None when it reads it."""
    try:
        table = read_table(path)
        for _ in table.rows:
            pass
    except FileImportError as exc:
        return exc.error.code, exc.error.message
    return None


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", NAMES)
def test_the_reader_refuses_each_hostile_file_with_its_error_code(corpus, name) -> None:  # type: ignore[no-untyped-def]
    codes = hostile_files.CORPUS[name][1]
    refusal = _refusal(corpus[name])
    if not codes:
        assert refusal is None
        return
    assert refusal is not None, f"{name} was read"
    assert refusal[0] in codes, refusal
    assert PASSWD_LINE not in refusal[1]


def test_an_unterminated_quote_names_the_row_the_column_and_the_line_where_it_opens(
        corpus) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileImportError) as info:
        list(read_table(corpus["unterminated quote"]).rows)
    error = info.value.error
    assert (error.row, error.column, error.value) == (3, "area", "line 3")
    assert "never closed" in error.message


def test_a_quote_closed_on_a_later_line_is_one_multi_line_cell_not_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "multi.csv"
    path.write_text('id,note\n1,"two\nlines"\n2,plain\n3,"ends the file"', encoding="utf-8")
    rows = list(read_table(path).rows)
    assert rows == [(2, {"id": "1", "note": "two\nlines"}), (3, {"id": "2", "note": "plain"}),
                    (4, {"id": "3", "note": "ends the file"})]


def test_the_streamed_csv_names_the_line_and_byte_a_given_encoding_cannot_decode(
        tmp_path) -> None:  # type: ignore[no-untyped-def]
    from salus.ingestion.readers import ReadOptions

    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n" + b"3,x\n" * 300_000 + b"4,\xff\n5,6\n")
    with pytest.raises(FileImportError) as info:
        list(read_table(path, ReadOptions(encoding="utf-8")).rows)
    error = info.value.error
    assert (error.code, error.row, error.value) == ("file.encoding", 300_003, "ff")
    assert error.message.startswith("byte ff at line 300003 (offset 1200010) is not valid "
                                    "utf-8;")


def test_a_cell_over_the_limit_names_its_row_and_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "long.csv"
    path.write_text(f"id,note\n1,short\n2,{'x' * 1500}\n", encoding="utf-8")
    limits = Limits(max_cell_chars=1000)
    with pytest.raises(FileImportError) as info:
        list(read_table(path, limits=limits).rows)
    error = info.value.error
    assert (error.code, error.row, error.column) == ("cell.too_large", 3, "note")
    assert list(read_table(path, limits=Limits(max_cell_chars=2000)).rows)[1][1]["id"] == "2"


def test_a_file_over_the_row_or_size_limit_is_refused_before_it_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rows.csv"
    path.write_text("id\n" + "".join(f"{i}\n" for i in range(50)), encoding="utf-8")
    with pytest.raises(FileImportError) as info:
        list(read_table(path, limits=Limits(max_rows=20)).rows)
    assert (info.value.error.code, info.value.error.row) == ("file.too_many_rows", 21)
    with pytest.raises(FileImportError) as info:
        read_table(path, limits=Limits(max_file_bytes=100))
    assert info.value.error.code == "file.too_large"


def test_a_workbook_that_inflates_too_much_is_refused_from_its_zip_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    small_bomb = hostile_files.zip_bomb_xlsx(tmp_path, inflated=64 * MB)
    with pytest.raises(FileImportError) as info:
        read_table(small_bomb)
    assert info.value.error.code == "file.zip_bomb" and "inflates" in info.value.error.message
    assert list(read_table(small_bomb, limits=Limits(max_zip_ratio=10_000)).rows) == [
        (2, {"id": "1", "date": "2024-01-01", "area": "R1-A", "offence": "0101"})]


@pytest.mark.parametrize("make", [hostile_files.billion_laughs_xlsx, hostile_files.xxe_xlsx])
def test_behind_the_doctype_check_calamine_and_defused_openpyxl_refuse_entities_too(
        make, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from defusedxml import DefusedXmlException

    path = make(tmp_path)
    assert readers._calamine_rows(path, None) is None  # "unrecognized entity": openpyxl decides
    with pytest.raises(FileImportError) as info:
        rows, _ = readers._openpyxl_rows(path, None)
        list(rows)
    assert info.value.error.code == "file.format" and PASSWD_LINE not in str(info.value)
    import openpyxl

    with pytest.raises(ValueError) as raw:
        openpyxl.load_workbook(path, read_only=True)
    causes = [raw.value.__cause__, raw.value.__context__]
    assert any(isinstance(c, DefusedXmlException) for c in causes), causes


def _cli_import(engine: sa.Engine, path: Path, workdir: Path) -> tuple[int, str, Path]:
    url = engine.url.render_as_string(hide_password=False)
    report = workdir / f"{path.name}.errors.csv"
    mapping = workdir / "tiny.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = runner.invoke(app, ["import", "incidents", str(path), "-m", str(mapping),
                                 "--db", url, "--errors", str(report)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.output + (result.stderr or ""), report


def _cli_weapons(engine: sa.Engine, path: Path) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["weapons", "import", str(path), "--user", "admin",
                                 "--db", url, "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.output + (result.stderr or "")


@pytest.mark.parametrize("name", NAMES)
def test_the_cli_refuses_each_hostile_file_with_its_code_and_writes_nothing(
        corpus, name, shared_observatory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    codes = hostile_files.CORPUS[name][1]
    before = _counts(shared_observatory)
    code, output, report = _cli_import(shared_observatory, corpus[name], tmp_path)
    assert "Traceback" not in output and PASSWD_LINE not in output
    if codes:
        assert code == 1, output
        assert "Nothing was written" in output
        assert report.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[3] in codes
        refusal = _refusal(corpus[name])
        assert refusal is not None
        code, output = _cli_weapons(shared_observatory, corpus[name])
        assert code != 0 and "Traceback" not in output
        assert _flat(refusal[1]) in _flat(output)
    else:
        assert code == 0 and "Nothing to import" in output
    assert _counts(shared_observatory) == before


def _web_preview(c, csrf: str, path: Path, kind: str) -> tuple[int, str, str | None]:  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "kind": kind}
    data.update({"mapping_yaml": MAPPING} if kind == "incidents" else
                {"mapping": "weapons-registry"})
    with path.open("rb") as handle:
        r = c.post("/imports/preview", files={"file": (path.name, handle, "text/plain")},
                   data=data)
    found = re.search(r"/imports/([\w-]+)/errors.csv", r.text)
    return r.status_code, r.text, found.group(1) if found else None


@pytest.mark.parametrize("name", NAMES)
def test_the_web_import_page_shows_each_refusal_and_writes_nothing(
        corpus, name, shared_observatory) -> None:  # type: ignore[no-untyped-def]
    codes = hostile_files.CORPUS[name][1]
    c = client(shared_observatory)
    csrf = sign_in(c, "admin")  # signing in is audited: count after it
    before = _counts(shared_observatory)
    for kind in ("incidents", "weapons"):
        status, page, token = _web_preview(c, csrf, corpus[name], kind)
        assert "Traceback" not in page and PASSWD_LINE not in page
        if name in UPLOAD_REFUSED:  # refused before it is kept: the form again, with why
            assert status == 422 and UPLOAD_REFUSED[name] in page
            continue
        assert status == 200
        if not codes:
            assert "0 rows read, 0 records ready" in page
            continue
        shown = re.findall(r"<code>([\w.]+)</code>", page)
        assert shown and shown[0] in codes, (kind, shown)
        committed = c.post(f"/imports/{token}/commit", data={"csrf_token": csrf})
        assert committed.status_code == 200 and "Nothing was written" in committed.text
    assert _counts(shared_observatory) == before


@pytest.mark.parametrize("name", NAMES)
def test_the_api_answers_each_refusal_as_json_and_writes_nothing(
        corpus, name, shared_observatory) -> None:  # type: ignore[no-untyped-def]
    codes = hostile_files.CORPUS[name][1]
    c = client(shared_observatory)
    c.headers["X-CSRF-Token"] = sign_in(c, "admin")
    before = _counts(shared_observatory)
    for dry_run in ("true", "false"):
        with corpus[name].open("rb") as handle:
            r = c.post("/api/v1/imports", files={"file": (corpus[name].name, handle)},
                       data={"kind": "incidents", "mapping_yaml": MAPPING, "dry_run": dry_run})
        body = r.json()
        assert PASSWD_LINE not in r.text
        if name in UPLOAD_REFUSED:
            assert r.status_code == 422 and body["errors"][0]["code"] == "file.size"
            assert body["errors"][0]["message"] == UPLOAD_REFUSED[name]
            continue
        assert r.status_code == 200, r.text
        if codes:
            assert body["errors"][0]["code"] in codes and body["errors"][0]["message"]
            assert not body.get("written", False)
        else:
            assert body["errors"] == [] and not body.get("written", False)
    assert _counts(shared_observatory) == before


def test_an_upload_over_the_limit_is_refused_on_the_page_and_by_the_api(
        shared_observatory, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SALUS_IMPORT_MAX_UPLOAD_MB", "1")
    big = hostile_files.large_csv(tmp_path / "big.csv", 2)
    c = client(shared_observatory)
    csrf = sign_in(c, "admin")
    status, page, _ = _web_preview(c, csrf, big, "incidents")
    assert status == 422 and "larger than 1 MB" in page
    c.headers["X-CSRF-Token"] = csrf
    with big.open("rb") as handle:
        r = c.post("/api/v1/imports", files={"file": ("big.csv", handle)},
                   data={"kind": "incidents", "mapping_yaml": MAPPING})
    assert r.status_code == 422 and "larger than 1 MB" in r.text


PEAK = """
import json, sys
def peak_mb():  # this process's own high-water mark (ru_maxrss also counts the parent's, forked)
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
outcome = None
try:
    {body}
except SystemExit as exc:
    outcome = exc.code
print(json.dumps({{"peak_mb": peak_mb(),
                  "outcome": outcome}}))
"""


def _peak(body: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``body`` in a fresh Python process; its peak RSS (MB) and outcome."""
    done = subprocess.run([sys.executable, "-c", PEAK.format(body=body), *args],
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          check=False, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_zip_bomb_is_refused_by_the_cli_in_bounded_memory(corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "tiny.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    body = "from salus.cli.app import app; app(sys.argv[1:])"
    figures = _peak(body, "import", "incidents", str(corpus["zip bomb"]), "-m", str(mapping),
                    "--db", f"sqlite:///{tmp_path / 'x.db'}", "--errors",
                    str(tmp_path / "e.csv"))
    assert figures["outcome"] == 1
    assert figures["peak_mb"] < 500, figures  # the bomb inflates to 2,700 MB


@pytest.mark.slow
def test_a_large_csv_is_read_in_bounded_memory_and_refused_over_the_file_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = hostile_files.large_csv(tmp_path / "large.csv", 150)
    read = "from salus.ingestion.readers import read_table\n    " \
           "outcome = sum(1 for _ in read_table(sys.argv[1]).rows)"
    figures = _peak(read, str(big))
    assert figures["outcome"] == 659_456
    assert figures["peak_mb"] < 300, figures  # the whole text in io.StringIO took 750 MB
    mapping = tmp_path / "tiny.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    cli = "from salus.cli.app import app; app(sys.argv[1:])"
    figures = _peak(cli, "import", "incidents", str(big), "-m", str(mapping), "--db",
                    f"sqlite:///{tmp_path / 'x.db'}", "--errors", str(tmp_path / "e.csv"),
                    env={"SALUS_IMPORT_MAX_FILE_MB": "100"})
    assert figures["outcome"] == 1
    assert figures["peak_mb"] < 300, figures
    assert "file.too_large" in (tmp_path / "e.csv").read_text(encoding="utf-8-sig")


def test_the_survey_readers_refuse_the_zip_bomb_before_calamine_or_pyxform_inflate_it(
        corpus) -> None:  # type: ignore[no-untyped-def]
    from salus.ingestion.surveys.tables import read_sheets
    from salus.ingestion.surveys.xlsform import FormReadError, read_xlsform

    content = corpus["zip bomb"].read_bytes()
    with pytest.raises(FileImportError) as info:
        read_sheets(content, "export.xlsx")
    assert info.value.error.code == "file.zip_bomb"
    assert "export.xlsx is refused" in info.value.error.message
    with pytest.raises(FormReadError, match="decompression bomb"):
        read_xlsform(content, "form.xlsx")
