"""Survey tables (issue 14)."""
