"""Use cases of accounts: users, sessions and tokens, the audit log."""
