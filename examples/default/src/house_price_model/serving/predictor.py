"""Turn the champion model into a function from request records to predictions.

scikit-learn's ``predict`` is built for large batches: on one record, the column
transformer and the per-tree loop of gradient boosting cost milliseconds of overhead.
:func:`compile_model` reads the fitted parameters once (one-hot layout, tree node
arrays or linear coefficients) into a :class:`FastModel`, which predicts with a few
vectorised NumPy steps. The training stage saves it next to the model as ``fast.npz``
(plain arrays, read with ``allow_pickle=False``), so the service loads it with NumPy
alone, without importing scikit-learn.

It supports the gradient boosting models :mod:`..training.main` builds (a regressor, or a
binary classifier, whose class probabilities it computes) and linear regressors. For any
other model (a multiclass classifier among them), or if its answers differ from
scikit-learn's on the model's check records, the service falls back to the model's own
``predict`` (``predict_proba`` for a classifier), so a custom model always works.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..task import PREDICT_METHOD

log = logging.getLogger(__name__)
Records = Sequence[dict[str, Any]]
PredictFunction = Callable[[Records], np.ndarray]
FAST_FILE = "fast.npz"


def _binary(raw: np.ndarray) -> np.ndarray:
    """The two class probabilities of a binary classifier's raw score (the inverse logit)."""
    positive = 1.0 / (1.0 + np.exp(-raw))
    return np.column_stack((1.0 - positive, positive))


# Inverse link functions of the supported losses, by name.
LINKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda x: x,
    "log": np.exp,
    "logit": _binary,
}
# Trees with at most this many leaves also get QuickScorer's tables (one bit a leaf).
MAX_EXIT_LEAVES = 64
# Up to this many rows, comparisons with every threshold and row-by-row encoding are faster.
FEW_ROWS = 16


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

    def __post_init__(self) -> None:
        # Per column: where its number goes, or where each of its categories goes.
        columns: dict[str, Any] = {}
        for index, (name, category) in enumerate(self.layout):
            if category is None:
                columns[name] = index
            else:
                columns.setdefault(name, {})[category] = index
        object.__setattr__(self, "_columns", tuple(columns.items()))
        if "node_mask" in self.arrays:
            object.__setattr__(self, "_exits", _exit_tables(self.arrays))

    def encode(self, records: Records) -> np.ndarray:
        """The feature matrix of ``records``: row by row for a few, else column by column."""
        if len(records) <= FEW_ROWS:
            return self._encode_rows(records)
        features = np.zeros((len(records), len(self.layout)), dtype=np.float64)
        rows = np.arange(len(records))
        for name, where in self._columns:  # type: ignore[attr-defined]
            values = [record[name] for record in records]
            if isinstance(where, int):
                features[:, where] = values
                continue
            places = [where.get(value, -1) for value in values]
            if -1 in places:  # an unknown category encodes as all zeros
                known = [place >= 0 for place in places]
                features[rows[known], np.asarray(places)[known]] = 1.0
            else:
                features[rows, places] = 1.0
        return features

    def _encode_rows(self, records: Records) -> np.ndarray:
        """Python lists turned into one array: a NumPy call a column costs more for a few rows."""
        width = len(self.layout)
        rows = []
        for record in records:
            row = [0.0] * width
            for name, where in self._columns:  # type: ignore[attr-defined]
                if isinstance(where, int):
                    row[where] = record[name]  # None becomes NaN, as in the column path
                elif (place := where.get(record[name])) is not None:
                    row[place] = 1.0
            rows.append(row)
        return np.array(rows, dtype=np.float64).reshape(len(records), width)

    def regress(self, features: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            return features @ self.arrays["coef"] + self.scalars["intercept"]
        return self._trees(features)

    def _trees(self, features: np.ndarray) -> np.ndarray:
        if hasattr(self, "_exits") and not np.isnan(features).any():
            leaves = _exit_leaves(self._exits, features)  # type: ignore[attr-defined]
            raw = self.arrays["leaf_value"][np.arange(leaves.shape[1]), leaves].sum(axis=1)
        else:
            raw = self._walk(features)
        return np.asarray(LINKS[self.scalars["link"]](raw + self.scalars["baseline"]))

    def _walk(self, features: np.ndarray) -> np.ndarray:
        """Walk every tree at once, one level a step (also for missing values).

        Trees are stored deepest first and ``active[k]`` counts those deeper than ``k``,
        so each step only moves the trees that still have a level to go down.
        """
        arrays = self.arrays
        children, feature = arrays["children"], arrays["feature"]
        threshold, missing_right = arrays["threshold"], arrays["missing_right"]
        rows = np.arange(len(features))[:, None]
        node = np.repeat(arrays["roots"][None, :], len(features), axis=0)
        missing = bool(np.isnan(features).any())
        for count in arrays["active"]:
            current = node[:, :count]
            x = features[rows, feature[current]]
            right = x > threshold[current]
            if missing:
                right = np.where(np.isnan(x), missing_right[current], right)
            node[:, :count] = children[2 * current + right]
        return arrays["value"][node].sum(axis=1)

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


@dataclasses.dataclass(frozen=True)
class ExitTables:
    """QuickScorer's tables (Lucchese et al., SIGIR 2015) for every tree at once.

    A value above a split's threshold rules out the leaves of that split's left subtree.
    Splits are grouped by feature and sorted by threshold, so the splits a value is above
    form a prefix of its group; ``table`` holds, for each prefix of each group, the leaves
    of every tree still reachable (one bit a leaf, the leftmost leaf lowest). One look-up
    a feature and an AND across features leave each tree's exit leaf as its lowest bit.
    """

    feature: np.ndarray  # per split, grouped by feature and sorted by threshold
    threshold: np.ndarray
    starts: np.ndarray  # where each feature's group starts among the splits
    columns: np.ndarray  # the feature of each group
    offsets: np.ndarray  # where each group's prefixes start in ``table``
    table: np.ndarray  # (prefixes, trees) of unsigned bit masks


def _exit_tables(arrays: dict[str, np.ndarray]) -> ExitTables:
    """Build the tables from the per-split arrays that :func:`_exit_arrays` writes."""
    leaves = arrays["leaf_value"].shape[1]
    kind = next(kind for kind in (np.uint16, np.uint32, np.uint64) if np.iinfo(kind).bits >= leaves)
    order = np.lexsort((arrays["node_threshold"], arrays["node_feature"]))
    feature, threshold = arrays["node_feature"][order], arrays["node_threshold"][order]
    columns, starts, counts = np.unique(feature, return_index=True, return_counts=True)
    offsets = starts + np.arange(len(starts))  # each group has one more prefix than splits
    table = np.full((len(order) + len(columns), len(arrays["leaf_value"])), np.iinfo(kind).max)
    table = table.astype(kind)
    rows = offsets.repeat(counts) + (np.arange(len(order)) - starts.repeat(counts)) + 1
    table[rows, arrays["node_tree"][order]] = arrays["node_mask"][order].astype(kind)
    for first, count in zip(offsets, counts, strict=True):
        segment = table[first : first + count + 1]
        np.bitwise_and.accumulate(segment, axis=0, out=segment)
    return ExitTables(feature, threshold, starts, columns, offsets, table)


def _exit_leaves(exits: ExitTables, features: np.ndarray) -> np.ndarray:
    """The leaf each row reaches in each tree: the lowest bit still set."""
    if len(features) <= FEW_ROWS:  # compare with every threshold at once
        above = features[:, exits.feature] > exits.threshold
        counts = np.add.reduceat(above, exits.starts, axis=1)
    else:  # many rows: binary search in each feature's thresholds
        ends = [*exits.starts[1:], len(exits.threshold)]
        counts = np.stack(
            [
                exits.threshold[start:end].searchsorted(features[:, column], side="left")
                for column, start, end in zip(exits.columns, exits.starts, ends, strict=True)
            ],
            axis=1,
        )
    reachable = np.bitwise_and.reduce(exits.table[counts + exits.offsets], axis=1)
    lowest = reachable & (~reachable + 1)
    return np.log2(lowest.astype(np.float64)).astype(np.intp)


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
    """Every tree of a fitted HistGradientBoostingRegressor, or binary classifier, in one
    node table, deepest first.

    A node's two children sit at ``children[2 * node]`` (left) and ``[2 * node + 1]``; a
    leaf is its own child and never goes right, so walking past it stays on it.
    """
    if any(len(trees) != 1 for trees in regressor._predictors):
        return None  # a multiclass classifier: one tree per class and iteration
    predictors = [trees[0] for trees in regressor._predictors]
    if regressor._preprocessor is not None or not predictors:
        return None
    links = {"IdentityLink": "identity", "LogLink": "log", "LogitLink": "logit"}
    link = links.get(type(regressor._loss.link).__name__)
    nodes = [predictor.nodes for predictor in predictors]
    if link is None or any(part["is_categorical"].any() for part in nodes):
        return None
    nodes.sort(key=lambda part: -int(part["depth"].max()))
    offsets = np.cumsum([0] + [len(part) for part in nodes[:-1]])
    table = np.concatenate(nodes)
    index = np.arange(len(table))
    leaf = table["is_leaf"].astype(bool)
    shift = np.repeat(offsets, [len(part) for part in nodes])
    left = np.where(leaf, index, table["left"].astype(np.intp) + shift)
    right = np.where(leaf, index, table["right"].astype(np.intp) + shift)
    depths = np.array([int(part["depth"].max()) for part in nodes])
    arrays = {
        "children": np.stack([left, right], axis=1).ravel().astype(np.intp),
        "feature": np.where(leaf, 0, table["feature_idx"]).astype(np.intp),
        "threshold": np.where(leaf, np.inf, table["num_threshold"]).astype(np.float64),
        "missing_right": ~leaf & ~table["missing_go_to_left"].astype(bool),
        "value": table["value"].astype(np.float64),
        "roots": offsets.astype(np.intp),
        "active": np.array([(depths > level).sum() for level in range(depths.max())], np.intp),
    }
    if max(int(part["is_leaf"].sum()) for part in nodes) <= MAX_EXIT_LEAVES:
        arrays.update(_exit_arrays(nodes))
    scalars = {
        "baseline": float(np.asarray(regressor._baseline_prediction).ravel()[0]),
        "link": link,
    }
    return arrays, scalars


def _leaves_in_order(part: np.ndarray) -> tuple[list[int], dict[int, tuple[int, int]]]:
    """A tree's leaves from left to right, and per split node the positions (start, end)
    of the leaves of its left subtree in that order."""
    order: list[int] = []
    spans: dict[int, tuple[int, int]] = {}
    stack: list[tuple[int, int | None]] = [(0, None)]  # (node, start of its left leaves)
    while stack:
        index, start = stack.pop()
        if start is not None:  # its left subtree is done
            spans[index] = (start, len(order))
            stack.append((int(part["right"][index]), None))
        elif part["is_leaf"][index]:
            order.append(index)
        else:
            stack.append((index, len(order)))
            stack.append((int(part["left"][index]), None))
    return order, spans


def _exit_arrays(nodes: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Per split node its tree, feature, threshold and the mask of the leaves it keeps
    reachable when a value is above the threshold; per tree its leaf values, leftmost first."""
    split_tree, split_feature, split_threshold, split_mask, leaf_values = [], [], [], [], []
    for tree, part in enumerate(nodes):
        order, spans = _leaves_in_order(part)
        padding = ((1 << 64) - 1) ^ ((1 << len(order)) - 1)  # bits of no leaf stay set
        for index, (start, end) in spans.items():
            left_leaves = ((1 << end) - 1) ^ ((1 << start) - 1)
            split_tree.append(tree)
            split_feature.append(int(part["feature_idx"][index]))
            split_threshold.append(float(part["num_threshold"][index]))
            split_mask.append(((1 << len(order)) - 1) & ~left_leaves | padding)
        leaf_values.append([float(part["value"][leaf]) for leaf in order])
    width = max(len(values) for values in leaf_values)
    return {
        "node_tree": np.array(split_tree, dtype=np.intp),
        "node_feature": np.array(split_feature, dtype=np.intp),
        "node_threshold": np.array(split_threshold, dtype=np.float64),
        "node_mask": np.array(split_mask, dtype=np.uint64),
        "leaf_value": np.array([values + [0.0] * (width - len(values)) for values in leaf_values]),
    }


def compile_model(model: Any) -> FastModel | None:
    """A fast model equivalent to ``model.predict``, or None if the model is unsupported."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model._base import LinearModel

    try:
        layout = _layout(model)
        regressor = model.steps[-1][1]
        if layout is None:
            return None
        if isinstance(regressor, HistGradientBoostingRegressor | HistGradientBoostingClassifier):
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
    """The model's own ``predict`` (``predict_proba`` for a classifier) on a DataFrame of
    the records (works for any model)."""
    import pandas as pd

    columns = list(model.feature_names_in_)
    method = getattr(model, PREDICT_METHOD)
    return lambda records: np.asarray(method(pd.DataFrame(list(records), columns=columns)))


def predict_function(model: Any, check_records: Records) -> tuple[PredictFunction, bool]:
    """The fastest correct predict function; the flag says whether it is the compiled one."""
    reference = model_predict(model)
    fast = compile_model(model)
    if fast is not None and check_records:
        if agrees(fast, check_records, reference(check_records)):
            return fast, True
        log.warning(
            "compiled model disagrees with scikit-learn; using the model's own %s", PREDICT_METHOD
        )
    return reference, False
