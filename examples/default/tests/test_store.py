"""The artefact store (store.py): two working folders that share no disk hand files over
through the store, as two pods do, by the command line a pod runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from house_price_model.cli import (
    STAGES,
    main,
)
from house_price_model.config import (
    ConfigError,
    load_settings,
)
from house_price_model.store import (
    working_paths,
)

from .conftest import make_workspace


def pod(folder: Path, monkeypatch: pytest.MonkeyPatch, store: Path) -> Path:
    """A fresh working folder with only the config and raw data, using ``store``."""
    make_workspace(folder)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("ARTIFACT_STORE", str(store))
    return folder


def test_a_second_folder_gets_what_the_first_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    first = pod(tmp_path / "first", monkeypatch, store)
    assert main(["ingest"]) == 0
    processed = load_settings().data.processed_dir
    files = sorted(path.name for path in (first / processed).iterdir())
    assert sorted(path.name for path in (store / processed).iterdir()) == files

    second = pod(tmp_path / "second", monkeypatch, store)
    assert not (second / processed).exists()
    assert main(["train"]) == 0
    assert sorted(path.name for path in (second / processed).iterdir()) == files
    model_dir = load_settings().training.model_dir
    written = json.loads((second / model_dir / "model.json").read_text())
    assert json.loads((store / model_dir / "model.json").read_text()) == written


def test_a_failed_command_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    first = pod(tmp_path / "first", monkeypatch, store)
    assert main(["ingest"]) == 0
    processed = load_settings().data.processed_dir
    kept = {path.name: path.read_bytes() for path in (store / processed).iterdir()}
    source = first / load_settings().data.source
    source.write_text("not,the\nexpected,table\n", encoding="utf-8")
    assert main(["ingest"]) == 1
    assert {path.name: path.read_bytes() for path in (store / processed).iterdir()} == kept


def test_the_store_drops_files_the_folder_no_longer_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    pod(tmp_path / "first", monkeypatch, store)
    processed = load_settings().data.processed_dir
    stale = store / processed / "stale.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("left over\n", encoding="utf-8")
    assert main(["ingest"]) == 0
    assert not stale.exists()
    assert (store / processed).is_dir()


def test_without_a_store_nothing_leaves_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = pod(tmp_path / "only", monkeypatch, tmp_path / "store")
    monkeypatch.setenv("ARTIFACT_STORE", "none")
    assert main(["ingest"]) == 0
    assert (folder / load_settings().data.processed_dir).is_dir()
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("url", ["gs://bucket/prefix", "s3://", "http://host/path"])
def test_an_unknown_store_is_a_config_error(
    settings: object, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    del settings
    monkeypatch.setenv("ARTIFACT_STORE", url)
    with pytest.raises(ConfigError, match=r"^store\.url: expected none, s3://"):
        load_settings()


def test_each_command_names_settings_that_are_paths(settings: object) -> None:
    """Every name a command reads or writes is a setting this project has, or one of a
    component it left out; none is outside the working folder."""
    for name, (_, command) in STAGES.items():
        paths = working_paths(settings, (*command.reads, *command.writes))
        assert all(not path.is_absolute() for path in paths), name


def test_a_path_outside_the_working_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = pod(tmp_path / "first", monkeypatch, tmp_path / "store")
    params = folder / "config" / "params.yaml"
    text = params.read_text(encoding="utf-8")
    outside = tmp_path / "elsewhere"
    old = load_settings().data.processed_dir.as_posix()
    params.write_text(text.replace(f"processed_dir: {old}", f"processed_dir: {outside}"))
    assert main(["ingest"]) == 1
    assert "is outside the working folder, so the store cannot hold it" in capsys.readouterr().err
    shutil.rmtree(outside, ignore_errors=True)
