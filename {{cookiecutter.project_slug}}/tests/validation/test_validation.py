"""Tests of the validation stage and the pandera schemas."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.ingestion.main import (
    read_split,
)
from {{ cookiecutter.package_name }}.ingestion.main import (
    run as ingest,
)
from {{ cookiecutter.package_name }}.validation.main import run
from {{ cookiecutter.package_name }}.validation.schemas import (
    check_processed,
    check_raw,
)

from ..cases import (
    BAD_TARGET,
    BAD_TARGET_CHECK,
    CATEGORY,
    NUMBER,
    above_range,
    case,
    in_range_check,
    needs_number,
    unknown_category,
)


def test_bundled_data_passes_and_is_reported(settings: Settings) -> None:
    assert ingest(settings) == 0
    assert run(settings) == 0
    report = json.loads(settings.validation.report.read_text())
    assert report["passed"] is True
    assert report["rows"]["raw"] == len(pd.read_csv(settings.data.source))


def _set(column: str, value: object, rows: int = 3) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame[column] = frame[column].astype(object)
        frame.loc[: rows - 1, column] = value

    return change


def _drop(column: str) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame.drop(columns=column, inplace=True)

    return change


MISSING = schema.FEATURES[-1]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        case("missing-column", lambda: (_drop(MISSING), f"column '{MISSING}' is missing")),
        case(
            "wrong-type",
            lambda: (_set(NUMBER, "big"), f"column '{NUMBER}' failed coerce_dtype"),
            needs="number",
        ),
        case(
            "out-of-range",
            lambda: (
                _set(NUMBER, above_range(NUMBER)),
                f"column '{NUMBER}' failed {in_range_check(NUMBER)} in 3 rows",
            ),
            needs="number",
        ),
        case(
            "target-out-of-bounds",
            lambda: (
                _set(schema.TARGET, BAD_TARGET, rows=2),
                f"column '{schema.TARGET}' failed {BAD_TARGET_CHECK}",
            ),
        ),
        case(
            "unknown-category",
            lambda: (
                _set(CATEGORY, unknown_category(CATEGORY), rows=1),
                f"column '{CATEGORY}' failed one_of",
            ),
            needs="category",
        ),
    ],
)
def test_bad_raw_data_names_column_check_and_rows(
    settings: Settings, change: Callable[[pd.DataFrame], None], expected: str
) -> None:
    frame = pd.read_csv(settings.data.source)
    change(frame)
    with pytest.raises(DataError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        check_raw(frame, "raw.csv")


@needs_number
def test_two_failures_are_reported_together(settings: Settings) -> None:
    frame = pd.read_csv(settings.data.source)
    _set(NUMBER, above_range(NUMBER), rows=2)(frame)
    _set(schema.TARGET, BAD_TARGET, rows=4)(frame)
    with pytest.raises(DataError) as error:
        check_raw(frame, "raw.csv")
    message = str(error.value)
    assert f"'{NUMBER}' failed {in_range_check(NUMBER)} in 2 rows" in message
    assert re.search(rf"'{schema.TARGET}' failed {BAD_TARGET_CHECK}[^;]* in 4 rows", message)
    assert "\n" not in message


def test_empty_table_is_refused(settings: Settings) -> None:
    header_only = pd.DataFrame(columns=list(schema.COLUMNS))
    with pytest.raises(DataError, match=r"^empty split: table failed no rows$"):
        check_processed(header_only, "empty split")


def test_processed_schema_refuses_gaps_and_raw_categories(settings: Settings) -> None:
    assert ingest(settings) == 0
    train = read_split(settings.data.processed_dir, "train")  # classes stay text
    check_processed(train, "train split")
    gap = schema.FEATURES[0]
    train[gap] = train[gap].astype(object)
    train.loc[1, gap] = None
    if CATEGORY is not None:  # a category as raw data may spell it: cleaning's job
        train.loc[0, CATEGORY] = f" {schema.CATEGORICAL[CATEGORY][0]} "
    with pytest.raises(DataError, match=f"'{gap}'") as error:
        check_processed(train, "train split")
    if CATEGORY is not None:
        assert f"'{CATEGORY}' failed isin" in str(error.value)


def test_bad_raw_file_stops_ingestion_before_anything_is_written(settings: Settings) -> None:
    frame = pd.read_csv(settings.data.source)
    _set(schema.TARGET, BAD_TARGET)(frame)
    frame.to_csv(settings.data.source, index=False)
    with pytest.raises(DataError, match=f"'{schema.TARGET}' failed {BAD_TARGET_CHECK}"):
        ingest(settings)
    assert not settings.data.processed_dir.exists()
