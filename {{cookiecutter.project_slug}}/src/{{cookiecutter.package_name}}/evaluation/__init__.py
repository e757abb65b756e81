"""Evaluation: score the model on the test split and decide whether it may be promoted."""

from ..commands import Command

COMMAND = Command(
    "evaluate",
    "score the model on the test split and apply the gate",
    position=50,
    pipeline=True,
    reads=("data.processed_dir", "training.model_dir", "registry.champion_dir"),
    writes=("evaluation.report", "evaluation.plots"),
)
