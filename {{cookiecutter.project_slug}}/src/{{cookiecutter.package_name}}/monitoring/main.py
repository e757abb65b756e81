"""Monitoring stage: compare current data with the training data and report drift.

Evidently tests each feature for drift (a statistical test per column) and writes an HTML
report and a JSON summary to ``monitoring.reports_dir``. When at least
``monitoring.drift_share`` of the columns drift, the stage prints one line saying which
and exits with status 1, so a CI job or a CronJob can act on it. A batch with fewer than
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
from ..artifacts import write_json
from ..config import Settings
from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
{%- if cookiecutter.serving != "none" %}
# The value of monitoring.current that means "the requests the service logged".
REQUESTS = "requests"
{%- endif %}
HTML = Path("drift.html")
SUMMARY = Path("drift.json")


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
    return frame.loc[:, list(schema.FEATURES)]


def current_data(settings: Settings) -> tuple[pd.DataFrame, str]:
    """The batch to compare with the reference, and a name for it."""
    source = str(settings.monitoring.current)
{%- if cookiecutter.serving != "none" %}
    if source == REQUESTS:
        import pandas as pd

        from ..serving.store import logged_features

        url = settings.serving.database_url
        return _features(pd.DataFrame(logged_features(url)), f"requests logged in {url}"), url
{%- endif %}
    return read_features(source), source


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


def detect(reference: pd.DataFrame, current: pd.DataFrame, report_path: Path) -> dict[str, Any]:
    """Run Evidently's data drift preset; save the HTML report; return per-column results."""
    with warnings.catch_warnings():  # Evidently's own modules warn as they are compiled
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

    definition = DataDefinition(
        numerical_columns=list(schema.NUMERIC), categorical_columns=list(schema.CATEGORICAL)
    )
    with warnings.catch_warnings():  # SciPy's tests warn on constant or tiny columns
        warnings.simplefilter("ignore", RuntimeWarning)
        snapshot = Report([DataDriftPreset()]).run(
            current_data=Dataset.from_pandas(current, data_definition=definition),
            reference_data=Dataset.from_pandas(reference, data_definition=definition),
        )
    report_path.parent.mkdir(parents=True, exist_ok=True)
    snapshot.save_html(str(report_path))
    return column_drift(snapshot.dict())


def run(settings: Settings) -> int:
    """Compare, report, and return 1 when the data drifted."""
    monitoring = settings.monitoring
    reference = read_features(str(monitoring.reference))
    current, source = current_data(settings)
    for name, frame in ((str(monitoring.reference), reference), (source, current)):
        if len(frame) < monitoring.min_rows:
            raise DataError(
                f"{name}: {len(frame)} rows, fewer than monitoring.min_rows "
                f"({monitoring.min_rows}) needed to judge drift"
            )
    columns = detect(reference, current, monitoring.reports_dir / HTML)
    drifted = sorted(name for name, result in columns.items() if result["drifted"])
    share = len(drifted) / len(columns)
    drift = share >= monitoring.drift_share
    write_json(
        monitoring.reports_dir / SUMMARY,
        {
            "reference": str(monitoring.reference),
            "current": source,
            "reference_rows": len(reference),
            "current_rows": len(current),
            "drift_share": monitoring.drift_share,
            "drifted_share": share,
            "drifted_columns": drifted,
            "drift": drift,
            "columns": columns,
        },
    )
    summary = (
        f"{len(drifted)} of {len(columns)} columns drifted ({share * 100:.0f}%, "
        f"threshold {monitoring.drift_share * 100:.0f}%)"
    )
    log.info("report: %s", monitoring.reports_dir / HTML)
    if drift:
        print(f"drift: {summary} in {source}: {', '.join(drifted)}", file=sys.stderr)
        return 1
    log.info("no drift: %s in %s", summary, source)
    return 0
