"""Pages of the small-arms registry: list, search, weapon, owners, stockpiles, tracing, forms."""
