"""Regression: the model predicts a number, ``schema.TARGET``.

The estimator is scikit-learn's histogram gradient boosting regressor; it is scored by
RMSE, MAE and R², and the evaluation plots are predicted against actual values and the
residuals.
"""

from __future__ import annotations

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
# The files plot() writes.
PLOTS = ("predicted_vs_actual.png", "residuals.png")
# Column types to read the splits with (pandas infers the numbers).
SPLIT_DTYPES: dict[str, Any] = {}


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


def answers(values: np.ndarray) -> list[float]:
    """The answer for each record: its predicted number."""
    return values.tolist()


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
