"""Tables of citizen reports and the token buckets that rate-limit their intake."""
