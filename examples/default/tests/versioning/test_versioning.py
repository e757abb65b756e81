"""Tests of data versioning: DVC stages, data-vX.Y.Z tags and reading an old version."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from house_price_model.cli import (
    PIPELINE,
    main,
)
from house_price_model.config import Settings
from house_price_model.errors import (
    DataError,
    PipelineError,
)
from house_price_model.ingestion.main import read_raw
from house_price_model.versioning.main import (
    next_version,
)
from house_price_model.versioning.main import (
    run as version_data,
)

from ..conftest import ROOT

PACKAGE = "house_price_model"


def test_dvc_stages_are_the_pipeline() -> None:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    assert tuple(stages) == PIPELINE
    for name, stage in stages.items():
        assert stage["cmd"] == f"python -m {PACKAGE} {name}"


@pytest.mark.parametrize(
    ("tags", "bump", "expected"),
    [
        ([], "patch", "data-v1.0.0"),
        (["data-v1.0.0", "v9.9.9", "data-v1.2.3"], "patch", "data-v1.2.4"),
        (["data-v1.2.3"], "minor", "data-v1.3.0"),
        (["data-v1.2.3", "data-v1.10.0"], "major", "data-v2.0.0"),
    ],
)
def test_next_version(tags: list[str], bump: str, expected: str) -> None:
    assert next_version(tags, "data-v", bump) == expected


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repository(workspace: Path) -> Path:
    """The workspace as a git repository with DVC set up and everything committed."""
    shutil.copytree(
        ROOT / ".dvc", workspace / ".dvc", ignore=shutil.ignore_patterns("cache", "tmp")
    )
    shutil.copy2(ROOT / "dvc.yaml", workspace / "dvc.yaml")
    _git("init", "--quiet")
    _git("config", "user.email", "test@example.com")
    _git("config", "user.name", "Test")
    _git("add", ".")
    _git("commit", "--quiet", "--message", "data")
    return workspace


def test_data_versions_are_tagged_and_readable(repository: Path, settings: Settings) -> None:
    source = Path(settings.data.source)
    original = read_raw(settings.data.source)
    assert main(["version-data"]) == 0
    pd.read_csv(source).head(50).to_csv(source, index=False)
    _git("commit", "--quiet", "--all", "--message", "fewer rows")
    assert main(["version-data", "--bump", "minor"]) == 0
    assert _git("tag", "--list").split() == ["data-v1.0.0", "data-v1.1.0"]
    old = read_raw(settings.data.source, "data-v1.0.0")
    pd.testing.assert_frame_equal(old, original)
    assert len(read_raw(settings.data.source, "data-v1.1.0")) == 50
    with pytest.raises(DataError, match=r"data-v9\.0\.0"):
        read_raw(settings.data.source, "data-v9.0.0")
    assert (repository / "data").is_dir()


def test_dvc_tracks_the_data_source_wherever_it_is(
    repository: Path, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "table.csv"
    shutil.copy2(settings.data.source, elsewhere)
    params = repository / "config" / "params.yaml"
    text = params.read_text(encoding="utf-8")
    assert f"  source: {settings.data.source}  #" in text
    params.write_text(text.replace(settings.data.source, str(elsewhere), 1), encoding="utf-8")
    status = subprocess.run(
        [sys.executable, "-m", "dvc", "status", "ingest", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    changed = json.loads(status.stdout)["ingest"]
    deps = {path for entry in changed for path in entry.get("changed deps", {})}
    assert str(elsewhere) in deps
    assert settings.data.source not in deps


def test_uncommitted_data_is_not_tagged(repository: Path, settings: Settings) -> None:
    (repository / settings.data.source).write_text("changed\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="uncommitted changes"):
        version_data(settings)
    assert _git("tag", "--list") == ""
