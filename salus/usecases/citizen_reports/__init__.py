"""Use cases of citizen reports: intake, review, public views."""
