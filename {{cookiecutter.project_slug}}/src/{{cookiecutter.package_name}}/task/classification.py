"""Classification: the model predicts a class of ``schema.TARGET``, one of ``schema.CLASSES``.

The estimator is scikit-learn's histogram gradient boosting classifier (binary or
multiclass); it is scored by accuracy, macro F1, ROC AUC (one class against the rest,
averaged over the classes) and log loss, and the evaluation plots are the confusion
matrix, the ROC curves and the calibration curves. The answer for each record is the
predicted class and the probability of every class.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..errors import DataError, PipelineError
from ..metrics import Metric

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

KIND = "classification"
# The name of the estimator's step in the training pipeline.
STEP = "classifier"
METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy", higher_is_better=True),
    "f1_macro": Metric("macro F1", higher_is_better=True),
    "roc_auc": Metric("ROC AUC", higher_is_better=True),
    "log_loss": Metric("log loss", higher_is_better=False),
}
# What a model that learnt nothing scores (predicting the mean, or guessing).
CHANCE: dict[str, float] = {"roc_auc": 0.5}
# The files plot() writes.
PLOTS = ("confusion_matrix.png", "roc_curve.png", "calibration.png")
# Column types to read the splits with: the classes stay text ("0" is a class, not a number).
SPLIT_DTYPES: dict[str, Any] = {schema.TARGET: str}
# The model's method whose output is the answer (and is checked when the model loads).
PREDICT_METHOD = "predict_proba"
# What the answer for each record is, in words.
ANSWER = f"the predicted class of {schema.TARGET} and the probability of each class"
# The kind of value the answers hold: the classes, a category.
PREDICTED_KIND = "categorical"
# adopt-data: most classes a target may have, and fewest rows of each.
MAX_CLASSES = 20
MIN_CLASS_ROWS = 5


def estimator(hyperparameters: dict[str, Any], seed: int) -> Any:
    """The estimator ``training.hyperparameters`` configure; a TypeError names a bad key."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=seed, **hyperparameters)


def clean_target(values: pd.Series) -> pd.Series:
    """The target as class names (trimmed, lower case); stop if a value is not a class."""
    from ..ingestion.main import as_categories

    classes = as_categories(values)
    unknown = classes.notna() & ~classes.isin(schema.CLASSES)
    if unknown.any():
        first = str(classes[unknown].iloc[0])
        raise DataError(
            f"column {schema.TARGET!r}: {int(unknown.sum())} rows hold a value that is not "
            f"one of schema.CLASSES ({', '.join(schema.CLASSES)}), such as {first!r}"
        )
    return classes


def check_model(model: Any) -> None:
    """Stop unless the model learnt every class of ``schema.CLASSES``, in that order."""
    learnt = tuple(str(name) for name in model.classes_)
    if learnt != tuple(schema.CLASSES):
        missing = sorted(set(schema.CLASSES) - set(learnt))
        raise PipelineError(
            f"the model learnt the classes {', '.join(learnt)} but schema.CLASSES lists "
            f"{', '.join(schema.CLASSES)}"
            + (f": the training split has no row of {', '.join(missing)}" if missing else "")
        )


def predictions(model: Any, features: pd.DataFrame) -> list[Any]:
    """What the model answers for ``features``: each class's probability, per row."""
    return model.predict_proba(features).tolist()


def prediction_columns(model: Any, features: pd.DataFrame) -> dict[str, Any]:
    """The columns batch scoring adds for ``features``: the likeliest class, then each
    class's probability."""
    import numpy as np

    probabilities = model.predict_proba(features)
    labels = np.asarray(schema.CLASSES, dtype=object)[probabilities.argmax(axis=1)]
    return {
        f"predicted_{schema.TARGET}": labels,
        **{
            f"probability_{name}": probabilities[:, index]
            for index, name in enumerate(schema.CLASSES)
        },
    }


def answers(values: np.ndarray) -> list[dict[str, Any]]:
    """The answer for each record: its likeliest class and every class's probability."""
    best = values.argmax(axis=1).tolist()
    return [
        {
            "label": schema.CLASSES[index],
            "probabilities": dict(zip(schema.CLASSES, row, strict=True)),
        }
        for index, row in zip(best, values.tolist(), strict=True)
    ]


def answer_type() -> Any:
    """The type of one answer, for the response schema."""
    from typing import Literal

    from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

    return TypedDict(
        "ClassPrediction",
        {"label": Literal[schema.CLASSES], "probabilities": dict[str, float]},  # type: ignore[valid-type]
    )


def predicted(model: Any, features: pd.DataFrame) -> list[Any]:
    """The value followed over time for each row: the predicted class."""
    return [str(label) for label in model.predict(features)]


def logged(answer: Any) -> Any:
    """The value followed over time in a logged answer: its class."""
    return answer["label"]


def _auc(actual: pd.Series, probabilities: np.ndarray) -> float:
    """ROC AUC of each class against the rest, averaged over the classes the rows hold
    (with two classes, the usual binary AUC)."""
    from sklearn.metrics import roc_auc_score

    scores = [
        roc_auc_score(actual == name, probabilities[:, index])
        for index, name in enumerate(schema.CLASSES)
        if 0 < int((actual == name).sum()) < len(actual)
    ]
    return float(sum(scores) / len(scores)) if scores else math.nan


def score(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    """Every metric of ``METRICS`` for ``model`` on ``frame`` (features and target)."""
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    actual = frame[schema.TARGET].astype(str)
    probabilities = model.predict_proba(frame[list(schema.FEATURES)])
    predicted_classes = [schema.CLASSES[index] for index in probabilities.argmax(axis=1)]
    labels = list(schema.CLASSES)
    return {
        "accuracy": float(accuracy_score(actual, predicted_classes)),
        "f1_macro": float(f1_score(actual, predicted_classes, average="macro", labels=labels)),
        "roc_auc": _auc(actual, probabilities),
        "log_loss": float(log_loss(actual, probabilities, labels=labels)),
    }


def plot(model: Any, test: pd.DataFrame, folder: Path) -> list[Path]:
    """Confusion matrix, ROC curves and calibration curves of ``model`` on ``test``, as PNG."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import ConfusionMatrixDisplay, roc_curve

    actual = test[schema.TARGET].astype(str).to_numpy()
    probabilities = model.predict_proba(test[list(schema.FEATURES)])
    predicted_classes = [schema.CLASSES[index] for index in probabilities.argmax(axis=1)]
    # Per class that the rows hold and lack: one curve (with two classes, the second's
    # against the first says it all).
    classes = list(enumerate(schema.CLASSES))
    curves = [
        (index, name, actual == name)
        for index, name in (classes[1:] if len(classes) == 2 else classes)
        if 0 < int((actual == name).sum()) < len(actual)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in PLOTS]

    figure, axes = plt.subplots(figsize=(5, 5))
    ConfusionMatrixDisplay.from_predictions(
        actual, predicted_classes, labels=list(schema.CLASSES), ax=axes, colorbar=False
    )
    axes.set_title("Confusion matrix (test split)")
    figure.tight_layout()
    figure.savefig(paths[0], dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(5, 5))
    for index, name, positive in curves:
        false_positive, true_positive, _ = roc_curve(positive, probabilities[:, index])
        axes.plot(false_positive, true_positive, label=name)
    axes.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--")
    axes.set(xlabel="false positive rate", ylabel="true positive rate")
    axes.set_title("ROC curve per class (test split)")
    axes.legend(title=schema.TARGET)
    figure.tight_layout()
    figure.savefig(paths[1], dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(5, 5))
    for index, name, positive in curves:
        observed, expected = calibration_curve(positive, probabilities[:, index], n_bins=10)
        axes.plot(expected, observed, marker="o", label=name)
    axes.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--")
    axes.set(xlabel="predicted probability", ylabel="observed share")
    axes.set_title("Calibration per class (test split)")
    axes.legend(title=schema.TARGET)
    figure.tight_layout()
    figure.savefig(paths[2], dpi=100)
    plt.close(figure)
    return paths


def adopt_target(values: pd.Series, name: str) -> pd.Series:
    """The target of a table being adopted, as class names, if it fits a classification:
    2 to MAX_CLASSES classes, each in at least MIN_CLASS_ROWS rows."""
    from ..ingestion.main import as_categories

    classes = as_categories(values).dropna()
    counts = classes.value_counts()
    if len(counts) < 2:
        raise DataError(f"--target {name!r}: {len(counts)} class; a classification needs two")
    if len(counts) > MAX_CLASSES:
        raise DataError(
            f"--target {name!r}: {len(counts)} distinct values; a classification target has "
            f"at most {MAX_CLASSES} classes (a number to predict is a regression task)"
        )
    rare = counts[counts < MIN_CLASS_ROWS]
    if len(rare):
        raise DataError(
            f"--target {name!r}: class {rare.index[0]!r} has {int(rare.iloc[0])} rows; each "
            f"class needs at least {MIN_CLASS_ROWS} to reach every split"
        )
    return classes


def target_lines(values: pd.Series) -> list[str]:
    """What ``schema.py`` says of the adopted target: its classes."""
    names = sorted(values.unique())
    inner = ", ".join(json.dumps(str(value), ensure_ascii=False) for value in names)
    return [
        "# The classes of the target, written in lower case and sorted (the model's class order).",
        f"CLASSES: tuple[str, ...] = ({inner})",
    ]


def target_summary(values: pd.Series) -> str:
    """The adopted target in a few words."""
    counts = values.value_counts().sort_index()
    shares = [f"{name} {100 * count / len(values):.0f} %" for name, count in counts.items()]
    return f"classification, {len(counts)} classes: {', '.join(shares)}"


def default_thresholds(values: pd.Series) -> dict[str, float]:
    """Gate thresholds a useful model meets: an accuracy of at least always answering the
    commonest class (rounded down to 0.05) and a ROC AUC of at least 0.6."""
    commonest = float(values.value_counts(normalize=True).iloc[0])
    return {"min_accuracy": math.floor(commonest * 20) / 20, "min_roc_auc": 0.6}


def thresholds_review(thresholds: dict[str, float]) -> str:
    """What the adopted gate means, for the review line."""
    return (
        f"min_accuracy {thresholds['min_accuracy']} (the share of the commonest class, "
        f"what always answering it scores), min_roc_auc {thresholds['min_roc_auc']}"
    )
