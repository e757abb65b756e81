"""Tests of the evaluation stage and its promotion gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from house_price_model.cli import main
from house_price_model.config import (
    Settings,
    load_settings,
)
from house_price_model.metrics import gate
from house_price_model.task import (
    METRICS,
)

PRIMARY = load_settings(environ={}).evaluation.primary_metric
# A good challenger: 0.5 on every metric, within thresholds at 0.2 and 0.8 either way.
GOOD = dict.fromkeys(METRICS, 0.5)
THRESHOLDS = {
    f"{'min' if metric.higher_is_better else 'max'}_{name}": (
        0.2 if metric.higher_is_better else 0.8
    )
    for name, metric in METRICS.items()
}


def worse(value: float, name: str = PRIMARY, by: float = 0.1) -> float:
    return value - by if METRICS[name].higher_is_better else value + by


def champion(version: str, value: float, source: str = "models/champion") -> dict:
    return {"version": version, PRIMARY: value, "source": source}


def judge(challenger: dict, champions: list[dict], **limits: float) -> list[str]:
    return gate(challenger, champions, limits or THRESHOLDS, PRIMARY, METRICS)


def test_gate_accepts_a_good_first_model() -> None:
    assert judge(GOOD, []) == []


@pytest.mark.parametrize("name", list(METRICS))
def test_gate_refuses_a_model_outside_a_threshold(name: str) -> None:
    challenger = {**GOOD, name: worse(0.5, name, by=0.4)}
    [reason] = judge(challenger, [])
    key = next(key for key in THRESHOLDS if key.endswith(f"_{name}"))
    side = "below" if METRICS[name].higher_is_better else "above"
    assert f"test {METRICS[name].label} {challenger[name]:.4g} is {side} {key}" in reason


@pytest.mark.parametrize("champion_value", [worse(0.5, by=-0.1), 0.5], ids=["better", "tie"])
def test_gate_refuses_a_model_that_does_not_beat_the_champion(champion_value: float) -> None:
    [reason] = judge(GOOD, [champion("3", champion_value)])
    assert f"test {METRICS[PRIMARY].label} 0.5 does not beat champion version 3" in reason


def test_small_and_large_values_print_with_significant_digits() -> None:
    """A target between 0 and 1 gives errors that a fixed number of decimals shows as 0."""
    label = METRICS[PRIMARY].label
    side = "min" if METRICS[PRIMARY].higher_is_better else "max"
    within = {f"{side}_{PRIMARY}": 0.0 if side == "min" else 1.0}
    better = champion("3", worse(0.04321, by=-3e-5))
    [reason] = judge({**GOOD, PRIMARY: 0.04321}, [better], **within)
    assert f"test {label} 0.04321 does not beat champion version 3 (" in reason
    assert f"{worse(0.04321, by=-3e-5):.4g}, models/champion)" in reason
    limit = 1e6 if side == "max" else 2e6  # so that 1,234,567 is outside it
    [reason] = judge({**GOOD, PRIMARY: 1_234_567.0}, [], **{f"{side}_{PRIMARY}": limit})
    assert f"test {label} 1,234,567 " in reason
    assert f" {side}_{PRIMARY} {limit:,.0f}" in reason


def test_gate_accepts_a_better_challenger() -> None:
    assert judge(GOOD, [champion("1", worse(0.5))]) == []


def test_gate_must_beat_every_champion() -> None:
    champions = [champion("2+aaa", worse(0.5), "registry"), champion("1+bbb", worse(0.5, by=-0.1))]
    reasons = judge(GOOD, champions)
    assert any("different models" in reason for reason in reasons)
    assert any("does not beat champion version 1+bbb" in reason for reason in reasons)
    assert not any("does not beat champion version 2+aaa" in reason for reason in reasons)


def test_worse_model_is_refused_and_never_becomes_champion(
    trained: Path, trained_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    params = trained / "config" / "params.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("max_iter: 300", "max_iter: 3"), encoding="utf-8")
    before = (trained_settings.registry.champion_dir / "model.json").read_bytes()
    for stage in ("train", "evaluate", "register"):
        assert main([stage]) == 0
    report = json.loads(trained_settings.evaluation.report.read_text())
    assert report["promote"] is False
    [champion_report] = report["champions"]
    assert not METRICS[PRIMARY].beats(report[PRIMARY], champion_report[PRIMARY])
    assert any("does not beat champion version 1+" in reason for reason in report["reasons"])
    assert (trained_settings.registry.champion_dir / "model.json").read_bytes() == before
    assert "not promoted" in capsys.readouterr().err
