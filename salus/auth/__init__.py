"""Who may do what: roles × area scope × sensitivity, password hashing and random tokens.

Pure rules with no database or web framework, used by :mod:`salus.usecases`.
"""
