"""Baking fixtures: each combination is baked once per worker and shared by its checks."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jinja2
import pytest
from cookiecutter.environment import StrictEnvironment

from .template import all_combinations, combination_id, selected_combinations
from .validators import SHARED, Passed, shared_passed, summary

_BAKED: dict[str, object] = {}

# Every valid combination; TEMPLATE_MATRIX=pairwise (make test-fast) a covering subset.
# Tests of one combination share an xdist group, so one worker bakes it once for all.
by_combination = pytest.mark.parametrize(
    "project",
    [
        pytest.param(
            answers,
            id=combination_id(answers),
            marks=pytest.mark.xdist_group(combination_id(answers)),
        )
        for answers in selected_combinations()
    ],
    indirect=True,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first, in their order: xdist hands work units (a test, or an xdist
    group) out in this order when ``--no-loadscope-reorder`` is given, as the Makefile does
    (by default ``--dist loadgroup`` puts the groups with the most tests first, and a lone
    long test such as the adopt-data run last), so the short checks fill in at the end
    instead of one worker running the last long one alone."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_configure(config) -> None:
    """The controller makes the folder where the xdist workers record validated files."""
    if SHARED not in os.environ:
        os.environ[SHARED] = tempfile.mkdtemp(prefix="template-validated-")


@pytest.fixture(scope="session")
def passed() -> Passed:
    """What the validators passed, shared by the xdist workers (see tests/validators)."""
    return shared_passed()


def passed_with(reports: list[pytest.TestReport], marker: str) -> int:
    """How many tests carrying ``marker`` passed (a marker, so a renamed test still counts)."""
    return sum(report.when == "call" and marker in report.keywords for report in reports)


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say how many combinations passed, counted from the test reports."""
    reports = terminalreporter.stats.get("passed", [])
    matrix = passed_with(reports, "counts_combinations")
    if matrix:
        terminalreporter.write_line(
            f"template matrix: {matrix} of {len(all_combinations())} valid option combinations "
            "baked, each once, and checked"
        )
    generated = passed_with(reports, "counts_generated_projects")
    if generated:
        terminalreporter.write_line(
            f"generated projects: {generated} combinations installed with uv; "
            "make lint, test, docs, pipeline and score passed; the served ones answered their "
            "README's request"
        )
    services = passed_with(reports, "runs_against_services")
    if services:
        terminalreporter.write_line(
            f"real services: {services} generated projects ran their pipeline, served and "
            "monitored against PostgreSQL, an S3 API (moto) and an MLflow server, by settings only"
        )
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        lines = summary(Passed(Path(os.environ[SHARED])))
        if lines:
            terminalreporter.write_line("delivery validators (version: distinct files passed):")
            for line in lines:
                terminalreporter.write_line(line)


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in memory by each worker for all its bakes.

    Every bake renders the same template files; compiling them is two thirds of a bake.
    Jinja keys the cache on each source's checksum, so an edited file is compiled again
    and the output is the same as without the cache.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@contextmanager
def keeping_compiled_templates() -> Iterator[CompiledTemplates]:
    """Within the block, cookiecutter's environments share one CompiledTemplates."""
    cache = CompiledTemplates()
    plain_init = StrictEnvironment.__init__

    def init(self: StrictEnvironment, **kwargs: object) -> None:
        plain_init(self, **kwargs)
        self.bytecode_cache = cache

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StrictEnvironment, "__init__", init)
        yield cache


@pytest.fixture(scope="session", autouse=True)
def compiled_templates() -> Iterator[CompiledTemplates]:
    """Every bake of the test run shares one CompiledTemplates."""
    with keeping_compiled_templates() as cache:
        yield cache


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
