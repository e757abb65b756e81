"""Errors a stage raises when it must stop: the command line prints them as one line."""

from __future__ import annotations

# Exit statuses of the command line: 0 done; 1 a stage stopped (a PipelineError, said in
# one line); 2 bad configuration or usage. A stage may define its own above these.


class PipelineError(Exception):
    """A stage cannot go on; the message says why. Nothing has been overwritten."""


class DataError(PipelineError):
    """The input data is unusable: a missing column, a wrong type, a bad value, no rows."""
