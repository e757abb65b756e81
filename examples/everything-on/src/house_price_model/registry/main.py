"""Registry stage: make the challenger the champion, only if the evaluation gate passed.

The model is registered in MLflow and the ``registry.champion_alias`` alias moves to the
new version. The champion is also copied to ``registry.champion_dir``, which loads
without needing the MLflow server, with the registered MLflow
model in its ``mlflow`` folder, which KServe serves.
A version is shown as ``<number>+<digest>`` (the first 12 hex digits of the model file's
SHA-256), so two different models are never both "version 1".
A model the gate refused never becomes champion; the stage says so and why.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from ..artifacts import (
    METADATA_FILE,
    copy_model,
    load_model,
    read_json,
    replacing,
    version_label,
)
from ..config import Settings
from ..errors import PipelineError
from ..metrics import readable
from ..task import METRICS

log = logging.getLogger(__name__)
# Folder of the champion that KServe's InferenceService serves (deploy/k8s/base).
KSERVE_DIR = "mlflow"


@dataclasses.dataclass(frozen=True)
class Champion:
    """A champion the project knows: where it is, its version and the model itself."""

    source: str
    version: str
    model_id: str
    model: Any


def local_champion(settings: Settings) -> Champion | None:
    """The champion in ``registry.champion_dir`` (the one in use), if there is one."""
    folder = settings.registry.champion_dir
    if not (folder / METADATA_FILE).exists():
        return None
    model, metadata = load_model(folder)
    return Champion(str(folder), str(metadata["version"]), str(metadata["id"]), model)


def registry_champion(settings: Settings) -> Champion | None:
    """The champion the MLflow registry's alias points at, if there is one."""
    import mlflow
    import mlflow.sklearn

    tracking = settings.tracking
    mlflow.set_tracking_uri(tracking.store_uri())
    client = mlflow.MlflowClient()
    alias = settings.registry.champion_alias
    try:
        version = client.get_model_version_by_alias(tracking.model_name, alias)
    except mlflow.exceptions.MlflowException as error:
        if error.error_code in {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}:
            return None
        raise
    tags = client.get_run(version.run_id).data.tags if version.run_id else {}
    model = mlflow.sklearn.load_model(f"models:/{tracking.model_name}@{alias}")
    label = version_label(str(version.version), tags.get("model_sha256", ""))
    source = f"models:/{tracking.model_name}@{alias} in {tracking.uri}"
    return Champion(source, label, tags.get("model_id", ""), model)


def known_champions(settings: Settings) -> list[Champion]:
    """Every champion the challenger must beat: the registry's and the local copy.

    They are one model when the registry stage wrote both. When they are two different
    models (for example after moving to a new tracking store), the gate refuses: it
    cannot tell which one is in use.
    """
    registry = registry_champion(settings)
    local = local_champion(settings)
    if registry is None and local is not None:
        log.warning(
            "the registry at %s has no %s, but %s holds version %s: the challenger must "
            "beat that one",
            settings.tracking.uri,
            settings.registry.champion_alias,
            local.source,
            local.version,
        )
    if registry is not None and local is not None and registry.model_id == local.model_id:
        return [registry]
    return [champion for champion in (registry, local) if champion is not None]


def _register(settings: Settings, metadata: dict[str, Any]) -> str:
    import mlflow

    tracking = settings.tracking
    mlflow.set_tracking_uri(tracking.store_uri())
    version = mlflow.register_model(metadata["mlflow"]["model_uri"], tracking.model_name)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(
        tracking.model_name, settings.registry.champion_alias, version.version
    )
    return str(version.version)


def _export_for_kserve(settings: Settings, version: str) -> None:
    """Write the registered model, in MLflow's format, to ``<champion_dir>/mlflow``."""
    import os

    import mlflow.artifacts

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    uri = f"models:/{settings.tracking.model_name}/{version}"
    with replacing(settings.registry.champion_dir / KSERVE_DIR) as staging:
        mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(staging))


def run(settings: Settings) -> int:
    """Promote the challenger if the gate passed; return the exit status."""
    model_dir = settings.training.model_dir
    metadata = read_json(model_dir / METADATA_FILE, "run the train stage first")
    report_path = settings.evaluation.reports_dir / "metrics.json"
    report = read_json(report_path, "run the evaluate stage first")
    if report.get("model_id") != metadata["id"]:
        raise PipelineError(f"{report_path} scores another model; run the evaluate stage first")
    if not report["promote"]:
        current = ", ".join(champion["version"] for champion in report["champions"]) or "none"
        log.warning(
            "not promoted: %s; the champion is still version %s",
            "; ".join(report["reasons"]),
            current,
        )
        return 0
    number = _register(settings, metadata)
    version = version_label(number, metadata["sha256"])
    promotion = {
        "version": version,
        "registry_version": number,
        "promoted_at": datetime.now(UTC).isoformat(),
        "test": {key: report[key] for key in METRICS},
    }
    copy_model(model_dir, settings.registry.champion_dir, promotion)
    _export_for_kserve(settings, number)
    primary = settings.evaluation.primary_metric
    log.info(
        "promoted: %s version %s is the %s (test %s %s)",
        metadata["name"],
        version,
        settings.registry.champion_alias,
        METRICS[primary].label,
        readable(report[primary]),
    )
    return 0
