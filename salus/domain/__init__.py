"""Pure domain: entities, value objects, validation rules and code lists (no I/O of ours)."""
