"""Validation stage: check the raw table and the processed splits against their schemas.

Ingestion already refuses bad data before writing anything; this stage checks the files
on disk again (for example after someone edited them, or for a new raw batch) and writes
``validation.report`` (``reports/validation.json``), which the training stage depends on.
"""

from __future__ import annotations

import logging

from ..artifacts import write_json
from ..config import Settings
from ..ingestion.main import SPLITS, check_columns, read_raw, read_split

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    """Validate raw and processed data; return the exit status."""
    from .schemas import check_processed, check_raw

    data = settings.data
    raw = read_raw(data.source, settings.versioning.version)
    check_columns(raw, data.source)
    check_raw(raw, data.source)
    rows = {"raw": len(raw)}
    for name in SPLITS:
        rows[name] = len(check_processed(read_split(data.processed_dir, name), f"{name} split"))
    write_json(settings.validation.report, {"passed": True, "rows": rows})
    log.info("data is valid: %s", ", ".join(f"{name} {count} rows" for name, count in rows.items()))
    return 0
