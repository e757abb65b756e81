"""Tests of the registry stage."""

from __future__ import annotations

import json

import pytest

from house_price_model.artifacts import (
    file_digest,
    version_label,
    write_json,
)
from house_price_model.config import Settings
from house_price_model.errors import PipelineError
from house_price_model.registry.champion import (
    local_champion,
)
from house_price_model.registry.kserve import (
    KSERVE_DIR,
)
from house_price_model.registry.main import (
    run,
)


def amend_report(settings: Settings, **changes: object) -> dict:
    """Change the evaluation report on disk; return it as it was."""
    path = settings.evaluation.report
    report = json.loads(path.read_text())
    write_json(path, {**report, **changes})
    return report


def test_champion_is_loaded(trained_settings: Settings) -> None:
    champion = local_champion(trained_settings)
    assert champion is not None
    metadata = json.loads((trained_settings.registry.champion_dir / "model.json").read_text())
    assert champion.version == version_label("1", metadata["sha256"]) == metadata["version"]
    digest = file_digest(trained_settings.registry.champion_dir / "model.skops")
    assert metadata["sha256"] == digest


def test_better_model_becomes_the_next_version(trained_settings: Settings) -> None:
    report = amend_report(trained_settings, promote=True, reasons=[])  # as if it had won again
    assert run(trained_settings) == 0
    champion = json.loads((trained_settings.registry.champion_dir / "model.json").read_text())
    assert champion["registry_version"] == "2"
    assert champion["version"] == version_label("2", champion["sha256"])
    assert champion["id"] == report["model_id"]
    loaded = local_champion(trained_settings)
    assert loaded is not None
    assert loaded.version == champion["version"]


def test_champion_has_the_mlflow_model_kserve_serves(trained_settings: Settings) -> None:
    import mlflow.pyfunc
    import numpy as np
    import pandas as pd

    from house_price_model.schema import EXAMPLE
    from house_price_model.task import predictions

    folder = trained_settings.registry.champion_dir / KSERVE_DIR
    assert (folder / "MLmodel").is_file()
    champion = local_champion(trained_settings)
    assert champion is not None
    record = pd.DataFrame([EXAMPLE])
    served = mlflow.pyfunc.load_model(str(folder)).predict(record)
    assert np.asarray(served) == pytest.approx(np.asarray(predictions(champion.model, record)))


def test_metrics_of_another_model_are_refused(trained_settings: Settings) -> None:
    amend_report(trained_settings, model_id="someone-else", promote=True)
    with pytest.raises(PipelineError, match="scores another model"):
        run(trained_settings)
