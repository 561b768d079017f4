"""The ``salus`` command line (Typer + Rich): a thin layer over :mod:`salus.usecases`.

Every command takes ``--db URL`` (or ``SALUS_DATABASE_URL``; default ``sqlite:///salus.db`` in
the working directory) and creates or migrates the schema itself.
"""

from __future__ import annotations

from salus.cli.app import app, main

__all__ = ["app", "main"]
