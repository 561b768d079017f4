"""Early-warning alerts on count series (issue 4, section 1)."""
