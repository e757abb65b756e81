"""Tests of ``adopt-data``: what it infers, what it writes, and what it refuses.

Each test runs the command as a user does, through the CLI, in a private copy of the
project's files; the tables are made here, with column names of their own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from house_price_model import schema
from house_price_model.cli import main
from house_price_model.config import load_settings

from ..conftest import ROOT

PACKAGE = schema.__name__.rpartition(".")[0]
SCHEMA_FILE = Path("src", PACKAGE, "schema.py")
ROWS = 240
# The column the tables' model predicts: a flat's monthly cost.
TARGET = "monthly_cost"


def not_copied() -> Callable[[str, list[str]], set[str]]:
    """Left out of each test's copy of the project: hidden folders (the environment among
    them) and whatever git ignores (caches, pipeline outputs, local stores)."""
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    names = [Path(line.strip("/ ")).name for line in lines if line.strip()[:1] not in {"", "#"}]
    return shutil.ignore_patterns(".*", *names)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the files adopt-data touches, made the working directory."""
    folder = tmp_path / "project"
    shutil.copytree(ROOT, folder, ignore=not_copied())
    monkeypatch.chdir(folder)
    return folder


def table(rows: int = ROWS, seed: int = 3) -> pd.DataFrame:
    """A table of a shape unlike the bundled one: every kind of column adopt-data meets."""
    rng = np.random.default_rng(seed)
    rooms = rng.integers(1, 8, rows)
    size = rng.normal(70.0, 15.0, rows).round(2)
    district = rng.choice(["North", "south ", "EAST"], rows)
    cost = 900 * rooms + 12.5 * size + np.where(district == "EAST", 300, 0)
    cost = cost + rng.normal(0, 80, rows)
    target = cost.round(1)
    return pd.DataFrame(
        {
            "row_id": np.arange(1, rows + 1),
            "rooms": rooms,
            "floor_m2": size,
            "district": district,
            "note": [f"listing {index}" for index in range(rows)],
            "country": "same everywhere",
            TARGET: target,
        }
    )


def write_table(frame: pd.DataFrame, folder: Path, name: str = "listings.csv") -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in ``folder``: to show a refusal changed nothing."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def adopt(*arguments: str, force: bool = True) -> int:
    """Run adopt-data; with ``--force`` unless asked not to, as the project under test may
    hold adopted data already."""
    return main(["adopt-data", *arguments, *(["--force"] if force else [])])


def written_schema(folder: Path) -> dict[str, object]:
    return runpy.run_path(str(folder / SCHEMA_FILE))


def test_adoption_infers_each_kind_of_column_and_says_what_it_left_out(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = table()
    source = write_table(frame, tmp_path)
    assert adopt(str(source), "--target", TARGET) == 0
    adopted = written_schema(project)
    assert adopted["TARGET"] == TARGET
    assert list(adopted["NUMERIC"]) == ["rooms", "floor_m2"]
    assert adopted["FRACTIONAL"] == frozenset({"floor_m2"})
    assert adopted["CATEGORICAL"] == {"district": ("east", "north", "south")}
    assert adopted["FEATURES"] == ("rooms", "floor_m2", "district")
    for name, (low, high) in adopted["NUMERIC"].items():
        assert low <= frame[name].min(), name
        assert frame[name].max() <= high, name
    low, high = adopted["TARGET_RANGE"]
    assert low <= frame[TARGET].min()
    assert frame[TARGET].max() <= high
    assert low >= 0, "a target with no negative value gets no negative bound"
    example = adopted["EXAMPLE"]
    assert list(example) == list(adopted["FEATURES"])
    assert isinstance(example["rooms"], int)
    assert isinstance(example["floor_m2"], float)
    assert example["district"] in adopted["CATEGORICAL"]["district"]
    out = capsys.readouterr().out
    for name, reason in (
        ("row_id", "identifier-like"),
        ("note", "identifier or free text"),
        ("country", "constant"),
    ):
        assert f"left out: {name} ({reason}" in out
        assert f"# - {name}: {reason}" in (project / SCHEMA_FILE).read_text(encoding="utf-8")
    assert "review:" in out


def test_the_written_schema_reads_as_hand_written_code(project: Path, tmp_path: Path) -> None:
    assert adopt(str(write_table(table(), tmp_path)), "--target", TARGET) == 0
    for command in (["check", "--no-cache"], ["format", "--no-cache", "--diff"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(project / SCHEMA_FILE)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


def test_adoption_points_params_data_and_docs_at_the_new_table(
    project: Path, tmp_path: Path
) -> None:
    old_source = load_settings(environ={}).data.source
    source = write_table(table(), tmp_path)
    assert adopt(str(source), "--target", TARGET) == 0
    settings = load_settings(environ={})
    assert settings.data.source == "data/raw/listings.csv"
    assert settings.data.target == TARGET
    assert (project / settings.data.source).read_bytes() == source.read_bytes()
    assert not (project / old_source).exists(), "the table it replaces is removed"
    costs = table()[TARGET]
    assert settings.evaluation.thresholds["max_rmse"] == pytest.approx(costs.std(), rel=0.05)
    cluster = project / "deploy" / "k8s" / "base" / "params.yaml"
    if cluster.is_file():
        local = (project / "config" / "params.yaml").read_text(encoding="utf-8")
        assert cluster.read_text(encoding="utf-8") == local
    for path in project.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".yaml", ".py"}:
            assert old_source not in path.read_text(encoding="utf-8"), path
    readme = (project / "README.md").read_text(encoding="utf-8")
    bodies = [line.split(" -d '", 1)[1][:-1] for line in readme.splitlines() if " -d '" in line]
    for body in bodies:
        assert json.loads(body) == written_schema(project)["EXAMPLE"]


def test_adoption_writes_a_plain_and_a_shifted_monitoring_batch(
    project: Path, tmp_path: Path
) -> None:
    assert adopt(str(write_table(table(), tmp_path)), "--target", TARGET) == 0
    settings = load_settings(environ={})
    adopted = written_schema(project)
    current = project / "data" / "current"
    unshifted = pd.read_csv(current / "unshifted.csv")
    shifted = pd.read_csv(current / "shifted.csv")
    assert list(unshifted.columns) == list(shifted.columns) == list(adopted["FEATURES"])
    assert len(unshifted) == len(shifted) >= settings.monitoring.min_rows
    for name, (low, high) in adopted["NUMERIC"].items():
        assert shifted[name].mean() > unshifted[name].mean(), name
        assert shifted[name].between(low, high).all(), name
    for name, allowed in adopted["CATEGORICAL"].items():
        assert set(shifted[name]) <= set(allowed)
        assert not shifted[name].equals(unshifted[name]), name


def _header_only(tmp_path: Path) -> Path:
    path = tmp_path / "header.csv"
    path.write_text("a,b\n", encoding="utf-8")
    return path


def _small(folder: Path) -> Path:
    return write_table(table(rows=40), folder)


def _url(folder: Path) -> str:
    del folder
    return "https://example.com/table.csv"


# Kind of refusal -> how to make the table (None: the good one), the target asked for,
# and what the one line names.
REFUSALS = {
    "unknown-target": (None, "price_per_m2", "no such column"),
    "too-few-rows": (_small, TARGET, "40 distinct rows"),
    "text-target": (None, "district", "not numbers"),
    "class-like-target": (None, "rooms", "distinct values"),
    "header-only": (_header_only, "a", "0 distinct rows"),
    "a-url": (_url, TARGET, "not a local file"),
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_a_table_it_cannot_adopt_is_refused_with_one_line_and_nothing_written(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    make, target, named = REFUSALS[kind]
    source = make(tmp_path) if make else write_table(table(), tmp_path)
    before = digests(project)
    assert adopt(str(source), "--target", target) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, errors
    assert errors[0].startswith("error: adopt-data: ")
    assert named in errors[0]
    assert digests(project) == before


def test_a_second_adoption_needs_force(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_table(table(), tmp_path)
    assert adopt(str(first), "--target", TARGET) == 0
    capsys.readouterr()
    before = digests(project)
    second = write_table(table(seed=4), tmp_path, "other.csv")
    assert adopt(str(second), "--target", TARGET, force=False) == 1
    assert "--force" in capsys.readouterr().err
    assert digests(project) == before
    assert adopt(str(second), "--target", TARGET) == 0
    assert load_settings(environ={}).data.source == "data/raw/other.csv"
    assert not (project / "data" / "raw" / "listings.csv").exists()


def test_categories_are_read_as_ingestion_cleans_them(project: Path, tmp_path: Path) -> None:
    """Mixed case and stray spaces in the CSV become the lower-case values schema.py allows."""
    frame = table()
    source = write_table(frame, tmp_path)
    assert adopt(str(source), "--target", TARGET) == 0
    allowed = written_schema(project)["CATEGORICAL"]["district"]
    raw = {row["district"] for row in csv.DictReader(io.StringIO(source.read_text()))}
    assert {value.strip().lower() for value in raw} == set(allowed)
