"""One typed settings object (pydantic-settings); every value can come from ``SALUS_*``.

The command line, the web app and the test support code read their settings here, through
:func:`settings`; ``docs/settings.md`` lists every one (``tests/test_docs.py`` checks it).
An empty variable counts as unset. Import this module inside the function that needs it, not at
the top of a CLI module: pydantic-settings costs a few hundred milliseconds, which
``salus --help`` must not pay.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from salus.defaults import DEFAULT_DATABASE_URL

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "settings"]


class Settings(BaseSettings):
    """Salus settings, each from the variable ``SALUS_<NAME>``.

    Attributes
    ----------
    database_url
        The store of every command (unless ``--db`` is given; ``salus demo`` has its own) and of
        ``salus serve``: an SQLAlchemy URL, SQLite or PostgreSQL.
    user
        The account that ``salus weapons …`` commands act as, unless ``--user`` is given.
    suppression_threshold
        The web app's and the API's smallest count shown in published figures (1 to
        ``threshold - 1`` become ``<threshold``).
    """

    model_config = SettingsConfigDict(env_prefix="SALUS_", env_ignore_empty=True)

    database_url: str = DEFAULT_DATABASE_URL
    user: str | None = None
    suppression_threshold: int = 5


def settings() -> Settings:
    """The settings as the environment says now (read again at each call)."""
    return Settings()
