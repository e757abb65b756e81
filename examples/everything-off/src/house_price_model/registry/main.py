"""Registry stage: make the challenger the champion, only if the evaluation gate passed.

The champion is a folder, ``registry.champion_dir``: a copy of the model with its version
number. Versions count up from 1.
A version is shown as ``<number>+<digest>`` (the first 12 hex digits of the model file's
SHA-256), so two different models are never both "version 1".
A model the gate refused never becomes champion; the stage says so and why.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from ..artifacts import (
    METADATA_FILE,
    copy_model,
    load_model,
    read_json,
    version_label,
)
from ..config import Settings
from ..errors import PipelineError
from ..metrics import readable
from ..task import METRICS

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Champion:
    """A champion the project knows: where it is, its version and the model itself."""

    source: str
    version: str
    model_id: str
    model: Any


def local_champion(settings: Settings) -> Champion | None:
    """The champion in ``registry.champion_dir`` (the one in use), if there is one."""
    folder = settings.registry.champion_dir
    if not (folder / METADATA_FILE).exists():
        return None
    model, metadata = load_model(folder)
    return Champion(str(folder), str(metadata["version"]), str(metadata["id"]), model)


def known_champions(settings: Settings) -> list[Champion]:
    """Every champion the challenger must beat: here, the one in ``registry.champion_dir``."""
    local = local_champion(settings)
    return [] if local is None else [local]


def _register(settings: Settings, metadata: dict[str, Any]) -> str:
    del metadata
    champion = settings.registry.champion_dir / METADATA_FILE
    current = read_json(champion, "no champion") if champion.exists() else {}
    return str(int(current.get("registry_version", 0)) + 1)


def run(settings: Settings) -> int:
    """Promote the challenger if the gate passed; return the exit status."""
    model_dir = settings.training.model_dir
    metadata = read_json(model_dir / METADATA_FILE, "run the train stage first")
    report_path = settings.evaluation.reports_dir / "metrics.json"
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
    number = _register(settings, metadata)
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
