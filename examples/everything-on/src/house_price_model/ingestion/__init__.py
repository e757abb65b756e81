"""Ingestion: read the raw CSV, clean it and split it into train, validation and test sets."""
