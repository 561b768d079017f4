"""Use cases of reconciliation: jobs, their records, runs started from the web, views."""
