"""Tests of the validation stage and the pandera schemas."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.ingestion.main import (
    run as ingest,
)
from {{ cookiecutter.package_name }}.validation.main import run
from {{ cookiecutter.package_name }}.validation.schemas import (
    check_processed,
    check_raw,
)


def test_bundled_data_passes_and_is_reported(settings: Settings) -> None:
    assert ingest(settings) == 0
    assert run(settings) == 0
    report = json.loads((settings.evaluation.reports_dir / "validation.json").read_text())
    assert report["passed"] is True
    assert report["rows"]["raw"] == len(pd.read_csv(settings.data.source))


def _set(column: str, value: object, rows: int = 3) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame[column] = frame[column].astype(object)
        frame.loc[: rows - 1, column] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda frame: frame.drop(columns="stories", inplace=True), "column 'stories' is missing"),
        (_set("area", "big"), "column 'area' failed coerce_dtype"),
        (_set("bedrooms", 40), "column 'bedrooms' failed in_range(1, 10) in 3 rows"),
        (_set("price", -5, rows=2), "column 'price' failed in_range"),
        (_set("furnishingstatus", "palatial", rows=1), "column 'furnishingstatus' failed one_of"),
    ],
    ids=["missing-column", "wrong-type", "out-of-range", "negative-target", "unknown-category"],
)
def test_bad_raw_data_names_column_check_and_rows(
    settings: Settings, change: Callable[[pd.DataFrame], None], expected: str
) -> None:
    frame = pd.read_csv(settings.data.source)
    change(frame)
    with pytest.raises(DataError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        check_raw(frame, "houses.csv")


def test_two_failures_are_reported_together(settings: Settings) -> None:
    frame = pd.read_csv(settings.data.source)
    _set("bedrooms", 40, rows=2)(frame)
    _set("parking", -1, rows=4)(frame)
    with pytest.raises(DataError) as error:
        check_raw(frame, "houses.csv")
    message = str(error.value)
    assert "'bedrooms' failed in_range(1, 10) in 2 rows" in message
    assert "'parking' failed in_range(0, 6) in 4 rows" in message
    assert "\n" not in message


def test_empty_table_is_refused(settings: Settings) -> None:
    header_only = pd.read_csv(settings.data.source).head(0)
    with pytest.raises(DataError, match=r"^empty split: table failed no rows$"):
        check_processed(header_only, "empty split")


def test_processed_schema_refuses_gaps_and_raw_categories(settings: Settings) -> None:
    assert ingest(settings) == 0
    train = pd.read_csv(settings.data.processed_dir / "train.csv")
    check_processed(train, "train split")
    train.loc[0, "mainroad"] = "Yes"
    train.loc[1, "area"] = None
    with pytest.raises(DataError, match="'mainroad' failed isin") as error:
        check_processed(train, "train split")
    assert "'area'" in str(error.value)


def test_bad_raw_file_stops_ingestion_before_anything_is_written(settings: Settings) -> None:
    frame = pd.read_csv(settings.data.source)
    _set("bathrooms", 99)(frame)
    frame.to_csv(settings.data.source, index=False)
    with pytest.raises(DataError, match="'bathrooms' failed in_range"):
        ingest(settings)
    assert not settings.data.processed_dir.exists()
