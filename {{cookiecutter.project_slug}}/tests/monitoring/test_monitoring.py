"""Tests of the monitoring stage: the planted shift is caught, the unshifted batch passes."""

from __future__ import annotations

import dataclasses
import json
{%- if cookiecutter.experiment_tracking == "mlflow" %}
import shutil
{%- endif %}
{%- if cookiecutter.ci == "github-actions" %}
import subprocess
import sys
{%- endif %}
{%- if cookiecutter.ci == "github-actions" or cookiecutter.experiment_tracking == "mlflow" %}
from pathlib import Path
{%- endif %}

{% if cookiecutter.serving != "none" -%}
import numpy as np
{% endif -%}
import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import schema
{%- if cookiecutter.serving != "none" %}
from {{ cookiecutter.package_name }}.artifacts import load_model
{%- endif %}
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.monitoring.main import (
    EXIT_DRIFT,
    PREDICTION,
    run,
)
{%- if cookiecutter.experiment_tracking == "mlflow" %}
from {{ cookiecutter.package_name }}.monitoring.mlflow import (
    ARTIFACT_PATH,
    experiment_name,
)
{%- endif %}
{%- if cookiecutter.serving != "none" %}
from {{ cookiecutter.package_name }}.task import (
    answers,
    predictions,
)
{%- endif %}

# Evidently is slow to import: keep these tests on one worker of pytest-xdist.
pytestmark = pytest.mark.xdist_group("monitoring")


{%- if cookiecutter.experiment_tracking == "mlflow" %}


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow store whose tables exist (making them takes seconds, copying it does not)."""
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("store") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def ingested_settings(ingested_settings: Settings, empty_store: Path) -> Settings:
    """The ingested copy, with the empty store where every check logs its run."""
    store = ingested_settings.tracking.store_uri().removeprefix("sqlite:///")
    shutil.copyfile(empty_store, store)
    return ingested_settings
{%- endif %}


def _with_current(settings: Settings, current: str) -> Settings:
    return dataclasses.replace(
        settings, monitoring=dataclasses.replace(settings.monitoring, current=current)
    )


def test_the_command_tells_drift_from_a_check_that_failed(
    ingested_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the command line: drift exits EXIT_DRIFT, a batch it cannot read exits 1."""
    del ingested_settings  # the working folder: an ingested private copy of the project
    monkeypatch.setenv("CURRENT_DATA", "data/current/shifted.csv")
    assert main(["monitor"]) == EXIT_DRIFT == 3
    monkeypatch.setenv("CURRENT_DATA", "data/current/no-such-batch.csv")
    assert main(["monitor"]) == 1


def test_planted_shift_fails_with_one_line(
    ingested_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(_with_current(ingested_settings, "data/current/shifted.csv")) == EXIT_DRIFT
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("drift: ")
    summary = json.loads((ingested_settings.monitoring.reports_dir / "drift.json").read_text())
    assert summary["drift"] is True
    assert summary["drifted_columns"]
    assert all(name in lines[0] for name in summary["drifted_columns"])
    assert summary["drifted_share"] >= ingested_settings.monitoring.drift_share
    html = (ingested_settings.monitoring.reports_dir / "drift.html").read_text(encoding="utf-8")
    assert "<html" in html.lower()


{% if cookiecutter.experiment_tracking == "mlflow" -%}
def test_each_check_is_an_mlflow_run_with_its_reports(trained_settings: Settings) -> None:
    from mlflow.tracking import MlflowClient

    settings = _with_current(trained_settings, "data/current/shifted.csv")
    assert run(settings) == EXIT_DRIFT
    client = MlflowClient(settings.tracking.store_uri())
    experiment = client.get_experiment_by_name(experiment_name(settings))
    [latest, *_] = client.search_runs(
        [experiment.experiment_id], order_by=["attributes.start_time DESC"]
    )
    summary = json.loads((settings.monitoring.reports_dir / "drift.json").read_text())
    assert latest.data.tags["drift"] == "true"
    assert latest.data.tags["current"] == "data/current/shifted.csv"
    assert latest.data.metrics["drifted_share"] == summary["drifted_share"]
    logged = {item.path for item in client.list_artifacts(latest.info.run_id, ARTIFACT_PATH)}
    assert logged == {
        f"{ARTIFACT_PATH}/{name}" for name in ("drift.html", "drift.json", "prediction_drift.html")
    }


{% endif -%}
def test_unshifted_batch_passes(ingested_settings: Settings) -> None:
    assert run(_with_current(ingested_settings, "data/current/unshifted.csv")) == 0
    summary = json.loads((ingested_settings.monitoring.reports_dir / "drift.json").read_text())
    assert summary["drift"] is False
    assert summary["drifted_share"] < ingested_settings.monitoring.drift_share
    assert summary["prediction"] is None  # no champion yet: the features alone


def test_the_champions_predictions_are_compared_too(trained_settings: Settings) -> None:
    assert run(_with_current(trained_settings, "data/current/unshifted.csv")) == 0
    summary = json.loads((trained_settings.monitoring.reports_dir / "drift.json").read_text())
    assert summary["prediction"]["drifted"] is False
    assert PREDICTION not in summary["columns"]
    assert run(_with_current(trained_settings, "data/current/shifted.csv")) == EXIT_DRIFT
    summary = json.loads((trained_settings.monitoring.reports_dir / "drift.json").read_text())
    assert set(summary["prediction"]) == {"method", "threshold", "score", "drifted"}


{%- if cookiecutter.ci == "github-actions" %}


def workflow_summary(tmp_path: Path) -> str:
    """The job summary the monitor workflow writes from the report in this workspace."""
    import yaml

    workflow = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "monitor.yml"
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["drift"]["steps"]
    command = next(step["run"] for step in steps if step.get("name", "").endswith("summary"))
    script = command.split("<<'EOF'\n", 1)[1].rsplit("EOF", 1)[0]
    summary = tmp_path / "summary.md"
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    return summary.read_text(encoding="utf-8")


def test_the_workflow_summary_shows_the_columns_and_the_predictions(
    trained_settings: Settings, tmp_path: Path
) -> None:
    assert run(_with_current(trained_settings, "data/current/shifted.csv")) == EXIT_DRIFT
    report = json.loads((trained_settings.monitoring.reports_dir / "drift.json").read_text())
    text = workflow_summary(tmp_path)
    assert text.startswith("## Data drift\n\n**Drift**")
    assert all(f"| {name} |" in text for name in report["columns"])
    assert "The champion's predictions" in text


def test_the_workflow_summary_says_when_no_champion_was_compared(
    ingested_settings: Settings, tmp_path: Path
) -> None:
    assert run(_with_current(ingested_settings, "data/current/unshifted.csv")) == 0
    text = workflow_summary(tmp_path)
    assert text.startswith("## Data drift\n\nNo drift")
    assert "the predictions were not compared" in text
{%- endif %}


def test_batch_without_a_feature_is_refused(ingested_settings: Settings) -> None:
    feature = schema.FEATURES[0]
    batch = pd.read_csv("data/current/unshifted.csv").drop(columns=feature)
    batch.to_csv("partial.csv", index=False)
    with pytest.raises(DataError, match=f"missing column '{feature}'"):
        run(_with_current(ingested_settings, "partial.csv"))


def test_too_few_rows_are_refused_not_called_no_drift(ingested_settings: Settings) -> None:
    minimum = ingested_settings.monitoring.min_rows
    batch = pd.read_csv("data/current/shifted.csv").head(minimum - 1)
    batch.to_csv("few.csv", index=False)
    with pytest.raises(DataError, match=rf"few.csv: {minimum - 1} rows, fewer than monitoring"):
        run(_with_current(ingested_settings, "few.csv"))
    assert not (ingested_settings.monitoring.reports_dir / "drift.json").exists()
{%- if cookiecutter.serving != "none" %}


def test_logged_requests_can_be_the_current_data(ingested_settings: Settings) -> None:
    from {{ cookiecutter.package_name }}.serving.store import (
        PredictionLog,
        log_rows,
    )

    records = pd.read_csv("data/current/shifted.csv").to_dict("records")
    store = PredictionLog(ingested_settings.serving.database_url)
    store.add(log_rows("r1", ("model", "1"), records, [None] * len(records), 1.0))
    store.close()
    assert run(_with_current(ingested_settings, "requests")) == EXIT_DRIFT
    summary = json.loads((ingested_settings.monitoring.reports_dir / "drift.json").read_text())
    assert summary["current_rows"] == len(records)


def test_answers_that_drift_alone_are_flagged(
    trained_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Requests like the training data, answered with one and the same answer: only the
    predictions drifted, and that is drift."""
    from {{ cookiecutter.package_name }}.serving.store import (
        PredictionLog,
        log_rows,
    )

    records = pd.read_csv("data/current/unshifted.csv").to_dict("records")
    model, _ = load_model(trained_settings.registry.champion_dir)
    [answer] = answers(np.asarray(predictions(model, pd.DataFrame(records[:1]))))
    store = PredictionLog(trained_settings.serving.database_url)
    store.add(log_rows("r1", ("model", "1"), records, [answer] * len(records), 1.0))
    store.close()
    assert run(_with_current(trained_settings, "requests")) == EXIT_DRIFT
    summary = json.loads((trained_settings.monitoring.reports_dir / "drift.json").read_text())
    assert summary["drifted_share"] < trained_settings.monitoring.drift_share
    assert summary["prediction"]["drifted"] is True
    assert PREDICTION in capsys.readouterr().err
{%- endif %}
