"""Evaluation stage: score the challenger on the test split and decide if it may be promoted.

{% if cookiecutter.experiment_tracking == "mlflow" -%}
The gate has two parts: the thresholds in ``evaluation`` (``max_rmse``, ``min_r2``) and a
comparison with every champion the project knows (the registry's alias and the local copy
in ``registry.champion_dir``), re-scored on the same test rows: the challenger must have
a lower RMSE than each. When the registry and the local copy hold two different models,
the gate refuses rather than guess which one is in use.
{%- else -%}
The gate has two parts: the thresholds in ``evaluation`` (``max_rmse``, ``min_r2``) and a
comparison with the current champion, re-scored on the same test rows: the challenger must
have a lower RMSE.
{%- endif %}
The decision and its reasons go to ``reports/metrics.json`` for the registry stage;
predicted-vs-actual and residual plots go to ``reports/plots/``, replaced all at once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import load_model, replacing, write_json
from ..config import Settings
from ..ingestion.main import read_split
from ..metrics import readable, score
from ..registry.main import known_champions

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
METRICS = Path("metrics.json")
PLOTS = Path("plots")


def gate(
    challenger: dict[str, float],
    champions: list[dict[str, Any]],
    max_rmse: float,
    min_r2: float,
) -> list[str]:
    """Reasons the challenger may not be promoted; an empty list means it may."""
    reasons = []
    if challenger["rmse"] > max_rmse:
        reasons.append(
            f"test RMSE {readable(challenger['rmse'])} is above max_rmse {readable(max_rmse)}"
        )
    if challenger["r2"] < min_r2:
        reasons.append(f"test R² {readable(challenger['r2'])} is below min_r2 {readable(min_r2)}")
    if len(champions) > 1:
        reasons.append(
            "the known champions are different models: "
            + " and ".join(f"version {item['version']} ({item['source']})" for item in champions)
            + "; make them agree (promote again from the store that made the local one, "
            "or remove the stale one) before a new model can be judged"
        )
    for champion in champions:
        if challenger["rmse"] >= champion["rmse"]:
            reasons.append(
                f"test RMSE {readable(challenger['rmse'])} does not beat champion version "
                f"{champion['version']} ({readable(champion['rmse'])}, {champion['source']}) "
                "on the same test data"
            )
    return reasons


def plot(model: Any, test: pd.DataFrame, folder: Path) -> list[Path]:
    """Predicted-vs-actual and residual plots of ``model`` on ``test``, as PNG files."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    actual = test[schema.TARGET].to_numpy()
    predicted = model.predict(test[list(schema.FEATURES)])
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "predicted_vs_actual.png", folder / "residuals.png"]
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.scatter(actual, predicted, s=10, alpha=0.6)
    low, high = min(actual.min(), predicted.min()), max(actual.max(), predicted.max())
    axes.plot([low, high], [low, high], color="grey", linewidth=1)
    axes.set(xlabel=f"actual {schema.TARGET}", ylabel=f"predicted {schema.TARGET}")
    axes.set_title("Predicted vs actual (test split)")
    figure.tight_layout()
    figure.savefig(paths[0], dpi=100)
    plt.close(figure)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.scatter(predicted, actual - predicted, s=10, alpha=0.6)
    axes.axhline(0, color="grey", linewidth=1)
    axes.set(xlabel=f"predicted {schema.TARGET}", ylabel="actual - predicted")
    axes.set_title("Residuals (test split)")
    figure.tight_layout()
    figure.savefig(paths[1], dpi=100)
    plt.close(figure)
    return paths
{%- if cookiecutter.experiment_tracking == "mlflow" %}


def log_to_mlflow(
    settings: Settings, run_id: str, report: dict[str, Any], plots: list[Path]
) -> None:
    """Add the test metrics, the decision and the plots to the training run."""
    import mlflow

    mlflow.set_tracking_uri(settings.tracking.store_uri())
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics({f"test_{key}": report[key] for key in ("rmse", "mae", "r2")})
        mlflow.set_tag("promote", str(report["promote"]).lower())
        for path in plots:
            mlflow.log_artifact(str(path), artifact_path="plots")
{%- endif %}


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
    reasons = gate(metrics, champions, evaluation.max_rmse, evaluation.min_r2)
    report = {
        "model_id": metadata["id"],
        "test_rows": len(test),
        **metrics,
        "champions": champions,
        "promote": not reasons,
        "reasons": reasons,
    }
    with replacing(evaluation.reports_dir / PLOTS) as staging:
        {% if cookiecutter.experiment_tracking == "mlflow" %}plots = {% endif %}plot(model, test, staging)
{%- if cookiecutter.experiment_tracking == "mlflow" %}
        log_to_mlflow(settings, metadata["mlflow"]["run_id"], report, plots)
{%- endif %}
    write_json(evaluation.reports_dir / METRICS, report)
    summary = (
        f"test RMSE {readable(metrics['rmse'])}, MAE {readable(metrics['mae'])}, "
        f"R² {readable(metrics['r2'])}"
    )
    if reasons:
        log.warning("%s; the gate refuses it: %s", summary, "; ".join(reasons))
    else:
        log.info("%s; the gate accepts it", summary)
    return 0
