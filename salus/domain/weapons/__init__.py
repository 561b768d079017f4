"""Small arms and light weapons: the registry's vocabulary, lifecycle, rules, serial keys,
stockpiles, tracing."""
