"""The champion in the form KServe serves: the registered MLflow model, in the champion
folder's ``mlflow`` subfolder (the InferenceService in deploy/k8s/base reads it)."""

from __future__ import annotations

import os

from ..artifacts import replacing
from ..config import Settings

# Folder of the champion that KServe's InferenceService serves (deploy/k8s/base).
KSERVE_DIR = "mlflow"


def export_for_kserve(settings: Settings, version: str) -> None:
    """Write the registered model, in MLflow's format, to ``<champion_dir>/mlflow``."""
    import mlflow.artifacts

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    uri = f"models:/{settings.tracking.model_name}/{version}"
    with replacing(settings.registry.champion_dir / KSERVE_DIR) as staging:
        mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(staging))
