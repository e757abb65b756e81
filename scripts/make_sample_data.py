"""Write the synthetic house-price data that every generated project ships with.

The table has the schema of the reference dataset (13 columns, target ``price``) with
realistic relationships: price rises with area, bathrooms, stories, air conditioning, a
preferred area and so on, so a model has something to learn. The raw table also carries
the dirt that cleaning must handle: exact duplicate rows, missing values and categorical
values in inconsistent case or with stray spaces.

Two "current" batches (features only, as they arrive at the prediction service) feed the
monitoring demo: ``unshifted.csv`` comes from the same distribution as the training data,
``shifted.csv`` from a market of larger, better-equipped, more often furnished homes.

Only the standard library is used, with fixed seeds, so the output is byte-for-byte the
same on every machine and Python version::

    python3 scripts/make_sample_data.py          # rewrite the CSV files
    python3 scripts/make_sample_data.py --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug}}"
RAW = PROJECT / "data" / "raw" / "houses.csv"
CURRENT = PROJECT / "data" / "current"

COLUMNS = (
    "price",
    "area",
    "bedrooms",
    "bathrooms",
    "stories",
    "mainroad",
    "guestroom",
    "basement",
    "hotwaterheating",
    "airconditioning",
    "parking",
    "prefarea",
    "furnishingstatus",
)
FEATURES = COLUMNS[1:]
FURNISHING = ("furnished", "semi-furnished", "unfurnished")

ROWS = 600
DUPLICATES = 12
MISSING = {"area": 5, "bathrooms": 3, "parking": 4, "furnishingstatus": 5}
MESSY_CATEGORIES = 10
BATCH_ROWS = 200


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _yes(rng: random.Random, probability: float) -> str:
    return "yes" if rng.random() < probability else "no"


def house(rng: random.Random, *, shifted: bool = False) -> dict[str, object]:
    """One house; ``shifted`` draws from the newer, larger, better-equipped market."""
    area_mean, area_sd = (7600.0, 2300.0) if shifted else (5100.0, 2000.0)
    area = round(_clamp(rng.gauss(area_mean, area_sd), 1500, 16500) / 10) * 10
    bedrooms = int(_clamp(round(1 + area / 2400 + rng.gauss(0, 0.7)), 1, 6))
    bathrooms = int(
        _clamp(round(bedrooms / 2.4 + rng.gauss(0, 0.45) + (0.5 if shifted else 0)), 1, 4)
    )
    stories = int(_clamp(round(rng.choice((1, 1, 2, 2, 2, 3, 4)) + (0.6 if shifted else 0)), 1, 4))
    parking = int(_clamp(round(area / 5000 + rng.gauss(0, 0.6) + (0.8 if shifted else 0)), 0, 3))
    mainroad = _yes(rng, 0.86)
    guestroom = _yes(rng, 0.18)
    basement = _yes(rng, 0.35)
    hotwaterheating = _yes(rng, 0.05)
    airconditioning = _yes(rng, 0.75 if shifted else 0.32)
    prefarea = _yes(rng, 0.55 if shifted else 0.23)
    weights = (0.6, 0.3, 0.1) if shifted else (0.26, 0.42, 0.32)
    furnishing = rng.choices(FURNISHING, weights=weights)[0]

    price = 700_000 + 360.0 * area
    price += 1_050_000 * (bathrooms - 1) + 430_000 * (stories - 1) + 120_000 * (bedrooms - 1)
    price += 280_000 * parking
    price += 420_000 * (mainroad == "yes") + 300_000 * (guestroom == "yes")
    price += 350_000 * (basement == "yes") + 850_000 * (hotwaterheating == "yes")
    price += 860_000 * (airconditioning == "yes") + 650_000 * (prefarea == "yes")
    price += {"furnished": 420_000, "semi-furnished": 200_000, "unfurnished": 0}[furnishing]
    price *= _clamp(rng.gauss(1.0, 0.12), 0.65, 1.4)
    return {
        "price": int(round(price / 1000) * 1000),
        "area": area,
        "bedrooms": bedrooms,
        "bathrooms": bathrooms,
        "stories": stories,
        "mainroad": mainroad,
        "guestroom": guestroom,
        "basement": basement,
        "hotwaterheating": hotwaterheating,
        "airconditioning": airconditioning,
        "parking": parking,
        "prefarea": prefarea,
        "furnishingstatus": furnishing,
    }


def raw_table(seed: int = 2024) -> list[dict[str, object]]:
    """The training table: clean houses plus duplicates, gaps and messy categories."""
    rng = random.Random(seed)
    rows = [house(rng) for _ in range(ROWS)]
    for index in rng.sample(range(ROWS), MESSY_CATEGORIES):
        column = rng.choice(("mainroad", "guestroom", "basement", "airconditioning", "prefarea"))
        value = str(rows[index][column])
        rows[index][column] = rng.choice((value.capitalize(), value.upper(), f" {value} "))
    for column, count in MISSING.items():
        for index in rng.sample(range(ROWS), count):
            rows[index][column] = ""
    for index in sorted(rng.sample(range(ROWS), DUPLICATES)):
        rows.insert(rng.randrange(len(rows) + 1), dict(rows[index]))
    return rows


def batch(seed: int, *, shifted: bool) -> list[dict[str, object]]:
    """A batch of incoming requests: features only, no price."""
    rng = random.Random(seed)
    return [
        {name: value for name, value in house(rng, shifted=shifted).items() if name != "price"}
        for _ in range(BATCH_ROWS)
    ]


def to_csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def outputs() -> dict[Path, str]:
    return {
        RAW: to_csv(raw_table(), COLUMNS),
        CURRENT / "unshifted.csv": to_csv(batch(7, shifted=False), FEATURES),
        CURRENT / "shifted.csv": to_csv(batch(8, shifted=True), FEATURES),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT.parent)}")
    for path in stale:
        print(f"out of date: {path.relative_to(PROJECT.parent)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
