"""Use cases of indicators: compute one, the viewer's view of it, the dashboard."""
