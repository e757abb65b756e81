"""Monitoring: compare current data with the reference data and report drift."""
