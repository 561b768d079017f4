"""Indicators: definitions as data (``*.yaml`` here and on a search path) and the engine.

- :mod:`.definitions` finds, reads and validates definitions (:func:`load_definitions`);
- :mod:`.filters` validates filter and grouping keys against the code lists;
- :mod:`.request` is what the user asks (period, grouping, filters, disclosure);
- :mod:`.query` builds the ibis expressions that count in the database;
- :mod:`.population` finds the matching denominators; :mod:`.scope` the areas of the rows;
- :mod:`.engine` puts them together (:func:`salus.analytics.indicators.engine.run`);
- :mod:`.result` is the frozen result, :mod:`.render` its table, CSV and JSON forms.

The use case :func:`salus.usecases.indicators.compute.compute_indicator` is the entry point.
"""

from salus.analytics.indicators.definitions import (
    IndicatorDefinition,
    get_definition,
    load_definitions,
)
from salus.analytics.indicators.filters import DefinitionError

__all__ = ["DefinitionError", "IndicatorDefinition", "get_definition", "load_definitions"]
