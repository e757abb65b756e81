"""The default project and every single-option override pass their own test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import bake_once
from .template import single_overrides


def override_id(change: dict[str, str]) -> str:
    return "-".join(f"{name}={value}" for name, value in change.items()) or "default"


@pytest.mark.parametrize("change", single_overrides(), ids=override_id)
def test_generated_tests_pass(cookies_session, change: dict[str, str]) -> None:
    result = bake_once(cookies_session, change)
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout.splitlines()[-1]
