"""Tests of the training stage and of how the model is stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io

from house_price_model import schema
from house_price_model.artifacts import (
    MODEL_FILE,
    TRUSTED_TYPES,
    load_model,
)
from house_price_model.config import Settings
from house_price_model.errors import PipelineError
from house_price_model.task import (
    predictions,
)
from house_price_model.training import main
from house_price_model.training.main import (
    build_model,
    fit,
)


def test_model_uses_the_hyperparameters_from_params(trained_settings: Settings) -> None:
    model, metadata = load_model(trained_settings.training.model_dir)
    regressor = model[-1].get_params()
    for key, value in trained_settings.training.hyperparameters.items():
        assert regressor[key] == value
    assert regressor["random_state"] == trained_settings.data.seed
    assert metadata["features"] == list(schema.FEATURES)


def test_saved_model_needs_only_the_declared_trusted_types(trained_settings: Settings) -> None:
    path = trained_settings.training.model_dir / MODEL_FILE
    assert set(skops.io.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    model, metadata = load_model(trained_settings.training.model_dir)
    check = pd.DataFrame(metadata["check"]["records"])
    np.testing.assert_allclose(predictions(model, check), metadata["check"]["predictions"])


def unchanged(values: object) -> object:
    """A function of the user's own, which skops does not trust until it is declared."""
    return values


def test_a_type_missing_from_trusted_types_stops_training_with_one_line(
    ingested_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def untrusted_model(hyperparameters: dict, seed: int) -> object:
        return make_pipeline(FunctionTransformer(unchanged), build_model(hyperparameters, seed))

    monkeypatch.setattr(main, "build_model", untrusted_model)
    with pytest.raises(PipelineError) as error:
        main.run(ingested_settings)
    message = str(error.value)
    package = schema.__name__.partition(".")[0]
    assert f"{__name__}.unchanged" in message
    assert f"add them to TRUSTED_TYPES in src/{package}/artifacts.py" in message
    assert "\n" not in message
    assert not ingested_settings.training.model_dir.exists()


def test_unknown_hyperparameter_is_named() -> None:
    with pytest.raises(PipelineError, match=r"training\.hyperparameters: .*learnin_rate"):
        build_model({"learnin_rate": 0.1}, seed=1)


def test_bad_hyperparameter_value_is_named(trained: Path) -> None:
    train = pd.read_csv(trained / "data" / "processed" / "train.csv")
    with pytest.raises(PipelineError, match=r"training\.hyperparameters: .*learning_rate"):
        fit(build_model({"learning_rate": -1.0}, seed=1), train)


def test_fit_is_reproducible(trained: Path) -> None:
    train = pd.read_csv(trained / "data" / "processed" / "train.csv")
    first = fit(build_model({"max_iter": 20}, seed=3), train)
    second = fit(build_model({"max_iter": 20}, seed=3), train)
    features = train[list(schema.FEATURES)]
    np.testing.assert_array_equal(first.predict(features), second.predict(features))
