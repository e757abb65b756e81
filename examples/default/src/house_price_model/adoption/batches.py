"""The two monitoring batches ``adopt-data`` writes to ``data/current/``: a sample of the
new table's rows (``unshifted.csv``, drift should not be found) and the same rows with a
planted shift (``shifted.csv``, drift should be found)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..ingestion.main import as_categories
from .main import Inferred

if TYPE_CHECKING:
    import pandas as pd

# Rows in each batch (fewer when the table is small, never fewer than monitoring.min_rows).
BATCH_ROWS = 200
# Share of the rows whose categorical features the shift sets to the rarest value.
SHIFTED_SHARE = 0.7


def batches(
    frame: pd.DataFrame, inferred: Inferred, seed: int, min_rows: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A sample of the table's rows, and the same rows shifted: every numeric feature
    moved up by one standard deviation (kept in its range) and most rows of every
    categorical feature set to its rarest value."""
    features = frame.loc[:, inferred.features].copy()
    for name in inferred.categorical:
        features[name] = as_categories(features[name])
    features = features.dropna().drop_duplicates(ignore_index=True)
    size = min(BATCH_ROWS, max(min_rows, len(features) // 4), len(features))
    unshifted = features.sample(n=size, random_state=seed).reset_index(drop=True)
    shifted = unshifted.copy()
    for name, (low, high) in inferred.numeric.items():
        moved = (shifted[name] + features[name].std()).clip(low, high)
        shifted[name] = moved if name in inferred.fractional else moved.round().astype("int64")
    for name in inferred.categorical:
        rarest = features[name].value_counts().index[-1]
        chosen = shifted.sample(frac=SHIFTED_SHARE, random_state=seed).index
        shifted.loc[chosen, name] = rarest
    for part in (unshifted, shifted):
        for name in inferred.numeric:
            if name not in inferred.fractional:
                part[name] = part[name].round().astype("int64")
    return unshifted, shifted


def planned_batches(
    root: Path, frame: pd.DataFrame, inferred: Inferred, settings: Settings
) -> dict[Path, str]:
    """The batch files to write, by path; none when the project has no ``data/current``."""
    current = root / "data" / "current"
    if not current.is_dir():
        return {}
    unshifted, shifted = batches(frame, inferred, settings.data.seed, settings.monitoring.min_rows)
    return {
        current / "unshifted.csv": unshifted.to_csv(index=False),
        current / "shifted.csv": shifted.to_csv(index=False),
    }
