"""``salus alerts`` and ``salus tension``: early warning from the command line."""
