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

__all__ = ["DEFAULT_DATABASE_URL", "NotifySettings", "Settings", "SmtpSettings", "secret",
           "settings"]


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
    smtp
        :class:`SmtpSettings` (``SALUS_SMTP_*``).
    notify
        :class:`NotifySettings` (``SALUS_NOTIFY_*``).
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    user: str | None = None
    suppression_threshold: int = 5
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)


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
