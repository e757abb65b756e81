"""Turn the champion model into a function from request records to predictions.

scikit-learn's ``predict`` is built for large batches: on one record, the column
transformer and the per-tree loop of gradient boosting cost milliseconds of overhead.
:func:`compile_model` reads the fitted parameters once (one-hot layout, tree node
arrays or linear coefficients) and predicts with a few vectorised NumPy steps instead.
It supports the model :mod:`..training.main` builds and linear models; for any other
model, or if its answers differ from scikit-learn's on the model's check records, the
service falls back to the model's own ``predict``, so a custom model always works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
Records = Sequence[dict[str, Any]]
PredictFunction = Callable[[Records], np.ndarray]


def _feature_layout(encoder: Any, columns: Sequence[str]) -> list[tuple[str, Any]] | None:
    """(column, category) per encoded feature; category None means the number itself."""
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    layout: list[tuple[str, Any]] = []
    for _, transformer, selected in encoder.transformers_:
        names = [columns[item] if isinstance(item, int | np.integer) else item for item in selected]
        if transformer == "drop" or not names:
            continue
        identity = isinstance(transformer, FunctionTransformer) and transformer.func is None
        if transformer == "passthrough" or identity:
            layout.extend((name, None) for name in names)
        elif isinstance(transformer, OneHotEncoder) and transformer.drop is None:
            for name, categories in zip(names, transformer.categories_, strict=True):
                layout.extend((name, category) for category in categories)
        else:
            return None
    return layout


def _encoder(model: Any) -> Callable[[Records], np.ndarray] | None:
    from sklearn.compose import ColumnTransformer

    encoder = model.steps[0][1] if len(model.steps) == 2 else None
    if not isinstance(encoder, ColumnTransformer):
        return None
    layout = _feature_layout(encoder, list(model.feature_names_in_))
    if layout is None or len(layout) != len(encoder.get_feature_names_out()):
        return None

    def encode(records: Records) -> np.ndarray:
        return np.array(
            [
                [
                    float(record[name]) if category is None else float(record[name] == category)
                    for name, category in layout
                ]
                for record in records
            ],
            dtype=np.float64,
        )

    return encode


def _trees(regressor: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """Vectorised traversal of every tree of a fitted HistGradientBoostingRegressor."""
    predictors = [trees[0] for trees in regressor._predictors]
    if regressor._preprocessor is not None or not predictors:
        return None
    nodes = [predictor.nodes for predictor in predictors]
    if any(part["is_categorical"].any() for part in nodes):
        return None
    offsets = np.cumsum([0] + [len(part) for part in nodes[:-1]])
    table = np.concatenate(nodes)
    index = np.arange(len(table))
    leaf = table["is_leaf"].astype(bool)
    shift = np.repeat(offsets, [len(part) for part in nodes])
    left = np.where(leaf, index, table["left"].astype(np.intp) + shift)
    right = np.where(leaf, index, table["right"].astype(np.intp) + shift)
    feature = np.where(leaf, 0, table["feature_idx"]).astype(np.intp)
    threshold = table["num_threshold"].astype(np.float64)
    missing_left = table["missing_go_to_left"].astype(bool)
    value = table["value"].astype(np.float64)
    depth = int(table["depth"].max())
    roots = offsets.astype(np.intp)
    baseline = float(np.asarray(regressor._baseline_prediction).ravel()[0])
    inverse = regressor._loss.link.inverse

    def predict(features: np.ndarray) -> np.ndarray:
        rows = np.arange(len(features))[:, None]
        node = np.broadcast_to(roots, (len(features), len(roots)))
        for _ in range(depth):
            x = features[rows, feature[node]]
            go_left = (x <= threshold[node]) | (np.isnan(x) & missing_left[node])
            node = np.where(go_left, left[node], right[node])
        return np.asarray(inverse(value[node].sum(axis=1) + baseline))

    return predict


def _regressor(regressor: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model._base import LinearModel

    if isinstance(regressor, HistGradientBoostingRegressor):
        return _trees(regressor)
    if isinstance(regressor, LinearModel) and np.ndim(regressor.coef_) == 1:
        coef = np.asarray(regressor.coef_, dtype=np.float64)
        intercept = float(regressor.intercept_)
        return lambda features: features @ coef + intercept
    return None


def compile_model(model: Any) -> PredictFunction | None:
    """A fast predict function equivalent to ``model.predict``, or None if unsupported."""
    try:
        encode = _encoder(model)
        regress = _regressor(model.steps[-1][1]) if encode else None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    if encode is None or regress is None:
        return None
    return lambda records: regress(encode(records))


def model_predict(model: Any) -> PredictFunction:
    """The model's own ``predict`` on a DataFrame of the records (works for any model)."""
    import pandas as pd

    columns = list(model.feature_names_in_)
    return lambda records: np.asarray(model.predict(pd.DataFrame(list(records), columns=columns)))


def predict_function(model: Any, check_records: Records) -> tuple[PredictFunction, bool]:
    """The fastest correct predict function; the flag says whether it is the compiled one."""
    reference = model_predict(model)
    fast = compile_model(model)
    if fast is not None and check_records:
        expected = reference(check_records)
        if np.allclose(fast(check_records), expected, rtol=1e-9, atol=1e-6):
            return fast, True
        log.warning("compiled model disagrees with scikit-learn; using the model's own predict")
    return reference, False
