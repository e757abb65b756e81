"""Validation: check raw and processed data against pandera schemas."""
