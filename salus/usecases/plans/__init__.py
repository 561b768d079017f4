"""Use cases of community safety: assessments, plans, community pages."""
