"""The gate judges a challenger against every champion the project knows.

Moving to a new, empty MLflow tracking store (``MLFLOW_TRACKING_URI``) is what a user does
when a real tracking server arrives; the local champion must still be
the one to beat. These tests run the command line as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from house_price_model.artifacts import copy_model

PACKAGE = "house_price_model"


def cli(folder: Path, *arguments: str, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", PACKAGE, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environ},
    )


def worse_hyperparameters(folder: Path) -> None:
    params = folder / "config" / "params.yaml"
    text = params.read_text(encoding="utf-8")
    assert "max_iter: 300" in text
    params.write_text(text.replace("max_iter: 300", "max_iter: 3"), encoding="utf-8")


def test_worse_model_on_an_empty_store_does_not_replace_the_local_champion(
    trained: Path,
) -> None:
    champion = trained / "models" / "champion"
    before = {path.name: path.read_bytes() for path in champion.iterdir() if path.is_file()}
    worse_hyperparameters(trained)
    new_store = f"sqlite:///{trained / 'new-store.db'}"
    result = cli(trained, "pipeline", MLFLOW_TRACKING_URI=new_store)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "has no champion" in result.stderr
    report = json.loads((trained / "reports" / "metrics.json").read_text())
    assert report["promote"] is False
    [local] = report["champions"]
    assert local["source"] == "models/champion"
    assert any(
        f"does not beat champion version {local['version']}" in reason
        for reason in report["reasons"]
    )
    after = {path.name: path.read_bytes() for path in champion.iterdir() if path.is_file()}
    assert after == before
    import mlflow

    assert mlflow.MlflowClient(new_store).search_model_versions() == []


def test_registry_and_local_champion_that_disagree_are_refused(trained: Path) -> None:
    assert cli(trained, "train").returncode == 0  # another model, copied in by hand
    copy_model(trained / "models" / "challenger", trained / "models" / "champion", {})
    before = (trained / "models" / "champion" / "model.json").read_bytes()
    result = cli(trained, "evaluate")
    assert result.returncode == 0, result.stderr[-3000:]
    assert cli(trained, "register").returncode == 0
    report = json.loads((trained / "reports" / "metrics.json").read_text())
    assert report["promote"] is False
    assert len(report["champions"]) == 2
    assert any("different models" in reason for reason in report["reasons"])
    assert (trained / "models" / "champion" / "model.json").read_bytes() == before


@pytest.fixture(autouse=True)
def _no_tracking_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
