"""Errors a stage raises when it must stop: the command line prints them as one line."""

from __future__ import annotations


class PipelineError(Exception):
    """A stage cannot go on; the message says why. Nothing has been overwritten."""


class DataError(PipelineError):
    """The input data is unusable: a missing column, a wrong type, a bad value, no rows."""
