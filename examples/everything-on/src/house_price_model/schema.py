"""The data schema in one place: columns, kinds, allowed values and plausible ranges.

Every stage reads it, so changing the dataset starts here. Only the standard library is
imported, so every module can use it without loading pandas.
"""

from __future__ import annotations

TARGET = "price"

# Numeric features -> (lowest, highest) plausible value; whole numbers unless listed below.
NUMERIC: dict[str, tuple[float, float]] = {
    "area": (300, 50_000),
    "bedrooms": (1, 10),
    "bathrooms": (1, 10),
    "stories": (1, 6),
    "parking": (0, 6),
}
# Numeric features that may hold fractions (none in the bundled data).
FRACTIONAL: frozenset[str] = frozenset()

YES_NO = ("yes", "no")
# Categorical features -> allowed values, written in lower case.
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "mainroad": YES_NO,
    "guestroom": YES_NO,
    "basement": YES_NO,
    "hotwaterheating": YES_NO,
    "airconditioning": YES_NO,
    "prefarea": YES_NO,
    "furnishingstatus": ("furnished", "semi-furnished", "unfurnished"),
}
TARGET_RANGE: tuple[float, float] = (10_000, 1_000_000_000)

FEATURES: tuple[str, ...] = (*NUMERIC, *CATEGORICAL)
COLUMNS: tuple[str, ...] = (TARGET, *FEATURES)

# One plausible record, used in the API docs and the examples.
EXAMPLE: dict[str, int | str] = {
    "area": 5000,
    "bedrooms": 3,
    "bathrooms": 2,
    "stories": 2,
    "mainroad": "yes",
    "guestroom": "no",
    "basement": "no",
    "hotwaterheating": "no",
    "airconditioning": "yes",
    "parking": 1,
    "prefarea": "no",
    "furnishingstatus": "furnished",
}
