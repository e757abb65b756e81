"""Evaluation stage: score the challenger on the test split and decide if it may be promoted.

The gate has two parts: ``evaluation.thresholds`` and a comparison with the current
champion, re-scored on the same test rows: the challenger must beat it on
``evaluation.primary_metric``.
The decision and its reasons go to ``reports/metrics.json`` for the registry stage; the
task's plots (:mod:`..task`) go to ``reports/plots/``, replaced all at once.
"""

from __future__ import annotations

import logging
from typing import Any

from ..artifacts import load_model, replacing, write_json
from ..config import Settings
from ..ingestion.main import read_split
from ..metrics import gate, summary
from ..registry.main import known_champions
from ..task import METRICS, plot, score

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Score the challenger and its champion, apply the gate, write the report."""
    model, metadata = load_model(settings.training.model_dir)
    test = read_split(settings.data.processed_dir, "test")
    metrics = score(model, test)
    champions = [
        {
            "source": champion.source,
            "version": champion.version,
            "model_id": champion.model_id,
            **score(champion.model, test),
        }
        for champion in known_champions(settings)
    ]
    evaluation = settings.evaluation
    reasons = gate(metrics, champions, evaluation.thresholds, evaluation.primary_metric, METRICS)
    report: dict[str, Any] = {
        "model_id": metadata["id"],
        "test_rows": len(test),
        **metrics,
        "champions": champions,
        "promote": not reasons,
        "reasons": reasons,
    }
    with replacing(evaluation.plots) as staging:
        plot(model, test, staging)
    write_json(evaluation.report, report)
    scores = f"test {summary(metrics, METRICS)}"
    if reasons:
        log.warning("%s; the gate refuses it: %s", scores, "; ".join(reasons))
    else:
        log.info("%s; the gate accepts it", scores)
    return 0
