"""Salus: an open platform for community security and violence observatories."""

__version__ = "0.1.0"
