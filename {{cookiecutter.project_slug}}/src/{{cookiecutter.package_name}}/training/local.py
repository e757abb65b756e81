"""Training without a tracking server: the model and its metadata are saved locally only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..artifacts import save_model
from ..config import Settings

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

MODEL_NAME = "{{ cookiecutter.project_slug }}"


def model_name(settings: Settings) -> str:
    """The name the model is known by in its metadata and in the logs."""
    del settings
    return MODEL_NAME


def save(
    settings: Settings,
    model: Pipeline,
    train: pd.DataFrame,
    metadata: dict[str, Any],
    extra: dict[str, Callable[[Path], None]],
) -> None:
    """Save the model with its metadata and other forms to ``training.model_dir``."""
    del train
    save_model(settings.training.model_dir, model, metadata, extra)
