"""The demo's small-arms registry: catalogue, owners, fates, stockpiles, bulk load."""
