"""Pages of indicators: the dashboard, indicators, areas and population."""
