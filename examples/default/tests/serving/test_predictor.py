"""Tests of the compiled predictor and of loading the champion for the service."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge

from house_price_model import schema
from house_price_model.artifacts import load_model
from house_price_model.config import Settings
from house_price_model.errors import PipelineError
from house_price_model.serving import predictor
from house_price_model.serving.model import (
    load_champion,
)
from house_price_model.serving.predictor import (
    compile_model,
    predict_function,
)
from house_price_model.task import (
    PREDICT_METHOD,
    STEP,
    predictions,
)

from ..cases import CATEGORY, NUMBER, needs_number, well_formed

PACKAGE = "house_price_model"
# Other models, and whether the compiled predictor supports them.
OTHER_MODELS = {
    "linear": (Ridge(), True),
    "forest": (RandomForestRegressor(n_estimators=5, random_state=0), False),
}


@pytest.fixture
def test_split(trained_settings: Settings) -> pd.DataFrame:
    return pd.read_csv(trained_settings.data.processed_dir / "test.csv")


@pytest.fixture
def champion(trained_settings: Settings) -> tuple[Any, predictor.FastModel]:
    """The trained champion and its compiled form; the tests of the compiled form are of
    the bundled model's internals, so they skip when the model is one it does not support."""
    model, _ = load_model(trained_settings.registry.champion_dir)
    fast = compile_model(model)
    if fast is None:
        pytest.skip(
            f"bundled model's internals: the compiled predictor does not support this "
            f"{type(model[-1]).__name__} (the service uses the model's own {PREDICT_METHOD})"
        )
    return model, fast


def test_compiled_model_matches_scikit_learn(
    champion: tuple[Any, predictor.FastModel], test_split: pd.DataFrame
) -> None:
    model, fast = champion
    features = test_split[list(schema.FEATURES)]
    np.testing.assert_allclose(
        fast(features.to_dict("records")), predictions(model, features), rtol=1e-9
    )


@needs_number
def test_missing_numbers_follow_the_trees(
    champion: tuple[Any, predictor.FastModel], test_split: pd.DataFrame
) -> None:
    model, fast = champion
    features = test_split[list(schema.FEATURES)].head(10).astype({NUMBER: float})
    features.loc[::2, NUMBER] = np.nan
    np.testing.assert_allclose(
        fast(features.to_dict("records")), predictions(model, features), rtol=1e-9
    )


@needs_number
def test_few_rows_encode_as_many_rows_do(
    champion: tuple[Any, predictor.FastModel], test_split: pd.DataFrame
) -> None:
    _, fast = champion
    records = test_split[list(schema.FEATURES)].head(predictor.FEW_ROWS + 1).to_dict("records")
    records[0] = {**records[0], NUMBER: None}
    if CATEGORY is not None:  # an unknown category encodes as all zeros, not as a gap
        records[0][CATEGORY] = "not-a-category"
    many = fast.encode(records)  # one more row than FEW_ROWS: column by column
    few = fast.encode(records[: predictor.FEW_ROWS])
    assert few.shape == (predictor.FEW_ROWS, many.shape[1])
    np.testing.assert_array_equal(few, many[: predictor.FEW_ROWS])
    assert np.isnan(few[0]).sum() == 1
    np.testing.assert_array_equal(fast.encode(records[1:2]), many[1:2])


@pytest.mark.parametrize("name", list(OTHER_MODELS))
def test_other_models_are_served_correctly(
    trained_settings: Settings, test_split: pd.DataFrame, name: str
) -> None:
    estimator, supported = OTHER_MODELS[name]
    model, _ = load_model(trained_settings.registry.champion_dir)
    model.steps[-1] = (STEP, estimator)
    features = test_split[list(schema.FEATURES)]
    model.fit(features, test_split[schema.TARGET])
    records = features.to_dict("records")
    function, compiled = predict_function(model, records[:5])
    assert compiled is supported
    np.testing.assert_allclose(function(records), predictions(model, features), rtol=1e-9)


def test_disagreement_falls_back_to_scikit_learn(
    trained_settings: Settings, test_split: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _ = load_model(trained_settings.registry.champion_dir)
    wrong = np.zeros_like(np.asarray(predictions(model, test_split[list(schema.FEATURES)])))
    monkeypatch.setattr(predictor, "compile_model", lambda model: lambda records: wrong)
    records = test_split[list(schema.FEATURES)].to_dict("records")
    function, compiled = predictor.predict_function(model, records)
    assert compiled is False
    np.testing.assert_allclose(function(records), predictions(model, pd.DataFrame(records)))


def test_champion_loads_with_name_and_version(trained_settings: Settings) -> None:
    loaded = load_champion(trained_settings)
    metadata = json.loads((trained_settings.registry.champion_dir / "model.json").read_text())
    model, _ = load_model(trained_settings.registry.champion_dir)
    supported = compile_model(model) is not None
    assert (loaded.version, loaded.compiled) == (metadata["version"], supported)
    assert loaded.version.startswith("1+")
    [answer] = loaded.predict([schema.EXAMPLE])
    assert well_formed(answer), answer


def test_missing_champion_is_a_clear_error(trained_settings: Settings) -> None:
    serving = dataclasses.replace(trained_settings.serving, model_uri="models/absent")
    with pytest.raises(PipelineError, match="models/absent"):
        load_champion(dataclasses.replace(trained_settings, serving=serving))


def test_champion_loads_from_the_mlflow_registry(trained_settings: Settings) -> None:
    from ..cases import same_answers

    uri = f"models:/{trained_settings.tracking.model_name}@champion"
    serving = dataclasses.replace(trained_settings.serving, model_uri=uri)
    from_registry = load_champion(dataclasses.replace(trained_settings, serving=serving))
    local = load_champion(trained_settings)
    assert from_registry.version == local.version  # one model, one label: "1+<digest>"
    assert same_answers(from_registry.predict([schema.EXAMPLE]), local.predict([schema.EXAMPLE]))


def test_the_service_answers_without_importing_scikit_learn(
    trained: Path, champion: tuple[Any, predictor.FastModel]
) -> None:
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        f"from {PACKAGE} import schema\n"
        f"from {PACKAGE}.serving.app import create_app\n"
        f"from {PACKAGE}.serving.model import load_folder\n"
        "model = load_folder(Path('models/champion'))\n"
        "assert model.compiled and len(model.predict([schema.EXAMPLE])) == 1\n"
        "print(sorted(name for name in ('sklearn', 'skops', 'pandas') if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=trained, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
