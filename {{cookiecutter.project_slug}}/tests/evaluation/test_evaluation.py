"""Tests of the evaluation stage and its promotion gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.evaluation.main import gate

GOOD = {"rmse": 500_000.0, "mae": 400_000.0, "r2": 0.8}


def champion(version: str, rmse: float, source: str = "models/champion") -> dict:
    return {"version": version, "rmse": rmse, "source": source}


def test_gate_accepts_a_good_first_model() -> None:
    assert gate(GOOD, [], max_rmse=1e6, min_r2=0.5) == []


@pytest.mark.parametrize(
    ("challenger", "champions", "reason"),
    [
        ({**GOOD, "rmse": 2e6}, [], "above max_rmse"),
        ({**GOOD, "r2": 0.1}, [], "below min_r2"),
        (GOOD, [champion("3", 400_000.0)], "does not beat champion version 3"),
        (GOOD, [champion("3", 500_000.0)], "does not beat champion version 3"),
    ],
    ids=["rmse-threshold", "r2-threshold", "worse-than-champion", "tie-with-champion"],
)
def test_gate_refuses(challenger: dict, champions: list[dict], reason: str) -> None:
    reasons = gate(challenger, champions, max_rmse=1e6, min_r2=0.5)
    assert len(reasons) == 1
    assert reason in reasons[0]


def test_small_errors_print_with_significant_digits() -> None:
    """A target between 0 and 1 gives errors that a fixed number of decimals shows as 0."""
    small = {"rmse": 0.04321, "mae": 0.03, "r2": 0.8}
    [reason] = gate(small, [champion("3", 0.04318)], max_rmse=0.1, min_r2=0.5)
    assert "test RMSE 0.04321 does not beat champion version 3 (0.04318," in reason
    [reason] = gate({**small, "rmse": 0.2}, [], max_rmse=0.1, min_r2=0.5)
    assert "test RMSE 0.2 is above max_rmse 0.1" in reason
    [reason] = gate({**GOOD, "rmse": 1_234_567.0}, [], max_rmse=1e6, min_r2=0.5)
    assert "test RMSE 1,234,567 is above max_rmse 1,000,000" in reason


def test_gate_accepts_a_better_challenger() -> None:
    assert gate(GOOD, [champion("1", 600_000.0)], max_rmse=1e6, min_r2=0.5) == []


def test_gate_must_beat_every_champion() -> None:
    champions = [champion("2+aaa", 600_000.0, "registry"), champion("1+bbb", 450_000.0)]
    reasons = gate(GOOD, champions, max_rmse=1e6, min_r2=0.5)
    assert any("different models" in reason for reason in reasons)
    assert any("does not beat champion version 1+bbb" in reason for reason in reasons)
    assert not any("version 2+aaa (600,000" in reason for reason in reasons)


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
    [champion_report] = report["champions"]
    assert report["rmse"] > champion_report["rmse"]
    assert any("does not beat champion version 1+" in reason for reason in report["reasons"])
    assert (trained_settings.registry.champion_dir / "model.json").read_bytes() == before
    assert "not promoted" in capsys.readouterr().err
