"""Turn the champion model into a function from request records to predictions.

scikit-learn's ``predict`` is built for large batches: on one record, the column
transformer and the per-tree loop of gradient boosting cost milliseconds of overhead.
:func:`compile_model` reads the fitted parameters once (one-hot layout, tree node
arrays or linear coefficients) into a :class:`FastModel`, which predicts with a few
vectorised NumPy steps. The training stage saves it next to the model as ``fast.npz``
(plain arrays, read with ``allow_pickle=False``), so the service loads it with NumPy
alone, without importing scikit-learn.

It supports the model :mod:`..training.main` builds and linear models. For any other
model, or if its answers differ from scikit-learn's on the model's check records, the
service falls back to the model's own ``predict``, so a custom model always works.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
Records = Sequence[dict[str, Any]]
PredictFunction = Callable[[Records], np.ndarray]
FAST_FILE = "fast.npz"
# Inverse link functions of the supported losses, by name.
LINKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"identity": lambda x: x, "log": np.exp}
TREE_ARRAYS = ("left", "right", "feature", "threshold", "missing_left", "value", "roots")


@dataclasses.dataclass(frozen=True)
class FastModel:
    """A fitted model as arrays: how records become features, and how features become values.

    ``layout`` holds, per encoded feature, the column and the category it one-hot
    encodes (``None``: the column's number itself). ``kind`` is ``trees`` (gradient
    boosting, every tree's nodes in one table) or ``linear``.
    """

    layout: tuple[tuple[str, Any], ...]
    kind: str
    arrays: dict[str, np.ndarray]
    scalars: dict[str, Any]

    def encode(self, records: Records) -> np.ndarray:
        """The feature matrix of ``records``, one column at a time."""
        features = np.empty((len(records), len(self.layout)), dtype=np.float64)
        for index, (name, category) in enumerate(self.layout):
            values = [record[name] for record in records]
            if category is None:
                features[:, index] = values
            else:
                features[:, index] = [value == category for value in values]
        return features

    def regress(self, features: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            return features @ self.arrays["coef"] + self.scalars["intercept"]
        return self._trees(features)

    def _trees(self, features: np.ndarray) -> np.ndarray:
        arrays = self.arrays
        left, right, feature = arrays["left"], arrays["right"], arrays["feature"]
        threshold, missing_left = arrays["threshold"], arrays["missing_left"]
        rows = np.arange(len(features))[:, None]
        node = np.broadcast_to(arrays["roots"], (len(features), len(arrays["roots"])))
        for _ in range(self.scalars["depth"]):
            x = features[rows, feature[node]]
            go_left = (x <= threshold[node]) | (np.isnan(x) & missing_left[node])
            node = np.where(go_left, left[node], right[node])
        raw = arrays["value"][node].sum(axis=1) + self.scalars["baseline"]
        return np.asarray(LINKS[self.scalars["link"]](raw))

    def __call__(self, records: Records) -> np.ndarray:
        return self.regress(self.encode(records))

    def save(self, path: Path) -> None:
        """Write the arrays and a JSON header to one ``.npz`` file (no pickled objects)."""
        header = {"layout": self.layout, "kind": self.kind, "scalars": self.scalars}
        text = np.array(json.dumps(header))
        with path.open("wb") as handle:
            np.savez(handle, header=text, **self.arrays)

    @classmethod
    def load(cls, path: Path) -> FastModel:
        """Read a file written by :meth:`save`; raise ValueError or OSError if it is not one."""
        with np.load(path, allow_pickle=False) as stored:
            header = json.loads(str(stored["header"]))
            arrays = {name: stored[name] for name in stored.files if name != "header"}
        layout = tuple((name, category) for name, category in header["layout"])
        link = header["scalars"].get("link", "identity")
        if header["kind"] not in {"trees", "linear"} or link not in LINKS:
            raise ValueError(f"{path}: unknown model kind {header['kind']!r} or link {link!r}")
        return cls(layout, header["kind"], arrays, header["scalars"])


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (so the layout is JSON)."""
    return value.item() if isinstance(value, np.generic) else value


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
                layout.extend((name, _plain(category)) for category in categories)
        else:
            return None
    return layout


def _layout(model: Any) -> list[tuple[str, Any]] | None:
    from sklearn.compose import ColumnTransformer

    encoder = model.steps[0][1] if len(model.steps) == 2 else None
    if not isinstance(encoder, ColumnTransformer):
        return None
    layout = _feature_layout(encoder, list(model.feature_names_in_))
    if layout is None or len(layout) != len(encoder.get_feature_names_out()):
        return None
    return layout


def _trees(regressor: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Every tree of a fitted HistGradientBoostingRegressor in one node table."""
    predictors = [trees[0] for trees in regressor._predictors]
    if regressor._preprocessor is not None or not predictors:
        return None
    link = {"IdentityLink": "identity", "LogLink": "log"}.get(type(regressor._loss.link).__name__)
    nodes = [predictor.nodes for predictor in predictors]
    if link is None or any(part["is_categorical"].any() for part in nodes):
        return None
    offsets = np.cumsum([0] + [len(part) for part in nodes[:-1]])
    table = np.concatenate(nodes)
    index = np.arange(len(table))
    leaf = table["is_leaf"].astype(bool)
    shift = np.repeat(offsets, [len(part) for part in nodes])
    arrays = {
        "left": np.where(leaf, index, table["left"].astype(np.intp) + shift),
        "right": np.where(leaf, index, table["right"].astype(np.intp) + shift),
        "feature": np.where(leaf, 0, table["feature_idx"]).astype(np.intp),
        "threshold": table["num_threshold"].astype(np.float64),
        "missing_left": table["missing_go_to_left"].astype(bool),
        "value": table["value"].astype(np.float64),
        "roots": offsets.astype(np.intp),
    }
    scalars = {
        "depth": int(table["depth"].max()),
        "baseline": float(np.asarray(regressor._baseline_prediction).ravel()[0]),
        "link": link,
    }
    return arrays, scalars


def compile_model(model: Any) -> FastModel | None:
    """A fast model equivalent to ``model.predict``, or None if the model is unsupported."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model._base import LinearModel

    try:
        layout = _layout(model)
        regressor = model.steps[-1][1]
        if layout is None:
            return None
        if isinstance(regressor, HistGradientBoostingRegressor):
            parts = _trees(regressor)
            return None if parts is None else FastModel(tuple(layout), "trees", *parts)
        if isinstance(regressor, LinearModel) and np.ndim(regressor.coef_) == 1:
            arrays = {"coef": np.asarray(regressor.coef_, dtype=np.float64)}
            scalars = {"intercept": float(regressor.intercept_)}
            return FastModel(tuple(layout), "linear", arrays, scalars)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None
    return None


def agrees(function: PredictFunction, records: Records, expected: Sequence[float]) -> bool:
    """Whether ``function`` gives ``expected`` on ``records`` (to 1e-9 relative)."""
    if not records:
        return False
    try:
        return bool(np.allclose(function(records), expected, rtol=1e-9, atol=1e-6))
    except (KeyError, TypeError, ValueError, IndexError):
        return False


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
        if agrees(fast, check_records, reference(check_records)):
            return fast, True
        log.warning("compiled model disagrees with scikit-learn; using the model's own predict")
    return reference, False
