"""Tests of the params file and the typed settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from house_price_model import schema
from house_price_model.config import (
    ENV_OVERRIDES,
    SECRETS_ENV,
    ConfigError,
    load_settings,
)

PARAMS = Path(__file__).resolve().parents[1] / "config" / "params.yaml"


def write_params(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_bundled_params_load() -> None:
    settings = load_settings(PARAMS, environ={})
    assert settings.data.target == schema.TARGET
    assert 0 < settings.data.test_size < 1
    assert settings.logging.level == "INFO"


def test_every_key_has_a_comment() -> None:
    lines = PARAMS.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.strip() and not line.lstrip().startswith("#"):
            previous = lines[number - 1].strip() if number else ""
            assert "#" in line or previous.startswith("#"), f"line {number + 1} has no comment"


def test_environment_overrides_deployment_keys() -> None:
    settings = load_settings(PARAMS, environ={"LOG_LEVEL": "DEBUG", "DATA_SOURCE": "other.csv"})
    assert settings.logging.level == "DEBUG"
    assert settings.data.source == "other.csv"


def test_overrides_come_from_files_in_the_secrets_folder(tmp_path: Path) -> None:
    # As Kubernetes mounts Secrets: a file per variable; the variable itself wins.
    (tmp_path / "DATA_SOURCE").write_text("mounted.csv\n", encoding="utf-8")
    (tmp_path / "LOG_LEVEL").write_text("ERROR", encoding="utf-8")
    environ = {SECRETS_ENV: str(tmp_path), "LOG_LEVEL": "DEBUG"}
    settings = load_settings(PARAMS, environ=environ)
    assert settings.data.source == "mounted.csv"
    assert settings.logging.level == "DEBUG"
    # An empty folder (every optional Secret absent) changes nothing.
    (tmp_path / "DATA_SOURCE").unlink()
    plain = load_settings(PARAMS, environ={"LOG_LEVEL": "DEBUG"})
    assert load_settings(PARAMS, environ=environ) == plain


def test_a_missing_secrets_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match=rf"^{SECRETS_ENV}: .*nowhere is not a folder"):
        load_settings(PARAMS, environ={SECRETS_ENV: str(missing)})


def test_every_override_names_an_existing_key() -> None:
    raw = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    for variable, (section, key) in ENV_OVERRIDES.items():
        assert key in raw[section], variable


def test_missing_key_is_named(tmp_path: Path) -> None:
    path = write_params(tmp_path, lambda raw: raw["data"].pop("target"))
    with pytest.raises(ConfigError, match=r"^data\.target: missing key"):
        load_settings(path, environ={})


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write_params(tmp_path, lambda raw: raw["data"].update(tagret=schema.TARGET))
    with pytest.raises(ConfigError, match=r"^data\.tagret: unknown key"):
        load_settings(path, environ={})


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = write_params(tmp_path, lambda raw: raw["data"].update(seed="forty-two"))
    with pytest.raises(ConfigError, match=r"^data\.seed: expected a number"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["evaluation"].update(primary_metric="speed"),
            r"^evaluation\.primary_metric: 'speed' is not one of ",
        ),
        (
            lambda raw: raw["evaluation"]["thresholds"].update(max_speed=1),
            r"^evaluation\.thresholds\.max_speed: unknown; use min_ or max_ and one of ",
        ),
        (
            lambda raw: raw["evaluation"]["thresholds"].update(
                {key: "high" for key in raw["evaluation"]["thresholds"]}
            ),
            r"^evaluation\.thresholds\.\w+: expected a number, got 'high'",
        ),
    ],
    ids=["primary-metric", "threshold-name", "threshold-value"],
)
def test_gate_settings_name_the_metric(tmp_path: Path, change, message: str) -> None:
    path = write_params(tmp_path, change)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_bad_environment_value_is_named() -> None:
    with pytest.raises(ConfigError, match=r"^logging\.json: expected true or false"):
        load_settings(PARAMS, environ={"LOG_JSON": "maybe"})


def test_unknown_log_level_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^logging\.level"):
        load_settings(PARAMS, environ={"LOG_LEVEL": "LOUD"})


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="params file not found"):
        load_settings(tmp_path / "absent.yaml", environ={})


def test_cluster_params_are_these_params() -> None:
    """The ConfigMap the cluster mounts is built from a copy of config/params.yaml."""
    cluster = PARAMS.parents[1] / "deploy" / "k8s" / "base" / "params.yaml"
    assert cluster.read_text(encoding="utf-8") == PARAMS.read_text(encoding="utf-8"), (
        f"copy {PARAMS.relative_to(PARAMS.parents[1])} to {cluster.relative_to(PARAMS.parents[1])}"
    )
