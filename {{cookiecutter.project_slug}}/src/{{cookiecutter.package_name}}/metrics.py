"""Regression metrics shared by training (validation split) and evaluation (test split)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import schema

if TYPE_CHECKING:
    import pandas as pd


def readable(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits, in thousands when it is large:
    ``1,234,567``, ``12.35``, ``0.01234``; a small error never shows as ``0``."""
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def score(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    """RMSE, MAE and R² of ``model`` on ``frame`` (features and target)."""
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    actual = frame[schema.TARGET]
    predicted = model.predict(frame[list(schema.FEATURES)])
    return {
        "rmse": float(root_mean_squared_error(actual, predicted)),
        "mae": float(mean_absolute_error(actual, predicted)),
        "r2": float(r2_score(actual, predicted)),
    }
