"""Registry stage: make the challenger the champion, only if the evaluation gate passed.

Where the champion is registered is the registry module imported below: see its docstring.
A version is shown as ``<number>+<digest>`` (the first 12 hex digits of the model file's
SHA-256), so two different models are never both "version 1".
A model the gate refused never becomes champion; the stage says so and why.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ..artifacts import METADATA_FILE, copy_model, read_json, version_label
from ..config import Settings
from ..errors import PipelineError
from ..metrics import readable
from ..task import METRICS
from .local import known_champions, register

__all__ = ["known_champions", "run"]  # known_champions: for the evaluation stage

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Promote the challenger if the gate passed; return the exit status."""
    model_dir = settings.training.model_dir
    metadata = read_json(model_dir / METADATA_FILE, "run the train stage first")
    report_path = settings.evaluation.report
    report = read_json(report_path, "run the evaluate stage first")
    if report.get("model_id") != metadata["id"]:
        raise PipelineError(f"{report_path} scores another model; run the evaluate stage first")
    if not report["promote"]:
        current = ", ".join(champion["version"] for champion in report["champions"]) or "none"
        log.warning(
            "not promoted: %s; the champion is still version %s",
            "; ".join(report["reasons"]),
            current,
        )
        return 0
    number = register(settings, metadata)
    version = version_label(number, metadata["sha256"])
    promotion = {
        "version": version,
        "registry_version": number,
        "promoted_at": datetime.now(UTC).isoformat(),
        "test": {key: report[key] for key in METRICS},
    }
    copy_model(model_dir, settings.registry.champion_dir, promotion)
    primary = settings.evaluation.primary_metric
    log.info(
        "promoted: %s version %s is the %s (test %s %s)",
        metadata["name"],
        version,
        settings.registry.champion_alias,
        METRICS[primary].label,
        readable(report[primary]),
    )
    return 0
