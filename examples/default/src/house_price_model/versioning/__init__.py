"""Versioning: tag data versions in git and push them to the DVC remote."""
