"""Accounts: roles × area scope × sensitivity, password hashing and random tokens (pure rules)."""
