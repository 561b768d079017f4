"""Use cases: one function per user action (permissions + storage + analytics + audit)."""
