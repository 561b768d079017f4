"""``/api/v1`` of the small-arms registry: endpoints and their schemas."""
