"""Reconciliation statistics: record linkage and multiple-systems estimation."""
