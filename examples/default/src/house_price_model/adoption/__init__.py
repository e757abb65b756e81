"""Adoption: make a CSV the project's data, with a schema inferred from it."""
