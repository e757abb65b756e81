"""Ingestion: read the raw table, clean it, split it and write ``data/processed/``.

Cleaning drops exact duplicates, writes categorical values in lower case without stray
spaces, drops rows without a target and fills missing features with the median (numbers)
or the most frequent value (categories) of the training split, so no statistic leaks from
the validation or test rows. The split is a seeded shuffle: the same input and seed give
the same three files on every machine. Both the raw table and the splits are validated
against the pandera schemas before anything is written.
"""

from __future__ import annotations

import io
import logging
import urllib.error
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import replacing, write_json
from ..config import Settings
from ..errors import DataError
from ..task import SPLIT_DTYPES, clean_target

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
SPLITS = ("train", "val", "test")


def read_raw(source: str, version: str = "latest") -> pd.DataFrame:
    """Read the raw CSV from a local path or an http(s) URL, at a DVC data version."""
    import pandas as pd

    try:
        if version != "latest":
            import dvc.api
            from dvc.exceptions import DvcException

            try:
                text = dvc.api.read(source, rev=version, encoding="utf-8")
            except DvcException as error:
                raise DataError(
                    f"{source}: cannot read data version {version!r} ({error})"
                ) from None
            return pd.read_csv(io.StringIO(text))
        return pd.read_csv(source)
    except FileNotFoundError:
        raise DataError(f"{source}: file not found") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{source}: empty file, no header and no rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{source}: not a readable CSV ({error})") from None
    except urllib.error.URLError as error:
        raise DataError(f"{source}: cannot download ({error.reason})") from None


def check_columns(frame: pd.DataFrame, source: str) -> None:
    """Stop unless every schema column is present and there is at least one row."""
    missing = [name for name in schema.COLUMNS if name not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column {', '.join(map(repr, missing))}")
    if frame.empty:
        raise DataError(f"{source}: no rows")


def as_categories(values: pd.Series) -> pd.Series:
    """Categories as cleaning writes them: trimmed, lower case, blanks missing."""
    import pandas as pd

    text = values.astype("string").str.strip().str.lower()
    return text.where(text != "", pd.NA)


def clean(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Normalise categories, coerce numbers and the target (as the task says), drop
    duplicates and rows without a target."""
    import pandas as pd

    frame = frame.loc[:, list(schema.COLUMNS)].copy()
    for name in schema.CATEGORICAL:
        frame[name] = as_categories(frame[name])
    frame[schema.TARGET] = clean_target(frame[schema.TARGET])
    for name in schema.NUMERIC:
        numbers = pd.to_numeric(frame[name], errors="coerce")
        bad = int((numbers.isna() & frame[name].notna()).sum())
        if bad:
            raise DataError(f"column {name!r}: {bad} rows are not numbers")
        if name not in schema.FRACTIONAL:
            fractions = int((numbers.notna() & (numbers % 1 != 0)).sum())
            if fractions:
                raise DataError(
                    f"column {name!r}: {fractions} rows hold a fraction; the schema declares "
                    "whole numbers (schema.FRACTIONAL lists the columns that may)"
                )
        frame[name] = numbers
    before = len(frame)
    frame = frame.drop_duplicates(ignore_index=True)
    duplicates = before - len(frame)
    unlabelled = int(frame[schema.TARGET].isna().sum())
    frame = frame.dropna(subset=[schema.TARGET]).reset_index(drop=True)
    if frame.empty:
        raise DataError("no rows left after dropping duplicates and rows without a target")
    return frame, {"duplicates_dropped": duplicates, "unlabelled_dropped": unlabelled}


def split(
    frame: pd.DataFrame, test_size: float, val_size: float, seed: int
) -> dict[str, pd.DataFrame]:
    """Shuffle with ``seed`` and cut into train, val and test."""
    import numpy as np

    if not (0 < test_size < 1 and 0 <= val_size < 1):
        raise DataError(f"split sizes must be fractions, got {test_size=} and {val_size=}")
    order = np.random.default_rng(seed).permutation(len(frame))
    n_test = round(len(frame) * test_size)
    n_val = round((len(frame) - n_test) * val_size)
    if len(frame) - n_test - n_val < 1 or n_test < 1:
        raise DataError(f"{len(frame)} rows are too few for a train/val/test split")
    cuts = {
        "test": order[:n_test],
        "val": order[n_test : n_test + n_val],
        "train": order[n_test + n_val :],
    }
    return {name: frame.iloc[np.sort(cuts[name])].reset_index(drop=True) for name in SPLITS}


def impute(splits: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Fill gaps in every split with statistics of the training split; return counts."""
    train = splits["train"]
    fills: dict[str, Any] = {}
    for name in schema.NUMERIC:
        median = train[name].median()
        fills[name] = median if name in schema.FRACTIONAL else round(median)
    for name in schema.CATEGORICAL:
        fills[name] = train[name].mode().iloc[0]
    filled = {name: 0 for name in fills}
    for part in splits.values():
        for name, value in fills.items():
            filled[name] += int(part[name].isna().sum())
            part[name] = part[name].fillna(value)
        for name in schema.NUMERIC:
            if name not in schema.FRACTIONAL:
                part[name] = part[name].round().astype("int64")
        for name in schema.CATEGORICAL:
            part[name] = part[name].astype(str)
    return {name: count for name, count in filled.items() if count}


def read_split(processed_dir: Path, name: str) -> pd.DataFrame:
    """Read one split written by :func:`run`."""
    import pandas as pd

    path = processed_dir / f"{name}.csv"
    try:
        return pd.read_csv(path, dtype=SPLIT_DTYPES)
    except FileNotFoundError:
        raise DataError(f"{path}: not found; run the ingest stage first") from None


def run(settings: Settings) -> int:
    """Read, clean, split and write the processed data; return the exit status."""
    data = settings.data
    raw = read_raw(data.source, settings.versioning.version)
    check_columns(raw, data.source)
    from ..validation.schemas import check_processed, check_raw

    check_raw(raw, data.source)
    frame, counts = clean(raw)
    splits = split(frame, data.test_size, data.val_size, data.seed)
    imputed = impute(splits)
    for name, part in splits.items():
        check_processed(part, f"{name} split")
    report: dict[str, Any] = {"source": data.source, "rows_read": len(raw), **counts}
    report.update({f"{name}_rows": len(part) for name, part in splits.items()})
    report["imputed"] = imputed
    with replacing(data.processed_dir) as staging:
        for name, part in splits.items():
            part.to_csv(staging / f"{name}.csv", index=False)
        write_json(staging / "summary.json", report)
    log.info(
        "ingested %d rows: %s",
        len(raw),
        ", ".join(f"{key}={value}" for key, value in report.items() if key != "source"),
    )
    return 0
