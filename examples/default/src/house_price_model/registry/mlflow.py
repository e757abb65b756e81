"""The MLflow model registry: the model is registered and the ``registry.champion_alias``
alias moves to the new version. The champion is also copied to ``registry.champion_dir``,
which loads without needing the MLflow server."""

from __future__ import annotations

import logging
from typing import Any

from ..artifacts import version_label
from ..config import Settings
from .champion import Champion, local_champion

log = logging.getLogger(__name__)


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


def register(settings: Settings, metadata: dict[str, Any]) -> str:
    """Register the model of the training run and point the alias at it; its version."""
    import mlflow

    tracking = settings.tracking
    mlflow.set_tracking_uri(tracking.store_uri())
    version = mlflow.register_model(metadata["mlflow"]["model_uri"], tracking.model_name)
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(
        tracking.model_name, settings.registry.champion_alias, version.version
    )
    return str(version.version)
