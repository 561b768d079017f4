"""One typed settings object (pydantic-settings); every value can come from ``SALUS_*``.

The command line, the web app, the alert notifications, citizen-report intake and the test
support code read their settings here, through :func:`settings` (or :func:`secret` for a
secret whose variable name is built at run time); ``docs/settings.md`` lists every one and
``tests/test_docs.py`` checks that it does. Import this module inside the function that needs
it, not at the top of a CLI module: pydantic-settings costs a few hundred milliseconds, which
``salus --help`` must not pay.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from salus.defaults import DEFAULT_DATABASE_URL

__all__ = ["DEFAULT_DATABASE_URL", "AnalyticsSettings", "ImportSettings", "NotifySettings",
           "Settings", "SmsSettings", "SmtpSettings", "secret", "settings"]


class SmtpSettings(BaseSettings):
    """E-mail of alert notifications: ``SALUS_SMTP_<NAME>``.

    Attributes
    ----------
    host, port
        The SMTP server.
    user, password
        Login, when the server wants one.
    starttls
        Upgrade the connection with STARTTLS before logging in.
    sender
        The ``From`` address.
    timeout_s
        Seconds to wait for the server.
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_SMTP_")

    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "salus@localhost"
    timeout_s: float = 10.0


class NotifySettings(BaseSettings):
    """Delivery of alert notifications: ``SALUS_NOTIFY_<NAME>``.

    Attributes
    ----------
    max_attempts
        Tries per notification, across runs, before it stays ``failed``.
    backoff_s
        Seconds before the second try, doubled before each next one.
    timeout_s
        Seconds to wait for a webhook.
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_NOTIFY_")

    max_attempts: int = 4
    backoff_s: float = 1.0
    timeout_s: float = 10.0


class SmsSettings(BaseSettings):
    """The SMS/messaging provider that carries replies to reporters and alert broadcasts to
    network members (issue 13): ``SALUS_SMS_<NAME>``.

    Attributes
    ----------
    provider_url
        Where ``salus reports send-outbox`` POSTs each message (the JSON payload of
        ``docs/citizen-reports.md``); unset: nothing is sent, messages wait in the outbox.
    provider_token
        Sent as ``Authorization: Bearer <token>`` (or from the file named in
        ``SALUS_SMS_PROVIDER_TOKEN_FILE``).
    timeout_s
        Seconds to wait for the provider.
    max_attempts
        Tries per message, across runs, before it stays ``failed``.
    backoff_s
        Seconds before the second try, doubled before each next one (30 s, 60 s, 120 s …).
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_SMS_", env_ignore_empty=True)

    provider_url: str | None = None
    provider_token: str | None = None
    timeout_s: float = 10.0
    max_attempts: int = 5
    backoff_s: float = 30.0


class ImportSettings(BaseSettings):
    """Limits of every file an import reads (CLI, web, API): ``SALUS_IMPORT_<NAME>``.

    A file over a limit is refused with a clear error and nothing is written
    (:mod:`salus.ingestion.limits` applies them).

    Attributes
    ----------
    max_upload_mb
        The largest file the web import page and the API accept (copied to disk as it arrives).
    max_file_mb
        The largest file any import opens (CSV and XLSX are read as streams).
    max_parsed_mb
        The largest JSON, GeoJSON or XLS file (these are parsed whole, in memory).
    max_unzipped_mb
        The most an XLSX (a zip container) may inflate to, all members together.
    max_zip_ratio
        The most a member over 1 MiB may inflate, as a multiple of its compressed size.
    max_zip_members
        The most members a zip container may have.
    max_cell_chars
        The longest cell, in characters (a CSV line may hold twice as many).
    max_columns
        The widest row, in cells.
    max_rows
        The most rows a sheet or file may have.
    max_json_depth
        The deepest nesting of arrays and objects in a JSON or GeoJSON file.
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_IMPORT_")

    max_upload_mb: int = Field(default=50, ge=1)
    max_file_mb: int = Field(default=1024, ge=1)
    max_parsed_mb: int = Field(default=200, ge=1)
    max_unzipped_mb: int = Field(default=1024, ge=1)
    max_zip_ratio: int = Field(default=200, ge=1)
    max_zip_members: int = Field(default=10_000, ge=1)
    max_cell_chars: int = Field(default=1_000_000, ge=1000)
    max_columns: int = Field(default=2_000, ge=1)
    max_rows: int = Field(default=5_000_000, ge=1)
    max_json_depth: int = Field(default=64, ge=4, le=10_000)


class AnalyticsSettings(BaseSettings):
    """The indicators' analytical mirror (issue 11): ``SALUS_ANALYTICS_<NAME>``.

    Attributes
    ----------
    mirror
        ``on``: indicators run on a DuckDB copy of the store when it holds the store's current
        data version (else on the store, while a copy is rebuilt in the background); ``off``:
        always on the store; ``sync``: like ``on`` but a missing copy is built before the
        request is answered (tests, scripts). :mod:`salus.usecases.indicators.mirror`.
    mirror_dir
        The folder of the copies (default: ``<file>.mirror/`` beside a SQLite store, else
        ``$XDG_CACHE_HOME/salus/mirror``).
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_ANALYTICS_", env_ignore_empty=True)

    mirror: str = "on"
    mirror_dir: Path | None = None


class Settings(BaseSettings):
    """Salus settings, each from the variable ``SALUS_<NAME>`` (an empty one counts as unset).

    Attributes
    ----------
    database_url
        The store of every command (unless ``--db`` is given; ``salus demo`` has its own) and of
        ``salus serve``: an SQLAlchemy URL, SQLite or PostgreSQL.
    user
        The account that ``salus weapons …`` commands act as, unless ``--user`` is given.
    suppression_threshold
        The web app's and the API's smallest count shown in published figures (counts from 1 to
        ``threshold - 1`` are shown as ``<threshold``).
    public
        Serve only the public site (as ``salus serve --public``); how the option reaches the
        worker processes of ``salus serve --workers N``.
    db_pool_size, db_max_overflow
        The web app's connection pool per process (SQLAlchemy ``QueuePool``: connections kept
        open, and opened beyond them under load); a server holds at most
        ``workers × (pool_size + max_overflow)`` connections (``docs/deploy.md``).
    smtp
        :class:`SmtpSettings` (``SALUS_SMTP_*``).
    notify
        :class:`NotifySettings` (``SALUS_NOTIFY_*``).
    imports
        :class:`ImportSettings` (``SALUS_IMPORT_*``): limits of imported files.
    sms
        :class:`SmsSettings` (``SALUS_SMS_*``): the provider of outbound messages.
    analytics
        :class:`AnalyticsSettings` (``SALUS_ANALYTICS_*``): the indicators' DuckDB mirror.
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    user: str | None = None
    suppression_threshold: int = 5
    public: bool = False
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    sms: SmsSettings = Field(default_factory=SmsSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)


def settings() -> Settings:
    """The settings as the environment says now (read again at each call)."""
    return Settings()


def secret(name: str) -> str | None:
    """The secret in the variable ``name``, else in the file named by ``<name>_FILE``.

    For secrets whose variable is named at run time (``SALUS_INTAKE_SECRET_<GATEWAY>``) as well
    as fixed ones (``SALUS_REPORTS_HASH_KEY``). Surrounding white space of a file is dropped;
    an empty value is no secret.
    """
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value or None
