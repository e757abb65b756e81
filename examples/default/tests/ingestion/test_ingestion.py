"""Tests of the ingestion stage."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from house_price_model import schema
from house_price_model.config import Settings
from house_price_model.errors import DataError
from house_price_model.ingestion.main import (
    clean,
    read_raw,
    run,
    split,
)

from ..cases import CATEGORY, GOOD_TARGET, NUMBER, needs_number


def test_clean_normalises_dedupes_and_drops_unlabelled() -> None:
    raw = pd.DataFrame([{**schema.EXAMPLE, schema.TARGET: GOOD_TARGET}] * 2)
    if CATEGORY is not None:  # the same category in another case and with spaces
        raw.loc[1, CATEGORY] = f" {str(schema.EXAMPLE[CATEGORY]).upper()} "
    raw.loc[2] = {**schema.EXAMPLE, schema.TARGET: None}
    frame, counts = clean(raw)
    assert len(frame) == 1
    assert counts == {"duplicates_dropped": 1, "unlabelled_dropped": 1}
    if CATEGORY is not None:
        assert frame.loc[0, CATEGORY] == schema.EXAMPLE[CATEGORY]


def test_split_is_deterministic_and_disjoint() -> None:
    frame = pd.DataFrame({schema.TARGET: range(100), schema.FEATURES[0]: range(100)})
    first = split(frame, test_size=0.2, val_size=0.25, seed=7)
    second = split(frame, test_size=0.2, val_size=0.25, seed=7)
    assert {name: len(part) for name, part in first.items()} == {"train": 60, "val": 20, "test": 20}
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    labels = [set(part[schema.TARGET]) for part in first.values()]
    assert set.union(*labels) == set(range(100))
    assert sum(len(part) for part in labels) == 100
    assert not split(frame, 0.2, 0.25, seed=8)["test"].equals(first["test"])


def test_run_writes_clean_splits(settings: Settings) -> None:
    assert run(settings) == 0
    parts = {
        name: pd.read_csv(settings.data.processed_dir / f"{name}.csv")
        for name in ("train", "val", "test")
    }
    for part in parts.values():
        assert list(part.columns) == list(schema.COLUMNS)
        assert not part.isna().any().any()
        assert not part.duplicated().any()
        for name, allowed in schema.CATEGORICAL.items():
            assert set(part[name]) <= set(allowed)
    raw = pd.read_csv(settings.data.source)
    assert sum(len(part) for part in parts.values()) == len(raw.drop_duplicates())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        (",".join(schema.COLUMNS) + "\n", "no rows"),
        (f"{schema.TARGET}\n1\n", f"missing column '{schema.FEATURES[0]}'"),
    ],
    ids=["empty-file", "header-only", "missing-columns"],
)
def test_bad_raw_data_stops_before_writing(settings: Settings, content: str, message: str) -> None:
    assert run(settings) == 0
    before = (settings.data.processed_dir / "train.csv").read_bytes()
    Path(settings.data.source).write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        run(settings)
    assert (settings.data.processed_dir / "train.csv").read_bytes() == before


@needs_number
def test_text_in_a_numeric_column_is_refused(settings: Settings) -> None:
    frame = pd.read_csv(settings.data.source)
    frame[NUMBER] = frame[NUMBER].astype(object)
    frame.loc[[3, 4], NUMBER] = "large"
    frame.to_csv(settings.data.source, index=False)
    with pytest.raises(DataError, match=f"'{NUMBER}'"):
        run(settings)
    assert not settings.data.processed_dir.exists()


@pytest.fixture
def local_server(workspace: Path) -> Iterator[str]:
    """A web server on the loopback interface with the workspace files (no internet)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(workspace))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_source_may_be_a_url(settings: Settings, local_server: str) -> None:
    local = read_raw(settings.data.source)
    remote = read_raw(f"{local_server}/{settings.data.source}")
    pd.testing.assert_frame_equal(local, remote)
    with pytest.raises(DataError, match=r"cannot download|not found"):
        read_raw(f"{local_server}/data/raw/absent.csv")
