"""Default values the command line shows in its help, importable at no cost.

``salus --help`` must answer fast, so these live apart from :mod:`salus.config` (which imports
pydantic-settings) and from the packages that use them.
"""

from __future__ import annotations

DEFAULT_DATABASE_URL = "sqlite:///salus.db"
"""The store of every command and of the web app, unless ``SALUS_DATABASE_URL`` names one."""

DEFAULT_DEMO_URL = "sqlite:///salus-demo.db"
"""The store ``salus demo`` builds into (it never reads ``SALUS_DATABASE_URL``)."""
