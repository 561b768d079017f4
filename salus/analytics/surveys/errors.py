"""The one error of the survey estimators: bad design input, named by column, row and value."""

from __future__ import annotations

from typing import Any


class SurveyDesignError(ValueError):
    """A design or estimate that cannot be computed from the data as given.

    The message names the column, the row (the frame's index label) and the value at fault,
    e.g. ``column 'w', row 17: weight -2.0 is not positive``. The input frame is never changed.
    """


def show(value: Any) -> str:
    """A data value as a message shows it: ``'A'``, ``3``, ``nan`` (no NumPy wrapper)."""
    item = value.item() if hasattr(value, "item") and callable(value.item) else value
    return repr(item)
