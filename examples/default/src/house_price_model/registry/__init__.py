"""Registry: make a model that passed the evaluation gate the champion."""

from ..commands import Command

COMMAND = Command(
    "register",
    "make the model champion if it passed the gate",
    position=60,
    pipeline=True,
    reads=("training.model_dir", "evaluation.report", "registry.champion_dir"),
    writes=("registry.champion_dir",),
)
