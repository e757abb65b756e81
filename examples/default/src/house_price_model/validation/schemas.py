"""Pandera schemas of the raw table and of the processed splits, built from :mod:`..schema`.

The raw schema accepts what cleaning can fix (missing features, categories in another case
or with spaces, extra columns); the processed schema accepts only clean rows. A failure
raises :class:`~..errors.DataError` whose one-line message names each failing column, the
check and how many rows failed it.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .. import schema
from ..errors import DataError

HAS_ROWS = pa.Check(lambda frame: len(frame) > 0, name="has_rows", error="no rows")


def _allowed_after_cleaning(allowed: tuple[str, ...]) -> pa.Check:
    return pa.Check(
        lambda values: values.str.strip().str.lower().isin(allowed),
        name=f"one_of_{'_'.join(allowed)}_in_any_case",
    )


def _range(bounds: tuple[float, float]) -> pa.Check:
    return pa.Check.in_range(*bounds)


WHOLE = pa.Check(lambda values: values % 1 == 0, name="whole_number")


def _numeric(name: str) -> list[pa.Check]:
    """Range, and whole numbers unless the schema lets the column hold fractions."""
    checks = [_range(schema.NUMERIC[name])]
    return checks if name in schema.FRACTIONAL else [*checks, WHOLE]


# The target: a number in its plausible range.
RAW_TARGET = pa.Column(float, _range(schema.TARGET_RANGE), nullable=True, coerce=True)
TARGET = pa.Column(float, _range(schema.TARGET_RANGE), coerce=True)

RAW = pa.DataFrameSchema(
    {
        schema.TARGET: RAW_TARGET,
        **{
            name: pa.Column(float, _numeric(name), nullable=True, coerce=True)
            for name in schema.NUMERIC
        },
        **{
            name: pa.Column(str, _allowed_after_cleaning(allowed), nullable=True, coerce=True)
            for name, allowed in schema.CATEGORICAL.items()
        },
    },
    checks=[HAS_ROWS],
    name="raw",
)

PROCESSED = pa.DataFrameSchema(
    {
        schema.TARGET: TARGET,
        **{
            name: pa.Column(
                float if name in schema.FRACTIONAL else "int64", _range(bounds), coerce=True
            )
            for name, bounds in schema.NUMERIC.items()
        },
        **{
            name: pa.Column(str, pa.Check.isin(allowed))
            for name, allowed in schema.CATEGORICAL.items()
        },
    },
    checks=[HAS_ROWS],
    strict=True,
    name="processed",
)


def describe(errors: pa.errors.SchemaErrors) -> str:
    """One line: each failing column and check with the number of failing rows."""
    cases = errors.failure_cases
    parts = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        if check == "column_in_dataframe":
            for name in group["failure_case"]:
                parts.append(f"column {name!r} is missing")
        elif pd.isna(column) or column == errors.schema.name:
            parts.append(f"table failed {check}")
        else:
            rows = group["index"].nunique() if group["index"].notna().any() else len(group)
            parts.append(f"column {column!r} failed {check} in {rows} row{'s' * (rows != 1)}")
    return "; ".join(parts)


def _check(frame: pd.DataFrame, contract: pa.DataFrameSchema, what: str) -> pd.DataFrame:
    try:
        return contract.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        raise DataError(f"{what}: {describe(errors)}") from None


def check_raw(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Validate a raw table; raise DataError naming the failures."""
    return _check(frame, RAW, what)


def check_processed(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Validate a processed split; raise DataError naming the failures."""
    return _check(frame, PROCESSED, what)
