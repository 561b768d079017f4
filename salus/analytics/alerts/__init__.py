"""Early-warning statistics: surveillance of series, hot spots, space-time scan statistics."""
