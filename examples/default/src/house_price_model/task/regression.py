"""Regression: the model predicts a number, ``schema.TARGET``.

The estimator is scikit-learn's histogram gradient boosting regressor; it is scored by
RMSE, MAE and R², and the evaluation plots are predicted against actual values and the
residuals.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..errors import DataError
from ..metrics import Metric

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

KIND = "regression"
# The name of the estimator's step in the training pipeline.
STEP = "regressor"
METRICS: dict[str, Metric] = {
    "rmse": Metric("RMSE", higher_is_better=False),
    "mae": Metric("MAE", higher_is_better=False),
    "r2": Metric("R²", higher_is_better=True),
}
# What a model that learnt nothing scores (predicting the mean, or guessing).
CHANCE: dict[str, float] = {"r2": 0.0}
# The files plot() writes.
PLOTS = ("predicted_vs_actual.png", "residuals.png")
# Column types to read the splits with (pandas infers the numbers).
SPLIT_DTYPES: dict[str, Any] = {}
# The model's method whose output is the answer (and is checked when the model loads).
PREDICT_METHOD = "predict"
# What the answer for each record is, in words.
ANSWER = f"the predicted {schema.TARGET}"
# The kind of value the answers hold: numbers.
PREDICTED_KIND = "numerical"
# adopt-data: a regression target with fewer distinct values than this looks like classes.
MIN_TARGET_VALUES = 10


def estimator(hyperparameters: dict[str, Any], seed: int) -> Any:
    """The estimator ``training.hyperparameters`` configure; a TypeError names a bad key."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=seed, **hyperparameters)


def clean_target(values: pd.Series) -> pd.Series:
    """The target as numbers; stop if a present value is not one."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    bad = int((numbers.isna() & values.notna()).sum())
    if bad:
        raise DataError(f"column {schema.TARGET!r}: {bad} rows are not numbers")
    return numbers


def check_model(model: Any) -> None:
    """Any fitted regressor will do."""
    del model


def predictions(model: Any, features: pd.DataFrame) -> list[Any]:
    """What the model answers for ``features``: one number per row."""
    return model.predict(features).tolist()


def prediction_columns(model: Any, features: pd.DataFrame) -> dict[str, Any]:
    """The columns batch scoring adds for ``features``: the predicted number."""
    return {f"predicted_{schema.TARGET}": model.predict(features)}


def answers(values: np.ndarray) -> list[float]:
    """The answer for each record: its predicted number."""
    return values.tolist()


def answer_type() -> Any:
    """The type of one answer, for the response schema."""
    return float


def predicted(model: Any, features: pd.DataFrame) -> list[Any]:
    """The value followed over time for each row: the prediction."""
    return model.predict(features).tolist()


def logged(answer: Any) -> Any:
    """The value followed over time in a logged answer: the number itself."""
    return answer


def score(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    """Every metric of ``METRICS`` for ``model`` on ``frame`` (features and target)."""
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    actual = frame[schema.TARGET]
    predicted = model.predict(frame[list(schema.FEATURES)])
    return {
        "rmse": float(root_mean_squared_error(actual, predicted)),
        "mae": float(mean_absolute_error(actual, predicted)),
        "r2": float(r2_score(actual, predicted)),
    }


def plot(model: Any, test: pd.DataFrame, folder: Path) -> list[Path]:
    """Predicted-vs-actual and residual plots of ``model`` on ``test``, as PNG files."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    actual = test[schema.TARGET].to_numpy()
    predicted = model.predict(test[list(schema.FEATURES)])
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in PLOTS]
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


def adopt_target(values: pd.Series, name: str) -> pd.Series:
    """The target of a table being adopted, as numbers, if it fits a regression: numeric,
    with at least MIN_TARGET_VALUES distinct values."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    if values.dtype == bool or int((numbers.isna() & values.notna()).sum()):
        raise DataError(
            f"--target {name!r}: holds values that are not numbers; a regression target "
            "is numeric (classes are a classification task)"
        )
    if numbers.nunique() < MIN_TARGET_VALUES:
        raise DataError(
            f"--target {name!r}: {numbers.nunique()} distinct values; a regression target "
            f"needs at least {MIN_TARGET_VALUES} (these look like classes)"
        )
    return numbers.dropna()


def _range(values: pd.Series) -> str:
    from ..adoption.main import pair, plausible_range

    return pair(plausible_range(values, whole=bool((values % 1 == 0).all())))


def target_lines(values: pd.Series) -> list[str]:
    """What ``schema.py`` says of the adopted target: its plausible range."""
    return [f"TARGET_RANGE: tuple[float, float] = {_range(values)}"]


def target_summary(values: pd.Series) -> str:
    """The adopted target in a few words."""
    return f"regression, range {_range(values)}"


def default_thresholds(values: pd.Series) -> dict[str, float]:
    """Gate thresholds a useful model meets: an RMSE below the target's standard
    deviation (what predicting the mean scores) and an R² above 0.1."""
    from ..adoption.main import nice

    deviation = float(values.std())
    step = 10.0 ** (math.floor(math.log10(deviation)) - 1) if deviation > 0 else 1.0
    return {"max_rmse": float(nice(deviation, step, up=True)), "min_r2": 0.1}


def thresholds_review(thresholds: dict[str, float]) -> str:
    """What the adopted gate means, for the review line."""
    return (
        f"max_rmse {thresholds['max_rmse']} (the target's standard deviation, what "
        f"predicting the mean scores), min_r2 {thresholds['min_r2']}"
    )
