"""Typed settings loaded from ``config/params.yaml``, with environment overrides.

Every stage receives one :class:`Settings` object. A missing, unknown or badly typed
key stops the run with a :class:`ConfigError` that names the key.

An override (:data:`ENV_OVERRIDES`) comes from the environment variable, or else from a
file named after the variable in the folder ``SECRETS_DIR`` names: Kubernetes Secrets
mounted as files there (the manifests do this), so secret values never sit in the
environment. The variable wins over the file.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .metrics import threshold_metric
from .task import METRICS

DEFAULT_PARAMS = Path("config/params.yaml")
PARAMS_ENV = "PARAMS_FILE"
SECRETS_ENV = "SECRETS_DIR"


class ConfigError(ValueError):
    """The params file or an environment override is not usable."""


@dataclasses.dataclass(frozen=True)
class ProjectSettings:
    name: str


@dataclasses.dataclass(frozen=True)
class LoggingSettings:
    level: str
    json: bool


@dataclasses.dataclass(frozen=True)
class DataSettings:
    source: str
    processed_dir: Path
    target: str
    test_size: float
    val_size: float
    seed: int
{%- if cookiecutter.data_versioning == "dvc" %}


@dataclasses.dataclass(frozen=True)
class VersioningSettings:
    remote: str
    tag_prefix: str
    version: str
{%- endif %}
{%- if cookiecutter.data_validation == "pandera" %}


@dataclasses.dataclass(frozen=True)
class ValidationSettings:
    report: Path
{%- endif %}


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    model_dir: Path
    hyperparameters: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class EvaluationSettings:
    reports_dir: Path
    primary_metric: str
    thresholds: dict[str, float]

    def __post_init__(self) -> None:
        """Each threshold is ``min_`` or ``max_`` and one of the task's metrics, with a
        number; the primary metric is one of them."""
        names = ", ".join(METRICS)
        if self.primary_metric not in METRICS:
            raise ConfigError(
                f"evaluation.primary_metric: {self.primary_metric!r} is not one of {names}"
            )
        numbers = {}
        for key, value in self.thresholds.items():
            where = f"evaluation.thresholds.{key}"
            if threshold_metric(key, METRICS) is None:
                raise ConfigError(f"{where}: unknown; use min_ or max_ and one of {names}")
            numbers[key] = _to_number(float)(value, where)
        object.__setattr__(self, "thresholds", numbers)

    @property
    def report(self) -> Path:
        """The gate's decision with the test metrics, which the registry stage reads."""
        return self.reports_dir / "metrics.json"

    @property
    def plots(self) -> Path:
        """The task's plots of the test split."""
        return self.reports_dir / "plots"
{%- if cookiecutter.experiment_tracking == "mlflow" %}


@dataclasses.dataclass(frozen=True)
class TrackingSettings:
    uri: str
    experiment: str
    model_name: str

    def store_uri(self) -> str:
        """``uri`` with a relative SQLite path made absolute (MLflow caches stores by URI)."""
        prefix = "sqlite:///"
        if self.uri.startswith(prefix) and not self.uri.startswith(f"{prefix}/"):
            return f"{prefix}{Path(self.uri.removeprefix(prefix)).resolve()}"
        return self.uri
{%- endif %}


@dataclasses.dataclass(frozen=True)
class RegistrySettings:
    champion_alias: str
    champion_dir: Path


@dataclasses.dataclass(frozen=True)
class StoreSettings:
    url: str

    def __post_init__(self) -> None:
        """``none``, an S3 folder or a local folder: any other URL scheme is a typo."""
        scheme = self.url.partition("://")[0] if "://" in self.url else ""
        if scheme not in ("", "s3", "file") or self.url in ("s3://", "file://"):
            raise ConfigError(
                f"store.url: expected none, s3://bucket/prefix or a folder, got {self.url!r}"
            )


@dataclasses.dataclass(frozen=True)
class ScoringSettings:
    input: str
    output_dir: Path
    chunk_rows: int

    def __post_init__(self) -> None:
        if self.chunk_rows < 1:
            raise ConfigError(f"scoring.chunk_rows: expected at least 1, got {self.chunk_rows}")
{%- if cookiecutter.serving != "none" %}


@dataclasses.dataclass(frozen=True)
class ServingSettings:
    host: str
    port: int
    database_url: str
    max_body_bytes: int
    max_batch: int
    log_queue_rows: int
{%- if cookiecutter.serving == "kserve" %}
    inference_url: str
{%- else %}
    model_uri: str
{%- endif %}
{%- endif %}
{%- if cookiecutter.monitoring == "evidently" %}


@dataclasses.dataclass(frozen=True)
class MonitoringSettings:
    reference: Path
    current: str
    drift_share: float
    min_rows: int
    reports_dir: Path
{%- endif %}


@dataclasses.dataclass(frozen=True)
class Settings:
    project: ProjectSettings
    logging: LoggingSettings
    data: DataSettings
{%- if cookiecutter.data_versioning == "dvc" %}
    versioning: VersioningSettings
{%- endif %}
{%- if cookiecutter.data_validation == "pandera" %}
    validation: ValidationSettings
{%- endif %}
    training: TrainingSettings
    evaluation: EvaluationSettings
{%- if cookiecutter.experiment_tracking == "mlflow" %}
    tracking: TrackingSettings
{%- endif %}
    registry: RegistrySettings
    store: StoreSettings
    scoring: ScoringSettings
{%- if cookiecutter.serving != "none" %}
    serving: ServingSettings
{%- endif %}
{%- if cookiecutter.monitoring == "evidently" %}
    monitoring: MonitoringSettings
{%- endif %}


# Environment variable -> (section, key) it overrides.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "LOG_LEVEL": ("logging", "level"),
    "LOG_JSON": ("logging", "json"),
    "DATA_SOURCE": ("data", "source"),
{%- if cookiecutter.data_versioning == "dvc" %}
    "DVC_REMOTE": ("versioning", "remote"),
    "DATA_VERSION": ("versioning", "version"),
{%- endif %}
{%- if cookiecutter.experiment_tracking == "mlflow" %}
    "MLFLOW_TRACKING_URI": ("tracking", "uri"),
{%- endif %}
    "ARTIFACT_STORE": ("store", "url"),
    "SCORING_INPUT": ("scoring", "input"),
{%- if cookiecutter.serving != "none" %}
    "HOST": ("serving", "host"),
    "PORT": ("serving", "port"),
    "DATABASE_URL": ("serving", "database_url"),
    "MAX_BODY_BYTES": ("serving", "max_body_bytes"),
    "MAX_BATCH": ("serving", "max_batch"),
{%- if cookiecutter.serving == "kserve" %}
    "INFERENCE_URL": ("serving", "inference_url"),
{%- else %}
    "MODEL_URI": ("serving", "model_uri"),
{%- endif %}
{%- endif %}
{%- if cookiecutter.monitoring == "evidently" %}
    "CURRENT_DATA": ("monitoring", "current"),
{%- endif %}
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _to_mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {value!r}")
    return dict(value)


def _to_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def _to_number(kind: type[int | float]) -> Any:
    def convert(value: Any, where: str) -> int | float:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
        if kind is int and not number.is_integer():
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return kind(number)

    return convert


def _to_text(kind: type[str | Path]) -> Any:
    def convert(value: Any, where: str) -> str | Path:
        if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return kind(str(value))

    return convert


_CONVERTERS = {
    dict: _to_mapping,
    bool: _to_bool,
    int: _to_number(int),
    float: _to_number(float),
    str: _to_text(str),
    Path: _to_text(Path),
}


def _coerce(value: Any, kind: Any, where: str) -> Any:
    """Return ``value`` as ``kind`` or raise a ConfigError naming ``where``."""
    if dataclasses.is_dataclass(kind):
        return _build(kind, value, where)
    return _CONVERTERS[typing.get_origin(kind) or kind](value, where)


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where or 'params'}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = [field.name for field in dataclasses.fields(cls)]
    prefix = f"{where}." if where else ""
    missing = [name for name in names if name not in raw]
    if missing:
        raise ConfigError(f"{prefix}{missing[0]}: missing key")
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown key")
    values = {name: _coerce(raw[name], hints[name], f"{prefix}{name}") for name in names}
    return cls(**values)


def overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """The override variables set: from ``environ``, else from files in ``SECRETS_DIR``."""
    found = {}
    if folder := environ.get(SECRETS_ENV):
        secrets = Path(folder)
        if not secrets.is_dir():
            raise ConfigError(f"{SECRETS_ENV}: {folder} is not a folder")
        for variable in ENV_OVERRIDES:
            if (secrets / variable).is_file():
                found[variable] = (secrets / variable).read_text(encoding="utf-8").strip()
    found.update({name: environ[name] for name in ENV_OVERRIDES if name in environ})
    return found


def _apply_env(raw: dict[str, Any], environ: Mapping[str, str]) -> None:
    for variable, value in overrides(environ).items():
        section, key = ENV_OVERRIDES[variable]
        if isinstance(raw.get(section), dict):
            raw[section][key] = value


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the params file (``PARAMS_FILE`` or ``config/params.yaml``) into Settings."""
    environ = os.environ if environ is None else environ
    params = Path(path or environ.get(PARAMS_ENV) or DEFAULT_PARAMS)
    try:
        raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{params}: params file not found") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{params}: not valid YAML ({error})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{params}: expected a mapping of sections")
    _apply_env(raw, environ)
    settings = _build(Settings, raw, "")
    if settings.logging.level.upper() not in LOG_LEVELS:
        raise ConfigError(
            f"logging.level: expected one of {', '.join(LOG_LEVELS)}, "
            f"got {settings.logging.level!r}"
        )
    return settings


__all__ = ["ConfigError", "Settings", "load_settings"]
