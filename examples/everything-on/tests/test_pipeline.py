"""End to end: the whole enabled pipeline on the bundled data, in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from house_price_model.config import load_settings
from house_price_model.task import (
    CHANCE,
    METRICS,
    PLOTS,
)


def test_pipeline_writes_every_artefact(pipeline_run: Path) -> None:
    for split in ("train", "val", "test"):
        assert (pipeline_run / "data" / "processed" / f"{split}.csv").stat().st_size > 0
    validation = json.loads((pipeline_run / "reports" / "validation.json").read_text())
    assert validation["passed"] is True
    for folder in ("challenger", "champion"):
        assert (pipeline_run / "models" / folder / "model.skops").is_file()
    for plot in PLOTS:
        assert (pipeline_run / "reports" / "plots" / plot).read_bytes().startswith(b"\x89PNG")


def test_first_model_learns_and_becomes_champion(pipeline_run: Path) -> None:
    report = json.loads((pipeline_run / "reports" / "metrics.json").read_text())
    assert report["promote"] is True, report["reasons"]
    assert report["champions"] == []
    for name, chance in CHANCE.items():  # better than a model that learnt nothing
        assert METRICS[name].beats(report[name], chance), (name, report[name])
    champion = json.loads((pipeline_run / "models" / "champion" / "model.json").read_text())
    assert champion["registry_version"] == "1"
    assert champion["version"] == f"1+{champion['sha256'][:12]}"
    assert champion["test"] == pytest.approx({name: report[name] for name in METRICS})


def test_champion_is_registered_in_mlflow(
    pipeline_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    monkeypatch.chdir(pipeline_run)
    settings = load_settings(environ={})
    client = mlflow.MlflowClient(settings.tracking.store_uri())
    version = client.get_model_version_by_alias(settings.tracking.model_name, "champion")
    assert str(version.version) == "1"
    run = client.get_run(version.run_id)
    assert set(run.data.metrics) >= {f"test_{name}" for name in METRICS}
    assert {"learning_rate", "max_iter", "seed"} <= set(run.data.params)
