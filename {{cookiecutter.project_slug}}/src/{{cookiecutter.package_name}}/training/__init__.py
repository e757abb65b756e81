"""Training: fit the preprocessing and model pipeline on the training split."""

from ..commands import Command

COMMAND = Command(
    "train",
    "fit the model on the training split",
    position=40,
    pipeline=True,
    reads=("data.processed_dir",{% if cookiecutter.data_validation == "pandera" %} "validation.report"{% endif %}),
    writes=("training.model_dir",),
)
