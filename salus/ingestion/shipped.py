"""The names of the column mappings that ship with Salus (``mappings/*.yaml`` here).

Apart from :mod:`.mapping` (YAML, readers, fields) so that ``salus --help``, which lists them in
the help of ``--mapping``, imports nothing more.
"""

from __future__ import annotations

from importlib import resources


def shipped_mappings() -> list[str]:
    """Names of the mappings that ship with Salus."""
    folder = resources.files("salus.ingestion").joinpath("mappings")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.endswith(".yaml"))
