"""Write the synthetic house data that every generated project ships with, one set per task.

The regression table has the schema of the reference dataset (13 columns, target
``price``) with realistic relationships: price rises with area, bathrooms, stories, air
conditioning, a preferred area and so on, so a model has something to learn. The
classification table lists the same houses at their asking price and adds whether each
sold within a month (``sold_within_month``, yes or no): likelier for a house priced below
its market value, in a preferred area, on a main road or with air conditioning. The raw
tables also carry the dirt that cleaning must handle: exact duplicate rows, missing values
and categorical values in inconsistent case or with stray spaces.

Two "current" batches (features only, as they arrive at the prediction service) feed the
monitoring demo of each task: ``unshifted.csv`` comes from the same distribution as the
training data, ``shifted.csv`` from a market of larger, better-equipped, more often furnished homes.

Only the standard library is used, with fixed seeds, so the output is byte-for-byte the
same on every machine and Python version::

    python3 scripts/make_sample_data.py          # rewrite the CSV files
    python3 scripts/make_sample_data.py --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# cookiecutter's folder for templates that project files include: data/raw/houses.csv and
# data/current/*.csv include the files of the chosen task.
SAMPLES = ROOT / "templates" / "sample_data"
# The column each task predicts.
TARGETS = {"regression": "price", "classification": "sold_within_month"}

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


def market_value(house: dict[str, object]) -> float:
    """What a house is worth on average: the asking price before its own markup."""
    area, bathrooms, stories = int(house["area"]), int(house["bathrooms"]), int(house["stories"])
    bedrooms, parking = int(house["bedrooms"]), int(house["parking"])
    price = 700_000 + 360.0 * area
    price += 1_050_000 * (bathrooms - 1) + 430_000 * (stories - 1) + 120_000 * (bedrooms - 1)
    price += 280_000 * parking
    price += 420_000 * (house["mainroad"] == "yes") + 300_000 * (house["guestroom"] == "yes")
    price += 350_000 * (house["basement"] == "yes") + 850_000 * (house["hotwaterheating"] == "yes")
    price += 860_000 * (house["airconditioning"] == "yes") + 650_000 * (house["prefarea"] == "yes")
    furnishing = {"furnished": 420_000, "semi-furnished": 200_000, "unfurnished": 0}
    price += furnishing[str(house["furnishingstatus"])]
    return price


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

    features = {
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
    price = market_value(features) * _clamp(rng.gauss(1.0, 0.12), 0.65, 1.4)
    return {"price": int(round(price / 1000) * 1000), **features}


def listing(rng: random.Random, sale: random.Random) -> dict[str, object]:
    """One house listed at its asking price, and whether it sold within a month: likelier
    when it is priced below its market value, in a preferred area, on a main road,
    furnished or air-conditioned (``sale`` draws the outcome, so the houses are the same
    as in the regression table)."""
    home = house(rng)
    markup = int(home["price"]) / market_value(home) - 1
    logit = 0.3 - 24.0 * markup + 1.2 * (home["prefarea"] == "yes")
    logit += 0.8 * (home["mainroad"] == "yes") + 1.0 * (home["airconditioning"] == "yes")
    logit -= 1.2 * (home["furnishingstatus"] == "unfurnished")
    sold = "yes" if sale.random() < 1 / (1 + math.exp(-logit)) else "no"
    return {"sold_within_month": sold, **home}


def raw_table(task: str, seed: int = 2024) -> list[dict[str, object]]:
    """The training table: clean houses plus duplicates, gaps and messy categories."""
    rng = random.Random(seed)
    if task == "classification":
        sale = random.Random(seed + 1)
        rows = [listing(rng, sale) for _ in range(ROWS)]
    else:
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


def batch(task: str, seed: int, *, shifted: bool) -> list[dict[str, object]]:
    """A batch of incoming requests: features only, without the target."""
    rng = random.Random(seed)
    target = TARGETS[task]
    return [
        {name: value for name, value in house(rng, shifted=shifted).items() if name != target}
        for _ in range(BATCH_ROWS)
    ]


def to_csv(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def outputs() -> dict[Path, str]:
    """Each task's tables; the project's data files include the chosen task's."""
    files = {}
    for task, target in TARGETS.items():
        folder = SAMPLES / task
        columns = (target, *(name for name in COLUMNS if name != target))
        features = columns[1:]
        files[folder / "houses.csv"] = to_csv(raw_table(task), columns)
        files[folder / "unshifted.csv"] = to_csv(batch(task, 7, shifted=False), features)
        files[folder / "shifted.csv"] = to_csv(batch(task, 8, shifted=True), features)
    return files


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
        print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
