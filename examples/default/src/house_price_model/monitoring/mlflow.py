"""Monitoring with MLflow: each check is a run of the experiment
``<tracking.experiment>-monitoring``, with the drift figures as metrics and the reports as
artefacts. With a tracking server the reports so reach its artefact store (the object
store) beside the models, whichever pod or CI job ran the check."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..config import Settings

log = logging.getLogger(__name__)
ARTIFACT_PATH = "monitoring"  # the reports' folder in the run's artefacts


def experiment_name(settings: Settings) -> str:
    return f"{settings.tracking.experiment}-monitoring"


def record(settings: Settings, reports: list[Path], summary: dict[str, Any]) -> None:
    """Log one check: whether it found drift, its figures, and the report files."""
    import mlflow
    from mlflow.tracking import MlflowClient

    # MLflow's own notes (a new store, a new experiment) would break the one line on stderr.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(settings.tracking.store_uri())
    client = MlflowClient()
    name = experiment_name(settings)
    found = client.get_experiment_by_name(name)
    experiment = found.experiment_id if found else client.create_experiment(name)
    tags = {"drift": str(summary["drift"]).lower(), "current": summary["current"]}
    with mlflow.start_run(experiment_id=experiment, run_name="monitoring", tags=tags) as run:
        mlflow.log_metrics(
            {"drifted_share": summary["drifted_share"], "current_rows": summary["current_rows"]}
        )
        for path in reports:
            mlflow.log_artifact(str(path), artifact_path=ARTIFACT_PATH)
    log.info("logged the reports to MLflow run %s", run.info.run_id)
