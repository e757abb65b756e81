"""Baking fixtures: each combination is baked once per worker and shared by its checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from .template import combination_id

_BAKED: dict[str, object] = {}


def pytest_report_header() -> list[str]:
    from .template import all_combinations

    return [f"template combinations: {len(all_combinations())} valid"]


def bake_once(cookies_session, answers: dict[str, str]):
    """Bake ``answers`` unless this worker already has; return the pytest-cookies result."""
    key = combination_id(answers) + repr(sorted(answers.items()))
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
