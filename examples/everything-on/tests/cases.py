"""Columns, records and bad values for the tests, derived from ``schema.py``.

The tests name no column of their own: change the schema for your data and they follow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from house_price_model import schema

# A numeric feature, its plausible range, and whether it holds whole numbers only.
NUMBER = next(iter(schema.NUMERIC), None)
# A numeric feature that holds whole numbers only, when the schema has one.
WHOLE = next((name for name in schema.NUMERIC if name not in schema.FRACTIONAL), None)
# A categorical feature, when the schema has one.
CATEGORY = next(iter(schema.CATEGORICAL), None)
# A field no record and no table of ours has.
UNKNOWN_FIELD = "no_such_column"

needs_number = pytest.mark.skipif(NUMBER is None, reason="schema.py has no numeric feature")


def case(
    case_id: str, build: Callable[[], tuple[object, ...]], needs: str | None = None, width: int = 2
) -> object:
    """A ``pytest.param`` of what ``build`` returns, or, when the schema has no column of
    the kind the case ``needs`` ("number" or "category"), a skipped one that says so."""
    absent = {"number": NUMBER is None, "category": CATEGORY is None}
    if needs is not None and absent[needs]:
        reason = f"schema.py has no {'numeric' if needs == 'number' else 'categorical'} feature"
        return pytest.param(*[None] * width, id=case_id, marks=pytest.mark.skip(reason=reason))
    return pytest.param(*build(), id=case_id)


def is_whole(name: str) -> bool:
    return name not in schema.FRACTIONAL


def bounds(name: str) -> tuple[float, float]:
    """The plausible range of a numeric feature or of the target."""
    return schema.TARGET_RANGE if name == schema.TARGET else schema.NUMERIC[name]


def in_range_check(name: str) -> str:
    """The check's name as a validation error prints it, e.g. ``in_range(1, 10)``."""
    low, high = bounds(name)
    return f"in_range({low}, {high})"


def above_range(name: str) -> float:
    """A value just above the plausible range (a whole number when the column wants one)."""
    return bounds(name)[1] + 1


def below_range(name: str) -> float:
    """A value below the plausible range."""
    low, high = bounds(name)
    return low - (high - low) - 1


def unknown_category(name: str) -> str:
    """A value the categorical feature does not allow."""
    return "-".join(("not", *schema.CATEGORICAL[name]))


def other_record() -> dict[str, int | float | str]:
    """A plausible record unlike ``schema.EXAMPLE``: numbers near the top of their range,
    the next allowed value of each category."""
    record: dict[str, int | float | str] = dict(schema.EXAMPLE)
    for name, (low, high) in schema.NUMERIC.items():
        value = low + 0.75 * (high - low)
        record[name] = round(value) if is_whole(name) else value
    for name, allowed in schema.CATEGORICAL.items():
        record[name] = allowed[(allowed.index(str(record[name])) + 1) % len(allowed)]
    return record


# A value the target may hold, and one it may not (with the check that refuses it).
GOOD_TARGET = schema.TARGET_RANGE[0]
BAD_TARGET = below_range(schema.TARGET)
BAD_TARGET_CHECK = "in_range"


def well_formed(answer: Any) -> bool:
    """An answer: a finite number."""
    return isinstance(answer, float) and math.isfinite(answer)


def same_answers(first: list[Any], second: list[Any]) -> bool:
    """The same numbers, to rounding."""
    return first == pytest.approx(second)
