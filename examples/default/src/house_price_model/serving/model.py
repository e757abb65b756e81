"""Load the champion model for the service from ``serving.model_uri`` (``MODEL_URI``): the
folder the registry stage writes, or an MLflow model URI such as ``models:/<name>@champion``
(:mod:`.mlflow_registry`).

From a folder, the compiled form (``fast.npz``) is loaded with NumPy alone and checked
against the predictions the training stage recorded for its check records; only if it is
missing or disagrees is the skops model loaded, with scikit-learn. Any failure to load
(a missing, truncated, damaged or untrusted file) is a :class:`~..errors.PipelineError`
with a one-line reason, which the service reports on ``/ready``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..artifacts import METADATA_FILE, load_model
from ..config import Settings
from ..errors import PipelineError
from ..task import PREDICT_METHOD, answers
from .predictor import FAST_FILE, FastModel, PredictFunction, agrees, predict_function

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A model ready to answer: its name, version and predict function."""

    name: str
    version: str
    compiled: bool
    function: PredictFunction

    @property
    def how(self) -> str:
        """How it predicts, for the log."""
        return "compiled" if self.compiled else f"the model's own {PREDICT_METHOD}"

    def predict(self, records: Sequence[dict[str, Any]]) -> list[Any]:
        """The answer for each record (see :func:`..task.answers`)."""
        return answers(self.function(records))


def _metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA_FILE
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineError(f"{path}: not found; run the pipeline first") from None
    except (OSError, ValueError) as error:
        raise PipelineError(f"{path}: not readable JSON ({error})") from None
    missing = [key for key in ("name", "version", "check") if key not in metadata]
    if missing:
        raise PipelineError(f"{path}: has no {missing[0]!r} entry")
    return metadata


def _compiled(folder: Path, check: dict[str, Any]) -> FastModel | None:
    """The compiled model if it is there and gives the recorded check predictions."""
    path = folder / FAST_FILE
    if not path.exists():
        return None
    try:
        fast = FastModel.load(path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("%s: not usable (%s); loading the skops model instead", path, error)
        return None
    if agrees(fast, check.get("records", []), check.get("predictions", [])):
        return fast
    log.warning("%s disagrees with the recorded predictions; loading the skops model", path)
    return None


def load_folder(folder: Path) -> LoadedModel:
    """The model in ``folder``: compiled if possible, otherwise the skops file."""
    metadata = _metadata(folder)
    name, version, check = str(metadata["name"]), str(metadata["version"]), metadata["check"]
    fast = _compiled(folder, check)
    if fast is not None:
        return LoadedModel(name, version, True, fast)
    model, _ = load_model(folder)
    function, compiled = predict_function(model, check.get("records", []))
    return LoadedModel(name, version, compiled, function)


def load_champion(settings: Settings) -> LoadedModel:
    """Load ``serving.model_uri``; raise PipelineError if no model can be loaded from there."""
    uri = settings.serving.model_uri
    if uri.startswith("models:/"):
        from .mlflow_registry import load_registered

        return load_registered(settings.tracking.store_uri(), uri)
    return load_folder(Path(uri))
