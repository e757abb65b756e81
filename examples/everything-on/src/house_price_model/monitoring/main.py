"""Monitoring stage: compare current data with the training data and report drift.

Evidently tests each feature for drift (a statistical test per column) and, when there is
a champion in ``registry.champion_dir``, its predictions too: those on held-out rows (the
validation and test splits) against those on the current batch. For logged requests
(``monitoring.current: requests``), the answers the service gave stand for the latter.
HTML reports and a JSON summary go to ``monitoring.reports_dir``, and to MLflow as a run
of its own (``monitoring/mlflow.py``).
When at least ``monitoring.drift_share`` of the feature columns drift, or the predictions
do, the stage prints one line saying which and exits with status 3 (``EXIT_DRIFT``), so a
CI job or a CronJob can act on it. A batch with fewer than
``monitoring.min_rows`` rows is refused (a stage error, status 1 with ``error:``), since
a few rows show no drift whatever the data.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import METADATA_FILE, load_model, write_json
from ..config import Settings
from ..errors import DataError
from ..task import PREDICTED_KIND, predicted
from .mlflow import record

# The exit status when the data drifted: news about the data, not a failure of the check
# (that is 1), so CI and alerts can tell them apart.
EXIT_DRIFT = 3

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
# The value of monitoring.current that means "the requests the service logged".
REQUESTS = "requests"
HTML = Path("drift.html")
PREDICTIONS_HTML = Path("prediction_drift.html")
SUMMARY = Path("drift.json")
# The column of the model's predictions in the drift report.
PREDICTION = f"predicted {schema.TARGET}"


def read_features(source: str) -> pd.DataFrame:
    """The feature columns of a CSV file (extra columns, such as the target, are dropped)."""
    import pandas as pd

    try:
        frame = pd.read_csv(source)
    except FileNotFoundError:
        raise DataError(f"{source}: file not found") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{source}: empty file") from None
    return _features(frame, source)


def _features(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [name for name in schema.FEATURES if name not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column {', '.join(map(repr, missing))}")
    if frame.empty:
        raise DataError(f"{source}: no rows")
    return frame.loc[:, list(schema.FEATURES)].copy()


def current_data(settings: Settings) -> tuple[pd.DataFrame, str, list[Any] | None]:
    """The batch to compare with the reference, a name for it, and the answers already
    given for it (None for a CSV batch: the champion predicts them)."""
    source = str(settings.monitoring.current)
    if source == REQUESTS:
        import pandas as pd

        from ..serving.store import logged_requests

        url = settings.serving.database_url
        rows = logged_requests(url)
        frame = pd.DataFrame([features for features, _ in rows])
        answers = [answer for _, answer in rows]
        return _features(frame, f"requests logged in {url}"), url, answers
    return read_features(source), source, None


def prediction_batches(
    settings: Settings, current: pd.DataFrame, answers: list[Any] | None
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The champion's predictions on held-out rows (the validation and test splits, which
    it was not fitted on) and on the current batch (or the answers logged for it); None,
    with a log line, when there is no champion or too few held-out rows."""
    import pandas as pd

    from ..ingestion.main import read_split

    folder = settings.registry.champion_dir
    if not (folder / METADATA_FILE).exists():
        log.warning("no champion in %s: only the features are compared", folder)
        return None
    processed = settings.data.processed_dir
    held_out = pd.concat([read_split(processed, name) for name in ("val", "test")])
    if len(held_out) < settings.monitoring.min_rows:
        log.warning("%d held-out rows: too few to compare the predictions", len(held_out))
        return None
    model, _ = load_model(folder)
    features = list(schema.FEATURES)
    reference = pd.DataFrame({PREDICTION: predicted(model, held_out[features])})
    if answers is None:
        values = predicted(model, current[features])
    else:
        from ..task import logged

        values = [logged(answer) for answer in answers]
    return reference, pd.DataFrame({PREDICTION: values})


def column_drift(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per column: the test Evidently chose, its score and whether the column drifted."""
    columns = {}
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if not config.get("type", "").endswith("ValueDrift"):
            continue
        method, threshold, value = config["method"], config["threshold"], metric["value"]
        drifted = value < threshold if "p_value" in method else value >= threshold
        columns[config["column"]] = {
            "method": method,
            "threshold": threshold,
            "score": value,
            "drifted": bool(drifted),
        }
    return columns


def detect(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    report_path: Path,
    numerical: list[str],
    categorical: list[str],
) -> dict[str, Any]:
    """Run Evidently's data drift preset on the columns named; save the HTML report;
    return per-column results."""
    with warnings.catch_warnings():  # Evidently's own modules warn as they are compiled
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    with warnings.catch_warnings():  # SciPy's tests warn on constant or tiny columns
        warnings.simplefilter("ignore", RuntimeWarning)
        snapshot = Report([DataDriftPreset()]).run(
            current_data=Dataset.from_pandas(current, data_definition=definition),
            reference_data=Dataset.from_pandas(reference, data_definition=definition),
        )
    report_path.parent.mkdir(parents=True, exist_ok=True)
    snapshot.save_html(str(report_path))
    return column_drift(snapshot.dict())


def enough_rows(batches: dict[str, pd.DataFrame], min_rows: int) -> None:
    """Stop unless every batch has ``monitoring.min_rows`` rows: fewer cannot show drift."""
    for name, frame in batches.items():
        if len(frame) < min_rows:
            raise DataError(
                f"{name}: {len(frame)} rows, fewer than monitoring.min_rows "
                f"({min_rows}) needed to judge drift"
            )


def prediction_drift_result(
    settings: Settings, current: pd.DataFrame, answers: list[Any] | None
) -> dict[str, Any] | None:
    """The champion's predictions on both batches compared, if there is a champion."""
    predictions = prediction_batches(settings, current, answers)
    if predictions is None:
        return None
    kinds = ([PREDICTION], []) if PREDICTED_KIND == "numerical" else ([], [PREDICTION])
    found = detect(*predictions, settings.monitoring.reports_dir / PREDICTIONS_HTML, *kinds)
    return found[PREDICTION]


def run(settings: Settings) -> int:
    """Compare, report, and return EXIT_DRIFT (3) when the data drifted."""
    monitoring = settings.monitoring
    reference = read_features(str(monitoring.reference))
    current, source, answers = current_data(settings)
    enough_rows({str(monitoring.reference): reference, source: current}, monitoring.min_rows)
    columns = detect(
        reference,
        current,
        monitoring.reports_dir / HTML,
        list(schema.NUMERIC),
        list(schema.CATEGORICAL),
    )
    prediction = prediction_drift_result(settings, current, answers)
    drifted = sorted(name for name, result in columns.items() if result["drifted"])
    share = len(drifted) / len(columns)
    prediction_drift = bool(prediction and prediction["drifted"])
    drift = share >= monitoring.drift_share or prediction_drift
    result = {
        "reference": str(monitoring.reference),
        "current": source,
        "reference_rows": len(reference),
        "current_rows": len(current),
        "drift_share": monitoring.drift_share,
        "drifted_share": share,
        "drifted_columns": drifted,
        "prediction": prediction,
        "drift": drift,
        "columns": columns,
    }
    write_json(monitoring.reports_dir / SUMMARY, result)
    reports = [HTML, SUMMARY, *([PREDICTIONS_HTML] if prediction is not None else [])]
    record(settings, [monitoring.reports_dir / name for name in reports], result)
    summary = (
        f"{len(drifted)} of {len(columns)} columns drifted ({share * 100:.0f}%, "
        f"threshold {monitoring.drift_share * 100:.0f}%)"
    )
    if prediction is not None:
        summary += f"; the predictions {'drifted' if prediction_drift else 'did not drift'}"
    log.info("report: %s", monitoring.reports_dir / HTML)
    if drift:
        names = ", ".join([*drifted, *([PREDICTION] if prediction_drift else [])])
        print(f"drift: {summary} in {source}: {names}", file=sys.stderr)
        return EXIT_DRIFT
    log.info("no drift: %s in %s", summary, source)
    return 0
