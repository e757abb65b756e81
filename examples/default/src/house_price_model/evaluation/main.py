"""Evaluation stage: score the challenger on the test split and decide if it may be promoted.

The gate has two parts: ``evaluation.thresholds`` and a comparison with every champion
the project knows (the registry's alias and the local copy in ``registry.champion_dir``),
re-scored on the same test rows: the challenger must beat each on
``evaluation.primary_metric``. When the registry and the local copy hold two different
models, the gate refuses rather than guess which one is in use.
The decision and its reasons go to ``reports/metrics.json`` for the registry stage; the
task's plots (:mod:`..task`) go to ``reports/plots/``, replaced all at once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..artifacts import load_model, replacing, write_json
from ..config import Settings
from ..ingestion.main import read_split
from ..metrics import gate, summary
from ..registry.main import known_champions
from ..task import METRICS, plot, score

log = logging.getLogger(__name__)


def log_to_mlflow(
    settings: Settings, run_id: str, report: dict[str, Any], plots: list[Path]
) -> None:
    """Add the test metrics, the decision and the plots to the training run."""
    import mlflow

    mlflow.set_tracking_uri(settings.tracking.store_uri())
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics({f"test_{key}": report[key] for key in METRICS})
        mlflow.set_tag("promote", str(report["promote"]).lower())
        for path in plots:
            mlflow.log_artifact(str(path), artifact_path="plots")


def run(settings: Settings) -> int:
    """Score the challenger and its champion, apply the gate, write the report."""
    model, metadata = load_model(settings.training.model_dir)
    test = read_split(settings.data.processed_dir, "test")
    metrics = score(model, test)
    champions = [
        {
            "source": champion.source,
            "version": champion.version,
            "model_id": champion.model_id,
            **score(champion.model, test),
        }
        for champion in known_champions(settings)
    ]
    evaluation = settings.evaluation
    reasons = gate(metrics, champions, evaluation.thresholds, evaluation.primary_metric, METRICS)
    report: dict[str, Any] = {
        "model_id": metadata["id"],
        "test_rows": len(test),
        **metrics,
        "champions": champions,
        "promote": not reasons,
        "reasons": reasons,
    }
    with replacing(evaluation.plots) as staging:
        plots = plot(model, test, staging)
        log_to_mlflow(settings, metadata["mlflow"]["run_id"], report, plots)
    write_json(evaluation.report, report)
    scores = f"test {summary(metrics, METRICS)}"
    if reasons:
        log.warning("%s; the gate refuses it: %s", scores, "; ".join(reasons))
    else:
        log.info("%s; the gate accepts it", scores)
    return 0
