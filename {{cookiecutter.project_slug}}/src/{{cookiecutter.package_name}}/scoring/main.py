"""Batch scoring: ``score [INPUT] [--output FOLDER]`` predicts every record of a CSV or
Parquet file (``scoring.input`` by default) with the champion. With an artefact store
(``store.url``), ``scoring.input`` is fetched from it and the output folder sent to it.

The file is read ``scoring.chunk_rows`` records at a time, so memory stays bounded however
long it is. Each record is checked against the rules of ``schema.py`` that a request
for one prediction must meet too (every feature present, numbers within their plausible
range, whole numbers where the schema says so, categories among the allowed values). A record that
breaks one is written to ``rejects.csv`` with its reasons, never dropped in silence; the
others are scored. The output folder holds three files and is replaced all at once when
the whole file is scored, so a failure half-way leaves the previous output as it was:

- ``predictions.csv``: ``row`` (the record's number in the input, from 1), the input's
  columns, the prediction columns of the task and ``model_version``;
- ``rejects.csv``: ``row``, ``reason`` and the input's columns, as read;
- ``summary.json``: the counts, the champion's version and the time taken.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import replacing, write_json
from ..config import Settings
from ..errors import DataError, PipelineError
from ..registry.champion import local_champion

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
FORMATS = (".csv", ".parquet")
ROW = "row"
REASON = "reason"
VERSION = "model_version"
MAX_REASON_KINDS = 20  # distinct reasons counted in the summary


def chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The records of ``path``, ``rows`` at a time; a CSV's values as text, as written."""
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet

        try:
            for batch in pyarrow.parquet.ParquetFile(path).iter_batches(batch_size=rows):
                yield batch.to_pandas()
        except (OSError, pyarrow.ArrowException) as error:
            raise DataError(f"{path}: not a readable Parquet file ({error})") from None
        return
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=rows)
        with reader:
            yield from reader
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty file, no header and no rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV ({error})") from None


def check_columns(columns: list[str], path: Path, added: list[str]) -> None:
    """Stop unless every feature is there and no input column clashes with an added one."""
    missing = [name for name in schema.FEATURES if name not in columns]
    if missing:
        raise DataError(f"{path}: missing column {', '.join(map(repr, missing))}")
    clashes = [name for name in added if name in columns]
    if clashes:
        raise DataError(
            f"{path}: column {', '.join(map(repr, clashes))} would be overwritten by the "
            "scores; rename it"
        )


def checked(chunk: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """The features of ``chunk`` as the model reads them, and each record's reasons for
    refusal ("" when it has none), by the schema's rules."""
    import numpy as np
    import pandas as pd

    features = pd.DataFrame(index=chunk.index)
    reasons = np.full(len(chunk), "", dtype=object)

    def refuse(mask: Any, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        reasons[mask] = reasons[mask] + np.where(reasons[mask] == "", "", "; ") + reason

    for name, (low, high) in schema.NUMERIC.items():
        values = chunk[name]
        text = values.astype("string").str.strip()
        missing = values.isna() | (text == "")
        numbers = pd.to_numeric(text.mask(missing), errors="coerce").astype("float64")
        refuse(missing, f"{name}: missing")
        refuse(~missing & numbers.isna(), f"{name}: not a number")
        number = numbers.notna()
        refuse(number & ~np.isfinite(numbers.fillna(0)), f"{name}: not a finite number")
        finite = number & np.isfinite(numbers.fillna(0))
        refuse(finite & ((numbers < low) | (numbers > high)), f"{name}: outside {low}..{high}")
        if name not in schema.FRACTIONAL:
            refuse(finite & (numbers % 1 != 0), f"{name}: not a whole number")
        features[name] = numbers
    for name, allowed in schema.CATEGORICAL.items():
        values = chunk[name].astype("string")
        missing = values.isna() | (values.str.strip() == "")
        refuse(missing, f"{name}: missing")
        refuse(~missing & ~values.isin(allowed), f"{name}: not one of {', '.join(allowed)}")
        features[name] = values.astype(object)
    return features, reasons


def as_model_reads(features: pd.DataFrame) -> pd.DataFrame:
    """Accepted features in the types training gave them: whole numbers as integers."""
    whole = {name: "int64" for name in schema.NUMERIC if name not in schema.FRACTIONAL}
    return features.astype(whole)


def run(settings: Settings, records: str | None = None, output: str | None = None) -> int:
    """Score the file ``records`` (default ``scoring.input``) with the champion into
    ``output`` (default ``scoring.output_dir``); return the exit status."""
    import pandas as pd

    from ..task import prediction_columns

    started = time.monotonic()
    path = Path(records or settings.scoring.input)
    if path.suffix.lower() not in FORMATS:
        raise DataError(f"{path}: expected a .csv or .parquet file")
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    champion = local_champion(settings)
    if champion is None:
        folder = settings.registry.champion_dir
        raise PipelineError(f"no champion in {folder}: run the pipeline first")
    target = Path(output) if output else settings.scoring.output_dir
    counts = {"rows_read": 0, "rows_scored": 0, "rows_rejected": 0}
    kinds: dict[str, int] = {}
    added: list[str] | None = None
    with replacing(target) as staging:
        predictions, rejects = staging / "predictions.csv", staging / "rejects.csv"
        for number, chunk in enumerate(chunks(path, settings.scoring.chunk_rows)):
            first = number == 0
            if first:
                sample = as_model_reads(checked(pd.DataFrame([schema.EXAMPLE]))[0])
                added = [*prediction_columns(champion.model, sample), VERSION]
                check_columns(list(chunk.columns), path, [ROW, REASON, *added])
            start = counts["rows_read"] + 1
            chunk.insert(0, ROW, range(start, start + len(chunk)))
            features, reasons = checked(chunk)
            refused = reasons != ""
            good = chunk.loc[~refused]
            if len(good):
                scores = prediction_columns(champion.model, as_model_reads(features[~refused]))
                good = good.assign(**scores, **{VERSION: champion.version})
            good.reindex(columns=[*chunk.columns, *added]).to_csv(
                predictions, mode="a", header=first, index=False
            )
            bad = chunk.loc[refused]
            bad.insert(1, REASON, reasons[refused])
            bad.to_csv(rejects, mode="a", header=first, index=False)
            for reason in reasons[refused]:
                kinds[reason] = kinds.get(reason, 0) + 1
            counts["rows_read"] += len(chunk)
            counts["rows_scored"] += len(good)
            counts["rows_rejected"] += len(bad)
        if added is None:
            raise DataError(f"{path}: no records")
        seconds = time.monotonic() - started
        common = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
        summary = {
            "input": str(path),
            **counts,
            "model_version": champion.version,
            "champion": champion.source,
            "chunk_rows": settings.scoring.chunk_rows,
            "seconds": round(seconds, 3),
            "rows_per_second": round(counts["rows_read"] / seconds) if seconds else None,
            "reasons": dict(common[:MAX_REASON_KINDS]),
        }
        write_json(staging / "summary.json", summary)
    log.info(
        "scored %d of %d records of %s with model %s in %.1f s into %s/",
        counts["rows_scored"],
        counts["rows_read"],
        path,
        champion.version,
        seconds,
        target,
    )
    if counts["rows_rejected"]:
        log.warning(
            "%d records broke the schema's rules: %s/rejects.csv says why",
            counts["rows_rejected"],
            target,
        )
    return 0
