"""The one settings object: where each value comes from, and who reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from salus.cli.common import database_url
from salus.config import secret, settings
from salus.web.app import create_app


def test_the_defaults_hold_when_no_variable_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SALUS_DATABASE_URL", "SALUS_USER", "SALUS_SUPPRESSION_THRESHOLD",
                 "SALUS_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    current = settings()
    assert current.database_url == "sqlite:///salus.db"
    assert current.user is None
    assert current.suppression_threshold == 5
    assert current.smtp.host == "localhost"


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALUS_DATABASE_URL", "")
    assert database_url(None) == "sqlite:///salus.db"


def test_the_db_option_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALUS_DATABASE_URL", "sqlite:///from-env.db")
    assert database_url(None) == "sqlite:///from-env.db"
    assert database_url("sqlite:///given.db") == "sqlite:///given.db"


def test_sections_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALUS_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SALUS_NOTIFY_MAX_ATTEMPTS", "7")
    current = settings()
    assert current.smtp.host == "mail.example.org"
    assert current.notify.max_attempts == 7


def test_the_web_app_takes_its_suppression_threshold_from_the_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    engine = sa.create_engine("sqlite://")
    monkeypatch.setenv("SALUS_SUPPRESSION_THRESHOLD", "10")
    assert create_app(engine).state.salus.suppression_threshold == 10
    assert create_app(engine, suppression_threshold=3).state.salus.suppression_threshold == 3


def test_a_secret_may_come_from_the_file_its_variable_names(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("  from-a-file\n", encoding="utf-8")
    monkeypatch.delenv("SALUS_REPORTS_HASH_KEY", raising=False)
    monkeypatch.setenv("SALUS_REPORTS_HASH_KEY_FILE", str(key))
    assert secret("SALUS_REPORTS_HASH_KEY") == "from-a-file"
    monkeypatch.setenv("SALUS_REPORTS_HASH_KEY", "from-the-variable")
    assert secret("SALUS_REPORTS_HASH_KEY") == "from-the-variable"
