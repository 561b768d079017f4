"""``salus weapons``: the small-arms registry from the command line."""
