"""Batch scoring of a file of records with the champion, through ``make score``.

The records and the bad values are derived from ``schema.py``, so the tests follow the
user's data.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }} import schema, task
from {{ cookiecutter.package_name }}.artifacts import load_model
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import load_settings
from {{ cookiecutter.package_name }}.scoring.main import run

from ..cases import CATEGORY, NUMBER, WHOLE, above_range, other_record, unknown_category
from ..conftest import ROOT, make_workspace
from ..test_failed_runs import tools_environment

OUTPUTS = ("predictions.csv", "rejects.csv", "summary.json")
PASSED_THROUGH = "record_id"  # a column of the user's own, not a feature


def good_records(count: int) -> list[dict[str, Any]]:
    """``count`` plausible records, alternating between two of them."""
    return [dict(schema.EXAMPLE) if index % 2 else other_record() for index in range(count)]


def bad_records() -> dict[str, dict[str, Any]]:
    """A record per rule of the schema that its features allow, by the reason it breaks."""
    cases: dict[str, dict[str, Any]] = {}
    if NUMBER is not None:
        cases[f"{NUMBER}: outside"] = {**schema.EXAMPLE, NUMBER: above_range(NUMBER)}
        cases[f"{NUMBER}: not a number"] = {**schema.EXAMPLE, NUMBER: "many"}
        cases[f"{NUMBER}: missing"] = {**schema.EXAMPLE, NUMBER: ""}
    if WHOLE is not None:
        cases[f"{WHOLE}: not a whole number"] = {
            **schema.EXAMPLE,
            WHOLE: schema.EXAMPLE[WHOLE] + 0.5,
        }
    if CATEGORY is not None:
        cases[f"{CATEGORY}: not one of"] = {**schema.EXAMPLE, CATEGORY: unknown_category(CATEGORY)}
        cases[f"{CATEGORY}: missing"] = {**schema.EXAMPLE, CATEGORY: ""}
    return cases


def write_csv(path: Path, records: list[dict[str, Any]]) -> Path:
    columns = [PASSED_THROUGH, *schema.FEATURES]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for number, record in enumerate(records):
            writer.writerow({PASSED_THROUGH: f"id-{number:05d}", **record})
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_make_score_writes_predictions_rejects_and_a_summary(trained: Path) -> None:
    good, bad = good_records(5), bad_records()
    records = [*good[:2], *bad.values(), *good[2:]]
    batch = write_csv(trained / "batch.csv", records)
    result = subprocess.run(
        ["make", "--file", str(ROOT / "Makefile"), "score", f"INPUT={batch}", "RUN="],
        cwd=trained,
        capture_output=True,
        text=True,
        check=False,
        env=tools_environment(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    settings = load_settings(environ={})
    output = settings.scoring.output_dir
    champion = json.loads((settings.registry.champion_dir / "model.json").read_text())
    scored = read_csv(output / "predictions.csv")
    bad_rows = list(range(3, 3 + len(bad)))
    kept = [number for number in range(1, len(records) + 1) if number not in bad_rows]
    assert [int(row["row"]) for row in scored] == kept
    assert [row[PASSED_THROUGH] for row in scored] == [f"id-{number - 1:05d}" for number in kept]
    assert {row["model_version"] for row in scored} == {champion["version"]}
    predicted = f"predicted_{schema.TARGET}"
    assert all(row[predicted] != "" for row in scored)
    rejects = read_csv(output / "rejects.csv")
    assert [int(row["row"]) for row in rejects] == bad_rows
    for reject, reason in zip(rejects, bad, strict=True):  # each names the column and the rule
        assert reject["reason"].startswith(reason), (reject["reason"], reason)
    summary = json.loads((output / "summary.json").read_text())
    assert summary["rows_read"] == len(records)
    assert summary["rows_scored"] == len(good)
    assert summary["rows_rejected"] == len(bad)
    assert summary["model_version"] == champion["version"]


def test_scores_match_the_model_and_do_not_depend_on_the_chunk_size_or_format(
    trained: Path,
) -> None:
    import pandas as pd

    good = good_records(23)
    batch = write_csv(trained / "batch.csv", [*good, *bad_records().values()])
    settings = load_settings(environ={})
    frame = pd.read_csv(batch, dtype=str, keep_default_na=False)
    frame.to_parquet(trained / "batch.parquet")
    sources = {
        "one": (1000, batch),
        "chunks": (4, batch),
        "parquet": (5, trained / "batch.parquet"),
    }
    scored = {}
    for name, (rows, source) in sources.items():
        scoring = dataclasses.replace(settings.scoring, chunk_rows=rows)
        assert run(dataclasses.replace(settings, scoring=scoring), str(source), name) == 0
        scored[name] = read_csv(trained / name / "predictions.csv")
    model, _ = load_model(settings.registry.champion_dir)
    features = pd.DataFrame(good, columns=list(schema.FEATURES))
    for column, values in task.prediction_columns(model, features).items():
        expected = list(values)
        for name, rows in scored.items():
            got = [row[column] for row in rows]
            if isinstance(expected[0], float):
                assert [float(value) for value in got] == pytest.approx(expected), (name, column)
            else:
                assert got == [str(value) for value in expected], (name, column)
    for name in ("chunks", "parquet"):
        assert read_csv(trained / name / "rejects.csv") == read_csv(trained / "one" / "rejects.csv")


def test_a_file_without_a_feature_stops_and_keeps_the_last_scores(
    trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = load_settings(environ={}).scoring.output_dir
    assert main(["score", str(write_csv(trained / "batch.csv", good_records(3)))]) == 0
    before = {name: (output / name).read_bytes() for name in OUTPUTS}
    missing = schema.FEATURES[-1]
    rows = read_csv(trained / "batch.csv")
    with (trained / "trimmed.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=[name for name in rows[0] if name != missing])
        writer.writeheader()
        writer.writerows(
            {name: value for name, value in row.items() if name != missing} for row in rows
        )
    capsys.readouterr()
    assert main(["score", str(trained / "trimmed.csv")]) == 1
    error = capsys.readouterr().err
    assert f"missing column {missing!r}" in error, error
    assert {name: (output / name).read_bytes() for name in OUTPUTS} == before
    assert not [path for path in output.parent.iterdir() if path.name.startswith(f".{output.name}")]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("records.parquet", b"not parquet", "not a readable Parquet file"),
        ("records.csv", b"", "empty file"),
        ("records.json", b"[]", "expected a .csv or .parquet file"),
        ("absent.csv", None, "file not found"),
    ],
)
def test_a_file_that_cannot_be_read_stops_with_one_line(
    trained: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes | None, reason: str
) -> None:
    if content is not None:
        (trained / name).write_bytes(content)
    assert main(["score", name, "--output", "scores"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"error: score: {name}: {reason}"), errors
    assert not (trained / "scores").exists()


def test_score_without_a_champion_says_to_run_the_pipeline(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = write_csv(workspace / "batch.csv", good_records(2))
    assert main(["score", str(batch), "--output", "scores"]) == 1
    assert "run the pipeline first" in capsys.readouterr().err
    assert not (workspace / "scores").exists()


def test_a_pod_scores_the_store_s_input_into_the_store(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the CronJob runs it: a fresh folder with an artefact store fetches the champion
    and ``scoring.input`` from the store and sends the scores back to it."""
    store = tmp_path / "store"
    settings = load_settings(environ={})
    champion, source = settings.registry.champion_dir, Path(settings.scoring.input)
    shutil.copytree(trained / champion, store / champion)
    (store / source).parent.mkdir(parents=True)
    shutil.copy2(trained / source, store / source)
    monkeypatch.chdir(make_workspace(tmp_path / "pod"))
    monkeypatch.setenv("ARTIFACT_STORE", str(store))
    assert main(["score"]) == 0
    summary = json.loads((store / settings.scoring.output_dir / "summary.json").read_text())
    assert summary["rows_read"] == len(read_csv(trained / source))
    assert summary["rows_scored"] + summary["rows_rejected"] == summary["rows_read"] > 0
