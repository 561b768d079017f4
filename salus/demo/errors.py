"""Errors of the demo, shared by its parts (incidents, plans, weapons)."""


class StoreNotEmptyError(RuntimeError):
    """The demo is only ever written into an empty store."""
