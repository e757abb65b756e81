"""Generated projects against real services, by configuration only: no file of theirs edited.

Each test starts, on loopback, and stops afterwards:
- PostgreSQL (``initdb``/``pg_ctl`` of Debian's package, which ``.ci/run`` installs when it
  is missing): the MLflow backend store and the service's request log;
- an S3 API (``moto`` in server mode, from the template's dev environment): MLflow's
  artefacts, the DVC remote and the artefact store (``store.url``);
- an MLflow tracking server (``mlflow server``, the project's locked MLflow version in an
  environment of its own, as a platform team would run it) on those two, serving the
  artefacts, so the project needs no bucket credentials to log models.

Then, in the project, with only the settings its docs give (environment variables and a
``dvc remote``): ``make pipeline``, a data version pushed to the bucket and pulled into a
fresh clone, the champion served from the registry (``models:/<name>@champion``, or, with
KServe, MLServer's MLflow runtime on the champion the registry stage fetched), requests
logged to Postgres, and ``monitor`` on those logged requests. The checks read the services
themselves: rows in Postgres, objects in the bucket.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from .conftest import bake_once
from .template import INSTANCES
from .test_generated_project import (
    UV,
    _environment,
    _free_port,
    _make_server,
    _model_server,
    _run,
    _wait_until_ready,
)

BIN = Path(sys.executable).parent
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "services-test",
    "AWS_SECRET_ACCESS_KEY": "services-test",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# The same, as boto3 takes them.
BOTO = {
    "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
    "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
}
BUCKETS = ("mlflow", "dvc", "artefacts")
GIT = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
}


def postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL programs (initdb, pg_ctl)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is not installed: .ci/run installs Debian's postgresql package"
    return Path(found[-1]).parent


@contextlib.contextmanager
def background(command: list[str], environ: dict[str, str], **kwargs) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        command,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **kwargs,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        process.wait(timeout=60)


def quietly(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command[-1]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL server of its own on a free port; yields its address (trust auth)."""
    programs = postgres_bin()
    # Outside pytest's folders, which only their owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="services-postgres-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    quietly([*as_user, str(programs / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    control = [*as_user, str(programs / "pg_ctl"), "-D", str(data), "-w"]
    quietly([*control, "-o", options, "-l", str(folder / "log"), "start"])
    try:
        yield f"postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*control, "-m", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def sql(address: str, database: str, query: str) -> list[str]:
    """The rows ``query`` returns, as psql prints them unaligned."""
    user, _, host_port = address.partition("@")
    host, _, port = host_port.partition(":")
    command = ["psql", "-h", host, "-p", port, "-U", user, "-d", database, "-At", "-c", query]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def logged_rows(address: str) -> int:
    """Rows of the service's request log in Postgres (0 before its table exists)."""
    try:
        return int(sql(address, "requests", "SELECT count(*) FROM prediction_logs")[0])
    except subprocess.CalledProcessError as error:
        if "does not exist" not in error.stderr:
            raise
        return 0


@dataclass
class Services:
    postgres: str  # user@host:port
    s3: str  # the S3 API's endpoint URL
    tracking: str  # the MLflow server's URL

    def objects(self, bucket: str) -> list[str]:
        client = boto3.client("s3", endpoint_url=self.s3, **BOTO)
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


@contextlib.contextmanager
def services(folder: Path, project: Path) -> Iterator[Services]:
    """PostgreSQL, the S3 API and an MLflow server on both, started for one test."""
    environ = {**_environment(), **CREDENTIALS}
    with contextlib.ExitStack() as stack:
        address = stack.enter_context(postgres())
        for database in ("mlflow", "requests"):
            sql(address, "postgres", f"CREATE DATABASE {database}")
        s3_port = _free_port()
        s3 = f"http://127.0.0.1:{s3_port}"
        moto = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)]
        _wait_until_ready(
            f"{s3}/", stack.enter_context(background(moto, environ)), "moto_server", 60
        )
        client = boto3.client("s3", endpoint_url=s3, **BOTO)
        for bucket in BUCKETS:
            client.create_bucket(Bucket=bucket)
        version = project_version(project, "mlflow")
        port = _free_port()
        server = [
            UV, "tool", "run", "--python", str(project / ".venv" / "bin" / "python"),
            "--from", f"mlflow=={version}", "--with", "boto3", "--with", "psycopg[binary]",
            "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--backend-store-uri", f"postgresql+psycopg://{address}/mlflow",
            "--artifacts-destination", "s3://mlflow/",
        ]  # fmt: skip
        mlflow_env = {**environ, "MLFLOW_S3_ENDPOINT_URL": s3}
        tracking = f"http://127.0.0.1:{port}"
        process = stack.enter_context(background(server, mlflow_env, cwd=folder))
        _wait_until_ready(f"{tracking}/health", process, "mlflow server", 300)
        yield Services(address, s3, tracking)


def project_version(project: Path, package: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    python = project / ".venv" / "bin" / "python"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def installed(cookies_session, tmp_path: Path, answers: dict[str, str]) -> Path:
    result = bake_once(cookies_session, answers)
    assert result.exit_code == 0, result.exception
    project = tmp_path / Path(result.project_path).name
    shutil.copytree(result.project_path, project)
    _run(["make", "install", f"UV={UV}"], project, _environment())
    return project


def package_of(project: Path) -> str:
    return next(path.name for path in (project / "src").iterdir())


def current_records(project: Path, rows: int) -> list[dict]:
    """Records of the project's current batch, features only (from its own schema)."""
    code = (
        "import json, sys, pandas as pd\n"
        f"from {package_of(project)} import schema\n"
        "frame = pd.read_csv('data/current/unshifted.csv')[list(schema.FEATURES)]\n"
        f"print(frame.head({rows}).to_json(orient='records'))\n"
    )
    python = str(project / ".venv" / "bin" / "python")
    output = subprocess.run(
        [python, "-c", code], cwd=project, capture_output=True, text=True, check=False
    )
    assert output.returncode == 0, output.stderr[-2000:]
    return json.loads(output.stdout)


def post(url: str, body: object) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def check_registry(running: Services, project: Path) -> None:
    """The run, the model version with its champion alias in Postgres; the model in the bucket."""
    name = project.name
    aliases = sql(running.postgres, "mlflow", "SELECT name, alias FROM registered_model_aliases")
    assert f"{name}|champion" in aliases, aliases
    assert sql(running.postgres, "mlflow", "SELECT count(*) FROM runs") != ["0"]
    models = [key for key in running.objects("mlflow") if key.endswith("/MLmodel")]
    assert models, running.objects("mlflow")


def serve_log_and_monitor(project: Path, environ: dict[str, str], running: Services) -> dict:
    """A batch through ``make serve``, logged to Postgres; then ``monitor`` on those rows,
    its reports logged to MLflow and so to the bucket. Returns the service's answer."""
    records = current_records(project, 60)
    with _make_server(project, "serve", environ, "/ready", "PORT") as base:
        answer = post(f"{base}/predict", records)
        assert len(answer["predictions"]) == len(records)
        deadline = time.monotonic() + 30  # rows are written by a background thread
        while logged_rows(running.postgres) < len(records):
            assert time.monotonic() < deadline, "the request log did not reach Postgres"
            time.sleep(0.5)
    monitor = subprocess.run(
        [str(project / ".venv" / "bin" / package_of(project)), "monitor"],
        cwd=project,
        env={**environ, "CURRENT_DATA": "requests"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert monitor.returncode in (0, 3), monitor.stderr[-3000:]  # 3: drift, still a report
    summary = json.loads((project / "reports" / "monitoring" / "drift.json").read_text())
    assert summary["current_rows"] == len(records), summary
    # The reports of the check, logged to MLflow, are in the bucket beside the models.
    reports = {key.rpartition("/artifacts/")[2] for key in running.objects("mlflow")}
    assert {"monitoring/drift.json", "monitoring/drift.html"} <= reports, sorted(reports)
    return answer


@pytest.mark.long
@pytest.mark.runs_against_services
def test_everything_on_against_postgres_an_s3_api_and_an_mlflow_server(
    cookies_session, tmp_path: Path
) -> None:
    project = installed(cookies_session, tmp_path, INSTANCES["everything-on"])
    with services(tmp_path, project) as running:
        environ = {
            **_environment(),
            **CREDENTIALS,
            **GIT,
            "MLFLOW_TRACKING_URI": running.tracking,
            "DATABASE_URL": f"postgresql+psycopg://{running.postgres}/requests",
            "DVC_REMOTE": "store",
        }
        dvc = str(project / ".venv" / "bin" / "dvc")
        # The DVC remote in the bucket, as docs/operations.md says: configuration only.
        _run([dvc, "remote", "add", "store", f"s3://dvc/{project.name}"], project, environ)
        _run([dvc, "remote", "modify", "store", "endpointurl", running.s3], project, environ)
        _run(["make", "pipeline", f"UV={UV}"], project, environ)
        check_registry(running, project)
        # A data version: pushed to the bucket, then pulled into a fresh clone.
        _run(["git", "add", "--all"], project, environ)
        _run(["git", "commit", "--quiet", "--no-verify", "-m", "pipeline run"], project, environ)
        _run(
            [str(project / ".venv" / "bin" / package_of(project)), "version-data"], project, environ
        )
        assert any(key.startswith(f"{project.name}/files/md5/") for key in running.objects("dvc"))
        clone = tmp_path / "clone"
        _run(["git", "clone", "--quiet", str(project), str(clone)], tmp_path, environ)
        _run([dvc, "pull", "--remote", "store"], clone, environ)
        for split in ("train", "val", "test"):
            pulled = clone / "data" / "processed" / f"{split}.csv"
            assert pulled.read_bytes() == (project / pulled.relative_to(clone)).read_bytes()
        # KServe's model server on the champion the registry stage fetched from MLflow.
        with _model_server(project, environ) as url:
            serve_log_and_monitor(project, {**environ, "INFERENCE_URL": url}, running)


@pytest.mark.long
@pytest.mark.runs_against_services
def test_the_service_loads_the_champion_from_the_mlflow_registry(
    cookies_session, tmp_path: Path
) -> None:
    project = installed(cookies_session, tmp_path, INSTANCES["default"])
    with services(tmp_path, project) as running:
        environ = {
            **_environment(),
            **CREDENTIALS,
            "MLFLOW_TRACKING_URI": running.tracking,
            "DATABASE_URL": f"postgresql+psycopg://{running.postgres}/requests",
            # The working files in the bucket (store.url), as in a cluster's pods.
            "ARTIFACT_STORE": f"s3://artefacts/{project.name}",
            "AWS_ENDPOINT_URL": running.s3,
        }
        _run(["make", "pipeline", f"UV={UV}"], project, environ)
        check_registry(running, project)
        stored = set(running.objects("artefacts"))
        for path in (
            "data/processed/train.csv",
            "models/champion/model.json",
            "reports/metrics.json",
        ):
            assert f"{project.name}/{path}" in stored, sorted(stored)
        # Nothing local to fall back on, as in a new pod: the service must fetch the model
        # from the server, and monitoring its reference data and champion from the bucket.
        for folder in ("models", "data/processed", "reports"):
            shutil.rmtree(project / folder)
        registry = {**environ, "MODEL_URI": f"models:/{project.name}@champion"}
        answer = serve_log_and_monitor(project, registry, running)
        assert f"{project.name}/reports/monitoring/drift.json" in running.objects("artefacts")
        assert answer["model_name"] == project.name, answer
        assert answer["model_version"].startswith("1+"), answer
