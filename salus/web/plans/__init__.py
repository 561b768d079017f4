"""Pages of community safety: plans, assessments, community pages and their forms."""
