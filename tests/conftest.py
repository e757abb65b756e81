"""Baking fixtures: each combination is baked once per worker and shared by its checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .template import all_combinations

_BAKED: dict[str, object] = {}


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say how many combinations passed, counted from the test reports."""

    def passed(prefix: str) -> int:
        reports = terminalreporter.stats.get("passed", [])
        return sum(report.when == "call" and report.nodeid.startswith(prefix) for report in reports)

    matrix = passed("tests/test_matrix.py::test_exact_file_set")
    if matrix:
        terminalreporter.write_line(
            f"template matrix: {matrix} of {len(all_combinations())} valid option combinations "
            "baked, each once, and checked"
        )
    generated = passed("tests/test_generated_project.py::test_make_install_lint_test_pipeline")
    if generated:
        terminalreporter.write_line(
            f"generated projects: {generated} combinations installed with uv; "
            "make lint, test and pipeline passed"
        )


def bake_once(cookies_session, answers: dict[str, str]):
    """Bake ``answers`` unless this worker already has; return the pytest-cookies result."""
    key = json.dumps(answers, sort_keys=True)
    if key not in _BAKED:
        _BAKED[key] = cookies_session.bake(extra_context=answers)
    return _BAKED[key]


@pytest.fixture
def project(request: pytest.FixtureRequest, cookies_session) -> Path:
    """The baked project for the combination in ``request.param``."""
    result = bake_once(cookies_session, request.param)
    assert result.exit_code == 0, result.exception
    assert result.exception is None
    return Path(result.project_path)
