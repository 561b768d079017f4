"""What the user asks of an indicator: period, grouping, filters, disclosure and confidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from salus.analytics import periods
from salus.analytics.indicators.filters import Filters, Grouping


@dataclass(frozen=True, slots=True)
class Request:
    """What the user asks of an indicator (the definition's filters still apply)."""

    period: periods.Period
    grouping: Grouping
    filters: Filters = field(default_factory=Filters)
    public: bool = False
    threshold: int = 5
    annualise: bool = False
    confidence: float = 0.95
