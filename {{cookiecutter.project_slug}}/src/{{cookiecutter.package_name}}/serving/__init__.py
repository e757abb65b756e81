"""Serving: the prediction service that answers requests with the champion model."""

from ..commands import Command

COMMAND = Command(
    "serve",
    "start the prediction service",
    position=70,
    reads=("serving.model_uri",),
)
