"""The incident observatory's entities, value objects and validation rules."""
