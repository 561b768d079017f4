"""Tables and index-backed look-ups of the small-arms registry, stockpiles and tracing."""
