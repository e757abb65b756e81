"""The prediction service as users meet it: a real process, raw HTTP bytes on loopback.

Every malformed request gets a 4xx with a short reason and the connection stays usable;
a broken champion leaves the service up and ``/ready`` saying why; the request log
survives a missing folder, an outage and SIGTERM; schemathesis checks the service
against its own OpenAPI document. Fields come from ``schema.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from house_price_model import schema
from house_price_model.config import load_settings

from ..cases import CATEGORY, NUMBER, WHOLE
from .server import LISTENING, Service

pytestmark = pytest.mark.xdist_group("http")
JSON_TYPE = {"content-type": "application/json"}
PLACEHOLDER = '"<raw>"'


def record_with(field: str | None, raw: str) -> bytes | None:
    """The example record with ``field`` set to the raw JSON text ``raw`` (None when the
    schema has no field of the kind the case needs)."""
    if field is None:
        return None
    text = json.dumps({**schema.EXAMPLE, field: "<raw>"})
    return text.replace(PLACEHOLDER, raw).encode()


UNKNOWN = "not_a_field_of_the_schema"
DEEP = "[" * 1000 + "]" * 1000
EXTRA = {f"extra_{i}": i for i in range(40_000)}
MANY_UNKNOWN = json.dumps({**schema.EXAMPLE, **EXTRA})
# name -> (body, headers, status)
HOSTILE: dict[str, tuple[bytes | None, dict[str, str], int]] = {
    "nan": (record_with(NUMBER, "NaN"), JSON_TYPE, 400),
    "infinity": (record_with(NUMBER, "Infinity"), JSON_TYPE, 400),
    "minus-infinity": (record_with(NUMBER, "-Infinity"), JSON_TYPE, 400),
    "overflowing-number": (record_with(NUMBER, "1e400"), JSON_TYPE, 422),
    "nan-in-an-unknown-field": (record_with(UNKNOWN, "NaN"), JSON_TYPE, 400),
    "overflow-in-an-unknown-field": (record_with(UNKNOWN, "1e400"), JSON_TYPE, 422),
    "lone-surrogate": (record_with(CATEGORY, '"\\ud800"'), JSON_TYPE, 400),
    "lone-surrogate-in-an-unknown-field": (record_with(UNKNOWN, '"\\udfff"'), JSON_TYPE, 400),
    "nested-a-thousand-deep": (record_with(UNKNOWN, DEEP), JSON_TYPE, 400),
    "number-as-text": (record_with(NUMBER, '"5000"'), JSON_TYPE, 422),
    "boolean-as-number": (record_with(NUMBER, "true"), JSON_TYPE, 422),
    "fraction-for-a-whole-number": (record_with(WHOLE, "2.5"), JSON_TYPE, 422),
    "not-json": (b"{oops", JSON_TYPE, 400),
    "not-utf-8": (b'{"\xff": 1}', JSON_TYPE, 400),
    "empty-body": (b"", JSON_TYPE, 400),
    "json-as-text-plain": (
        json.dumps(schema.EXAMPLE).encode(),
        {"content-type": "text/plain"},
        415,
    ),
    "form": (b"a=1&b=2", {"content-type": "application/x-www-form-urlencoded"}, 415),
    "no-content-type": (json.dumps(schema.EXAMPLE).encode(), {}, 415),
    "thousands-of-unknown-fields": (MANY_UNKNOWN.encode(), JSON_TYPE, 422),
}
MAX_ANSWER = 4096  # bytes: an answer never grows with the request
# Exit statuses of a service stopped by SIGTERM after its graceful shutdown (uvicorn
# re-raises the signal once it has shut down).
STOPPED = {0, -signal.SIGTERM}


@pytest.fixture(scope="module")
def served(pipeline_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("http") / "project"
    shutil.copytree(pipeline_run, folder)
    return folder


@pytest.fixture(scope="module")
def service(served: Path) -> Iterator[Service]:
    with Service(served) as running:
        running.wait_ready()
        yield running
        assert running.stop() in STOPPED


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.skip(reason="schema.py has no field of this kind"))
        if body is None
        else name
        for name, (body, _, _) in HOSTILE.items()
    ],
)
def test_malformed_request_is_4xx_with_a_short_reason(service: Service, name: str) -> None:
    body, headers, expected = HOSTILE[name]
    assert body is not None
    connection = service.connection()
    status, answer, answer_headers = service.request("POST", "/predict", body, headers, connection)
    assert status == expected, answer[:500]
    assert answer_headers["content-type"] == "application/json"
    assert json.loads(answer)["detail"]
    assert len(answer) <= MAX_ANSWER
    # the connection is still open and answers
    assert service.request("GET", "/health", connection=connection)[0] == 200
    connection.close()


def test_body_over_the_limit_is_413_without_reading_it(service: Service, served: Path) -> None:
    limit = load_settings(served / "config" / "params.yaml", environ={}).serving.max_body_bytes
    status, answer, _ = service.request("POST", "/predict", b" " * (10 * limit), JSON_TYPE)
    assert status == 413
    assert len(answer) <= MAX_ANSWER


def test_batch_over_the_limit_is_422(service: Service, served: Path) -> None:
    batch = load_settings(served / "config" / "params.yaml", environ={}).serving.max_batch
    body = json.dumps([schema.EXAMPLE] * (batch + 1)).encode()
    status, answer, _ = service.request("POST", "/predict", body, JSON_TYPE)
    assert status == 422
    assert b"at most" in answer


def test_good_request_after_the_hostile_ones(service: Service) -> None:
    status, answer, _ = service.request(
        "POST", "/predict", json.dumps([schema.EXAMPLE] * 3).encode(), JSON_TYPE
    )
    assert status == 200
    body = json.loads(answer)
    assert len(body["predictions"]) == 3
    assert re.fullmatch(r"1\+[0-9a-f]{12}", body["model_version"])


def test_metrics_count_every_status_and_no_server_error(service: Service) -> None:
    for body, headers, _ in HOSTILE.values():
        if body is not None:
            service.request("POST", "/predict", body, headers)
    status, text, headers = service.request("GET", "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    counts = dict(re.findall(r'prediction_requests_total\{status="(\d+)"\} (\S+)', text.decode()))
    assert {"400", "415", "422"} <= set(counts)
    assert not [code for code in counts if code.startswith("5")]
    for name in ("rows", "dropped", "errors"):
        assert f"prediction_log_{name}_total" in text.decode()
    assert "prediction_log_queue_depth" in text.decode()


def test_service_conforms_to_its_openapi(service: Service, tmp_path: Path) -> None:
    """schemathesis, as its command line runs: every check, on every operation."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"http://127.0.0.1:{service.port}/openapi.json",
        "--checks=all",
        "--max-examples=50",
        "--seed=1",  # the same cases on every run; change it to explore others
        "--no-color",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout


def broken_champion(served: Path, kind: str) -> Path:
    """A copy of the champion damaged in one way; the compiled file removed or broken too."""
    folder = served / "models" / f"broken-{kind}"
    shutil.copytree(served / "models" / "champion", folder)
    skops_file, fast_file = folder / "model.skops", folder / "fast.npz"
    fast_file.unlink(missing_ok=True)  # a model the compiler does not cover has none
    data = skops_file.read_bytes()
    if kind == "truncated":
        skops_file.write_bytes(data[: len(data) // 2])
    elif kind == "damaged":
        skops_file.write_bytes(data[:100] + bytes(b ^ 0xFF for b in data[100:4000]) + data[4000:])
    elif kind == "untrusted":
        import operator

        import skops.io
        from sklearn.preprocessing import FunctionTransformer

        skops.io.dump(FunctionTransformer(operator.attrgetter("real")), skops_file)
    elif kind == "metadata":
        (folder / "model.json").write_text("{not json", encoding="utf-8")
    return folder


@pytest.mark.parametrize("kind", ["truncated", "damaged", "untrusted", "metadata"])
def test_a_broken_champion_keeps_the_service_up_and_says_why(served: Path, kind: str) -> None:
    folder = broken_champion(served, kind)
    with Service(served, MODEL_URI=str(folder)) as running:
        running.wait_for("no model loaded")  # the load can fail before the socket listens
        running.wait_for(LISTENING)
        assert running.request("GET", "/health")[0] == 200
        status, answer, _ = running.request("GET", "/ready")
        assert status == 503
        assert (
            str(folder / ("model.json" if kind == "metadata" else "model.skops")) in answer.decode()
        )
        status, _, _ = running.request(
            "POST", "/predict", json.dumps(schema.EXAMPLE).encode(), JSON_TYPE
        )
        assert status == 503
        assert running.stop() in STOPPED
    assert "Traceback" not in running.log


def test_a_broken_compiled_model_falls_back_to_the_skops_file(served: Path) -> None:
    folder = served / "models" / "broken-fast"
    shutil.copytree(served / "models" / "champion", folder)
    (folder / "fast.npz").write_bytes(b"not a numpy file")
    with Service(served, MODEL_URI=str(folder)) as running:
        running.wait_ready()
        status, _, _ = running.request(
            "POST", "/predict", json.dumps(schema.EXAMPLE).encode(), JSON_TYPE
        )
        assert status == 200
        assert running.stop() in STOPPED
    assert "loading the skops model instead" in running.log


def logged_rows(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM prediction_logs").fetchone()[0]


def test_request_log_in_a_missing_folder_is_created_and_flushed_on_sigterm(
    served: Path, tmp_path: Path
) -> None:
    database = tmp_path / "not" / "yet" / "there" / "logs.db"
    body = json.dumps([schema.EXAMPLE] * 3).encode()
    with Service(served, DATABASE_URL=f"sqlite:///{database}") as running:
        running.wait_ready()
        connection = running.connection()
        for _ in range(50):
            assert running.request("POST", "/predict", body, JSON_TYPE, connection)[0] == 200
        connection.close()
        assert running.stop() in STOPPED  # SIGTERM
    assert logged_rows(database) == 150
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert "Traceback" not in running.log


def metric(running: Service, name: str) -> float:
    text = running.request("GET", "/metrics")[1].decode()
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, name
    return float(found.group(1))


def wait_metric(running: Service, name: str, value: float, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while metric(running, name) < value:
        assert time.monotonic() < deadline, f"{name} never reached {value}:\n{running.log}"
        time.sleep(0.05)


def test_request_log_outage_is_counted_said_once_and_recovers(served: Path, tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    database = folder / "logs.db"
    body = json.dumps(schema.EXAMPLE).encode()
    with Service(served, DATABASE_URL=f"sqlite:///{database}") as running:
        running.wait_ready()
        assert running.request("POST", "/predict", body, JSON_TYPE)[0] == 200
        wait_metric(running, "prediction_log_rows_total", 1)
        shutil.rmtree(folder)  # the folder is deleted: it is made again
        assert running.request("POST", "/predict", body, JSON_TYPE)[0] == 200
        wait_metric(running, "prediction_log_rows_total", 2)
        assert logged_rows(database) == 1
        database.unlink()
        database.mkdir()  # now the database cannot be opened at all
        for _ in range(3):
            assert running.request("POST", "/predict", body, JSON_TYPE)[0] == 200
            wait_metric(running, "prediction_log_errors_total", 1)
        wait_metric(running, "prediction_log_dropped_total", 1)
        database.rmdir()  # the database is back
        assert running.request("POST", "/predict", body, JSON_TYPE)[0] == 200
        wait_metric(running, "prediction_log_rows_total", 3)
        assert running.stop() in STOPPED
    assert sum("is not writable" in line for line in running.lines) == 1
    assert sum("writable again" in line for line in running.lines) == 1
    assert "Traceback" not in running.log
