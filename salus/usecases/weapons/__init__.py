"""Use cases of the small-arms registry: records, owners, lifecycle, imports, search, stockpiles,
tracing, SDG 16.4.2."""
