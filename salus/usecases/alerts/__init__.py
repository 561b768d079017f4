"""Use cases of early warning: rules, alerts and their workflow, notifications, tension, hot spots,
clusters."""
