"""Metrics in general: how they print, which way is better, and the promotion gate.

The task's own metrics (their names, labels and how they are computed) are in
:mod:`.task`; this module works for any of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Metric:
    """How a metric is shown and which way is better."""

    label: str
    higher_is_better: bool

    def beats(self, value: float, other: float) -> bool:
        """``value`` is strictly better than ``other``."""
        return value > other if self.higher_is_better else value < other


def readable(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits, in thousands when it is large:
    ``1,234,567``, ``12.35``, ``0.01234``; a small error never shows as ``0``."""
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def threshold_metric(key: str, metrics: Mapping[str, Metric]) -> tuple[str, str] | None:
    """``("min", "r2")`` for ``min_r2`` when ``r2`` is a metric; None for any other key."""
    bound, _, name = key.partition("_")
    return (bound, name) if bound in {"min", "max"} and name in metrics else None


def summary(values: Mapping[str, float], metrics: Mapping[str, Metric]) -> str:
    """``RMSE 1.2, MAE 0.9, R² 0.8``: every metric with its label."""
    return ", ".join(f"{metrics[name].label} {readable(values[name])}" for name in metrics)


def gate(
    challenger: Mapping[str, float],
    champions: list[dict[str, Any]],
    thresholds: Mapping[str, float],
    primary: str,
    metrics: Mapping[str, Metric],
) -> list[str]:
    """Reasons the challenger may not be promoted; an empty list means it may.

    It must be within every threshold (``max_<metric>``, ``min_<metric>``) and beat every
    champion on the ``primary`` metric, scored on the same test rows.
    """
    reasons = []
    for key, limit in thresholds.items():
        found = threshold_metric(key, metrics)
        if found is None:
            raise ValueError(f"{key}: not min_ or max_ and a metric name")
        bound, name = found
        value, label = challenger[name], metrics[name].label
        if bound == "max" and value > limit:
            reasons.append(f"test {label} {readable(value)} is above {key} {readable(limit)}")
        if bound == "min" and value < limit:
            reasons.append(f"test {label} {readable(value)} is below {key} {readable(limit)}")
    if len(champions) > 1:
        reasons.append(
            "the known champions are different models: "
            + " and ".join(f"version {item['version']} ({item['source']})" for item in champions)
            + "; make them agree (promote again from the store that made the local one, "
            "or remove the stale one) before a new model can be judged"
        )
    metric = metrics[primary]
    for champion in champions:
        if not metric.beats(challenger[primary], champion[primary]):
            reasons.append(
                f"test {metric.label} {readable(challenger[primary])} does not beat champion "
                f"version {champion['version']} ({readable(champion[primary])}, "
                f"{champion['source']}) on the same test data"
            )
    return reasons
