"""Tests of the evaluation stage and its promotion gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.evaluation.main import gate

GOOD = {"rmse": 500_000.0, "mae": 400_000.0, "r2": 0.8}


def test_gate_accepts_a_good_first_model() -> None:
    assert gate(GOOD, None, max_rmse=1e6, min_r2=0.5) == []


@pytest.mark.parametrize(
    ("challenger", "champion", "reason"),
    [
        ({**GOOD, "rmse": 2e6}, None, "above max_rmse"),
        ({**GOOD, "r2": 0.1}, None, "below min_r2"),
        (GOOD, {"version": "3", "rmse": 400_000.0}, "does not beat champion version 3"),
        (GOOD, {"version": "3", "rmse": 500_000.0}, "does not beat champion version 3"),
    ],
    ids=["rmse-threshold", "r2-threshold", "worse-than-champion", "tie-with-champion"],
)
def test_gate_refuses(challenger: dict, champion: dict | None, reason: str) -> None:
    reasons = gate(challenger, champion, max_rmse=1e6, min_r2=0.5)
    assert len(reasons) == 1
    assert reason in reasons[0]


def test_gate_accepts_a_better_challenger() -> None:
    assert gate(GOOD, {"version": "1", "rmse": 600_000.0}, max_rmse=1e6, min_r2=0.5) == []


def test_worse_model_is_refused_and_never_becomes_champion(
    trained: Path, trained_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    params = trained / "config" / "params.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("max_iter: 300", "max_iter: 3"), encoding="utf-8")
    before = (trained_settings.registry.champion_dir / "model.json").read_bytes()
    for stage in ("train", "evaluate", "register"):
        assert main([stage]) == 0
    report = json.loads((trained_settings.evaluation.reports_dir / "metrics.json").read_text())
    assert report["promote"] is False
    assert report["rmse"] > report["champion"]["rmse"]
    assert any("does not beat champion version 1" in reason for reason in report["reasons"])
    assert (trained_settings.registry.champion_dir / "model.json").read_bytes() == before
    assert "not promoted" in capsys.readouterr().err
