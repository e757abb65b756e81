"""Serving benchmark: the generated FastAPI service against ``mlflow models serve``.

Method. Three servers run one after the other, on a free local port of this machine; the
first two serve the same champion model of one generated project:

* the generated service: ``.venv/bin/<package> serve`` (``POST /predict``), which loads
  the local copy of the champion (``models/champion``, its compiled ``fast.npz``);
* MLflow's scoring server: ``mlflow models serve -m models:/<name>@champion --env-manager
  local`` (``POST /invocations``), which loads the same version from the project's
  registry. It runs with its defaults (one uvicorn worker, in a child process);
* the floor: a bare ASGI app on uvicorn in the project's environment that parses the same
  JSON and answers a constant (one 0.0 per record), the least any Python HTTP service
  here can take.

For each server the benchmark measures

* cold start: from just before the process is started to the first successful
  one-record prediction (the predict endpoint is polled every 50 ms, for at most 180 s).
  Each server is started and stopped once before, so that the measured start finds the
  bytecode cache written and the files in the OS cache, as a restarted or deployed
  service would (``PYTHONDONTWRITEBYTECODE`` is removed from the servers' environment);
  that first start is reported too;
* latency and throughput, after 50 warm-up requests: for payloads of 1 and 100 records
  and each concurrency level, C threads share ``--requests`` requests (a fifth of them
  for 100 records), each thread on its own keep-alive ``http.client`` connection. A
  request's latency runs from sending it to reading the whole response; p50 and p99 are
  nearest-rank percentiles, and requests/s is the request count over the wall time;
* for the generated service, ``/health`` polled every 10 ms on its own connection while
  another sends 20 bodies of about 0.8 MB (a record with 40,000 unknown fields, each
  refused with 422): p50 and maximum latency.

The records are the first 100 of the project's bundled batch of requests
(``data/current/unshifted.csv``); the single record is the first of them.
Every response must be 200 with one prediction per record, and the two model servers must give
the same predictions for the same 100 records (relative difference below 1e-6). The
client runs on the same machine, so it competes with the server for CPU: compare the
two servers with each other, not with figures from another machine.

Without ``--project``, the default project is baked into a temporary folder and set up
with ``make install pipeline`` (uv comes from ``$UV`` or the PATH). Run with::

    UV=/path/to/uv .venv/bin/python benchmarks/serving.py [--project PATH] [--requests N]
        [--concurrency C ...] [--output JSON]

It prints a table, ``/health`` latencies of the generated service while it refuses large
bodies, and the ratios against their targets, and writes every figure to
``benchmarks/results/serving.json`` (or ``--output``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import http.client
import itertools
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "serving.json"
HOST = "127.0.0.1"
ALIAS = "champion"
BATCH_RECORDS = 100
WARMUP_REQUESTS = 50
POLL_SECONDS = 0.05
COLD_START_TIMEOUT = 180.0
STOP_TIMEOUT = 10.0
MAX_RELATIVE_DIFFERENCE = 1e-6
# Targets: generated / mlflow for the p50 latencies and the cold start; generated / floor
# for the 1-record p50 at concurrency 1 (the floor is the least any Python HTTP service
# here can take). At higher concurrency the floor ratio is reported: with two cores shared
# with the load generator it measures CPU per request rather than latency.
TARGETS = {"p50_ratio": 0.1, "p50_batch_ratio": 0.2, "cold_start_ratio": 0.25, "floor_ratio": 3.0}
# /health while large requests are in flight: the bodies, their count, the polling period,
# and the slowest answer allowed (the probes in deploy/k8s time out after 1 s).
HEALTH_MAX_MS = 100.0
LARGE_BODY_KEYS = 40_000
LARGE_REQUESTS = 20
HEALTH_POLL_SECONDS = 0.01
# The floor: a bare ASGI app on uvicorn that parses the same JSON and answers a constant
# (one 0.0 per record, so the same checks apply to its answers).
FLOOR_APP = """
import json


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    data = json.loads(body)
    count = len(data) if isinstance(data, list) else 1
    answer = json.dumps({"predictions": [0.0] * count}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})
"""
REQUESTS_CSV = Path("data/current/unshifted.csv")  # the bundled batch of requests

Records = list[dict[str, Any]]


class BenchmarkError(Exception):
    """The benchmark cannot go on; the message says why."""


@dataclass(frozen=True)
class Server:
    """How to start one server and ask it for predictions."""

    key: str
    label: str
    argv: list[str]
    env: dict[str, str]
    port: int
    path: str
    body: Callable[[Records], Any]


def base_env() -> dict[str, str]:
    """This process's environment, with uv forbidden to download Python."""
    return {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}


def server_env() -> dict[str, str]:
    """The environment of a server: Python may cache bytecode, as in a normal install."""
    env = base_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_logged(argv: list[str], cwd: Path, log_path: Path) -> None:
    """Run a set-up command with its output in ``log_path``; fail with the log's tail."""
    print(f"$ {' '.join(argv)}  (log: {log_path})", file=sys.stderr)
    with log_path.open("wb") as log:
        status = subprocess.run(
            argv, cwd=cwd, env=base_env(), stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode
    if status:
        raise BenchmarkError(f"{argv[0]} exited with {status}:\n{tail(log_path)}")


def tail(log_path: Path, lines: int = 30) -> str:
    """The last lines of a log file."""
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def bake_project(work: Path) -> Path:
    """Bake the default project into ``work`` and run ``make install pipeline`` in it."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        raise BenchmarkError("uv not found: set UV=/path/to/uv or put uv on the PATH")
    out = work / "baked"
    command = [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), str(ROOT)]
    run_logged(command, work, work / "bake.log")
    (project,) = out.iterdir()
    run_logged(["make", "install", "pipeline", f"UV={uv}"], project, work / "setup.log")
    return project


def project_facts(project: Path) -> tuple[str, str]:
    """The project's command-line script and registered model name; fail if not set up."""
    needed = ["models/champion/model.json", "mlflow.db", "pyproject.toml", ".venv/bin/mlflow"]
    needed.append(str(REQUESTS_CSV))
    missing = [name for name in needed if not (project / name).exists()]
    if missing:
        raise BenchmarkError(
            f"{project} is not an installed project with a champion model "
            f"(missing: {', '.join(missing)}); run `make install pipeline` in it first"
        )
    scripts = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    scripts = scripts.get("project", {}).get("scripts", {})
    script = next((name for name, target in scripts.items() if target.endswith(".cli:main")), None)
    if script is None or not (project / ".venv" / "bin" / script).exists():
        raise BenchmarkError(f"{project}: no installed command-line script in .venv/bin")
    metadata = json.loads((project / "models/champion/model.json").read_text(encoding="utf-8"))
    return script, metadata["name"]


def free_port() -> int:
    """A TCP port that is free on this machine right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def generated_server(project: Path, script: str, work: Path) -> Server:
    """The project's own prediction service, with a fresh prediction log."""
    port = free_port()
    env = {
        **server_env(),
        "HOST": HOST,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{work / 'prediction_logs.db'}",
    }
    argv = [str(project / ".venv" / "bin" / script), "serve"]
    return Server("generated", "generated service", argv, env, port, "/predict", single_or_list)


def mlflow_server(project: Path, model_name: str) -> Server:
    """MLflow's scoring server for the champion alias in the project's registry."""
    port = free_port()
    venv_bin = project / ".venv" / "bin"
    env = {
        **server_env(),
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}",
    }
    argv = [
        str(venv_bin / "mlflow"),
        *("models", "serve", "-m", f"models:/{model_name}@{ALIAS}"),
        *("--env-manager", "local", "-h", HOST, "-p", str(port)),
    ]
    return Server("mlflow", "mlflow models serve", argv, env, port, "/invocations", dataframe)


def floor_server(project: Path, work: Path) -> Server:
    """The floor: a bare ASGI app on uvicorn, in the project's environment."""
    port = free_port()
    (work / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
    argv = [
        str(project / ".venv" / "bin" / "python"),
        *("-m", "uvicorn", "floor_app:app", "--app-dir", str(work)),
        *("--host", HOST, "--port", str(port), "--no-access-log"),
    ]
    return Server("floor", "bare ASGI floor", argv, server_env(), port, "/", single_or_list)


def single_or_list(records: Records) -> Any:
    """Body of ``POST /predict``: the record itself, or the list of records."""
    return records[0] if len(records) == 1 else records


def dataframe(records: Records) -> Any:
    """Body of ``POST /invocations``."""
    return {"dataframe_records": records}


def request_records(project: Path, count: int) -> Records:
    """The first ``count`` records of the project's bundled batch of requests."""
    with (project / REQUESTS_CSV).open(newline="", encoding="utf-8") as handle:
        rows = list(itertools.islice(csv.DictReader(handle), count))
    if len(rows) < count:
        raise BenchmarkError(f"{project / REQUESTS_CSV}: fewer than {count} records")
    return [
        {name: int(value) if value.lstrip("-").isdigit() else value for name, value in row.items()}
        for row in rows
    ]


def predictions(status: int, data: bytes, expected: int) -> list[float]:
    """The predictions of one response; fail unless it is a 200 with ``expected`` of them."""
    if status != 200:
        raise BenchmarkError(f"HTTP {status}: {data[:300].decode(errors='replace')}")
    values = json.loads(data)["predictions"]
    if len(values) != expected:
        raise BenchmarkError(f"{len(values)} predictions for {expected} records")
    return [float(value) for value in values]


def post(connection: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    """Send one prediction request on a keep-alive connection; the status and body."""
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


@contextlib.contextmanager
def started(server: Server, cwd: Path, log_path: Path) -> Iterator[tuple[subprocess.Popen, float]]:
    """Start ``server`` in its own process group; yield it and its start time; stop it."""
    print(f"starting {server.label} on port {server.port} (log: {log_path})", file=sys.stderr)
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(
            server.argv,
            cwd=cwd,
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, start
    finally:
        stop(process)


def signal_group(group: int, number: int) -> bool:
    """Send a signal to a process group; False if the group is gone."""
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen) -> None:
    """Terminate the process group; kill what is left of it after 10 s.

    The whole group, because ``mlflow models serve`` runs uvicorn in a child process.
    """
    deadline = time.monotonic() + STOP_TIMEOUT
    signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)
    while signal_group(process.pid, 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    signal_group(process.pid, signal.SIGKILL)
    process.wait()


def cold_start(
    server: Server, process: subprocess.Popen, start: float, log_path: Path, record: dict
) -> float:
    """Seconds from ``start`` to the first successful prediction of ``record``."""
    body = json.dumps(server.body([record])).encode()
    while (elapsed := time.perf_counter() - start) < COLD_START_TIMEOUT:
        if process.poll() is not None:
            raise BenchmarkError(
                f"{server.label} exited with {process.returncode}:\n{tail(log_path)}"
            )
        connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
        try:
            status, data = post(connection, server.path, body)
        except OSError:
            status, data = 0, b""
        finally:
            connection.close()
        if status == 200:
            predictions(status, data, 1)
            return time.perf_counter() - start
        time.sleep(POLL_SECONDS)
    raise BenchmarkError(f"{server.label} did not answer within {elapsed:.0f} s:\n{tail(log_path)}")


def load(server: Server, records: Records, requests: int, concurrency: int) -> dict[str, Any]:
    """Send ``requests`` requests of ``records`` from ``concurrency`` threads; the figures."""
    body = json.dumps(server.body(records)).encode()
    latencies: list[float] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(concurrency + 1)

    def worker(count: int) -> None:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
        try:
            connection.connect()
            barrier.wait()
            answers = []
            for _ in range(count):
                sent = time.perf_counter()
                answers.append(post(connection, server.path, body))
                latencies.append(time.perf_counter() - sent)
            for status, data in answers:
                predictions(status, data, len(records))
        except Exception as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise BenchmarkError(f"{server.label}: request failed: {errors[0]!r}")
    return {
        "payload_records": len(records),
        "concurrency": concurrency,
        "requests": requests,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "requests_per_s": requests / wall,
    }


def health_under_load(server: Server, record: dict) -> dict[str, Any]:
    """``/health`` latencies while another connection sends large (refused) bodies."""
    extra = {f"extra_{i}": i for i in range(LARGE_BODY_KEYS)}
    body = json.dumps(server.body([{**record, **extra}])).encode()
    statuses: list[int] = []
    done = threading.Event()

    def sender() -> None:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
        try:
            for _ in range(LARGE_REQUESTS):
                statuses.append(post(connection, server.path, body)[0])
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=sender)
    latencies: list[float] = []
    connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
    thread.start()
    try:
        while not done.is_set():
            sent = time.perf_counter()
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - sent)
            if response.status != 200:
                raise BenchmarkError(f"/health answered {response.status} under load")
            time.sleep(HEALTH_POLL_SECONDS)
    finally:
        connection.close()
        thread.join()
    if len(statuses) != LARGE_REQUESTS or set(statuses) != {422}:
        raise BenchmarkError(f"large bodies were answered {sorted(set(statuses))}, not 422")
    return {
        "large_body_bytes": len(body),
        "large_requests": LARGE_REQUESTS,
        "health_requests": len(latencies),
        "health_p50_ms": percentile(latencies, 50) * 1e3,
        "health_max_ms": max(latencies) * 1e3,
        "target_max_ms": HEALTH_MAX_MS,
        "met": max(latencies) * 1e3 < HEALTH_MAX_MS,
    }


def batch_requests(args: argparse.Namespace) -> int:
    """Requests of 100 records: a fifth of those of 1 record."""
    return max(1, args.requests // 5)


def percentile(values: list[float], rank: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def first_start(server: Server, project: Path, work: Path, record: dict) -> float:
    """Start and stop the server once, so that its bytecode and file caches are written."""
    log_path = work / f"{server.key}-first.log"
    with started(server, project, log_path) as (process, start):
        seconds = cold_start(server, process, start, log_path, record)
    print(f"{server.label}: first start {seconds:.2f} s (not the measured one)", file=sys.stderr)
    return seconds


def benchmark(
    new_server: Callable[[], Server], project: Path, work: Path, args: argparse.Namespace
) -> dict:
    """Cold start, then every payload and concurrency, of one server; its figures.

    ``new_server`` gives the server on a new free port, so that the measured start cannot
    be answered by what is left of the first one.
    """
    batch = request_records(project, BATCH_RECORDS)
    first = first_start(new_server(), project, work, batch[0])
    server = new_server()
    log_path = work / f"{server.key}.log"
    with started(server, project, log_path) as (process, start):
        seconds = cold_start(server, process, start, log_path, batch[0])
        print(f"{server.label}: cold start {seconds:.2f} s", file=sys.stderr)
        load(server, batch[:1], WARMUP_REQUESTS, 1)
        connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
        try:
            answer = predictions(
                *post(connection, server.path, json.dumps(server.body(batch)).encode()), len(batch)
            )
        finally:
            connection.close()
        results = []
        for records, requests in ((batch[:1], args.requests), (batch, batch_requests(args))):
            for concurrency in args.concurrency:
                row = load(server, records, max(requests, concurrency), concurrency)
                print(
                    f"{server.label}: {payload_label(len(records))}, concurrency {concurrency}: "
                    f"p50 {row['p50_ms']:.2f} ms, {row['requests_per_s']:.1f} req/s",
                    file=sys.stderr,
                )
                results.append(row)
        health = health_under_load(server, batch[0]) if server.key == "generated" else None
    return {
        "label": server.label,
        "command": server.argv,
        "first_start_s": first,
        "cold_start_s": seconds,
        "results": results,
        "batch_predictions": answer,
        "health_under_load": health,
    }


def agreement(servers: dict[str, dict]) -> dict[str, Any]:
    """Largest relative difference between the two servers' predictions of the batch."""
    ours, theirs = (servers[key]["batch_predictions"] for key in ("generated", "mlflow"))
    worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(ours, theirs, strict=True))
    return {
        "records": len(ours),
        "max_relative_difference": worst,
        "limit": MAX_RELATIVE_DIFFERENCE,
        "agree": worst < MAX_RELATIVE_DIFFERENCE,
    }


def p50(server: dict, records: int, concurrency: int) -> float:
    """The p50 latency of one server for one payload size and concurrency."""
    return next(
        row["p50_ms"]
        for row in server["results"]
        if row["payload_records"] == records and row["concurrency"] == concurrency
    )


def ratios(servers: dict[str, dict], concurrency: list[int]) -> list[dict[str, Any]]:
    """Generated / mlflow ratios of the p50 latencies and the cold starts; generated / floor."""
    ours, theirs, floor = servers["generated"], servers["mlflow"], servers["floor"]
    rows = [
        {
            "name": f"generated / mlflow, p50 {payload_label(records)}, concurrency {level}",
            "ratio": p50(ours, records, level) / p50(theirs, records, level),
            "target": TARGETS["p50_ratio" if records == 1 else "p50_batch_ratio"],
        }
        for records in (1, BATCH_RECORDS)
        for level in concurrency
    ]
    rows.append(
        {
            "name": "generated / mlflow, cold start",
            "ratio": ours["cold_start_s"] / theirs["cold_start_s"],
            "target": TARGETS["cold_start_ratio"],
        }
    )
    rows += [
        {
            "name": f"generated / floor, p50 1 record, concurrency {level}",
            "ratio": p50(ours, 1, level) / p50(floor, 1, level),
            "target": TARGETS["floor_ratio"] if level == 1 else None,
        }
        for level in concurrency
    ]
    for row in rows:
        row["met"] = None if row["target"] is None else row["ratio"] <= row["target"]
    return rows


def payload_label(records: int) -> str:
    """``1 record`` or ``100 records``."""
    return f"{records} record" + ("s" if records > 1 else "")


def print_report(report: dict[str, Any]) -> None:
    """The figures as aligned plain-text tables."""
    header = ("server", "payload", "concurrency", "p50 ms", "p99 ms", "req/s")
    lines = [
        (
            server["label"],
            payload_label(row["payload_records"]),
            str(row["concurrency"]),
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            f"{row['requests_per_s']:.1f}",
        )
        for server in report["servers"].values()
        for row in server["results"]
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, *lines]:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
    print()
    for server in report["servers"].values():
        print(
            f"cold start, {server['label']}: {server['cold_start_s']:.2f} s "
            f"(first start, writing the bytecode cache: {server['first_start_s']:.2f} s)"
        )
    health = report["servers"]["generated"]["health_under_load"]
    print(
        f"/health of the generated service while {health['large_requests']} bodies of "
        f"{health['large_body_bytes'] / 1e6:.1f} MB were refused: p50 "
        f"{health['health_p50_ms']:.1f} ms, max {health['health_max_ms']:.1f} ms "
        f"({health['health_requests']} requests)  (target max < {HEALTH_MAX_MS:.0f} ms)  "
        f"{'PASS' if health['met'] else 'MISS'}"
    )
    check = report["agreement"]
    print(
        f"predictions agree on {check['records']} records: "
        f"max relative difference {check['max_relative_difference']:.2e} "
        f"(limit {check['limit']:.0e}): {'PASS' if check['agree'] else 'FAIL'}"
    )
    print()
    width = max(len(row["name"]) for row in report["ratios"])
    for row in report["ratios"]:
        verdict = (
            "(no target)"
            if row["met"] is None
            else f"(target <= {row['target']})  {'PASS' if row['met'] else 'MISS'}"
        )
        print(f"{row['name']:<{width}}  {row['ratio']:.3f}  {verdict}")


def project_versions(project: Path) -> dict[str, str]:
    """Python and serving-library versions of the project's environment."""
    code = (
        "import importlib.metadata as m, json, platform; print(json.dumps({'python': "
        "platform.python_version(), **{n: m.version(n) for n in ('mlflow', 'fastapi', "
        "'uvicorn', 'scikit-learn')}}))"
    )
    python = project / ".venv" / "bin" / "python"
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return json.loads(result.stdout) if result.returncode == 0 else {}


def parse_args() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="installed project (default: bake one)")
    parser.add_argument(
        "--requests", type=int, default=500, help="requests of 1 record (a fifth for 100)"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4], metavar="C")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="JSON")
    args = parser.parse_args()
    if args.requests < 1 or min(args.concurrency) < 1:
        parser.error("--requests and --concurrency must be at least 1")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Set the project up if needed, benchmark both servers; every figure."""
    project = args.project.resolve() if args.project else bake_project(work)
    script, model_name = project_facts(project)
    factories = {
        "generated": functools.partial(generated_server, project, script, work),
        "mlflow": functools.partial(mlflow_server, project, model_name),
        "floor": functools.partial(floor_server, project, work),
    }
    servers = {key: benchmark(new, project, work, args) for key, new in factories.items()}
    return {
        **when_and_where(),
        "project": {
            "path": str(project) if args.project else "(baked default project, deleted)",
            "model": f"models:/{model_name}@{ALIAS}",
            "versions": project_versions(project),
        },
        "settings": {
            "requests_1_record": args.requests,
            "requests_100_records": batch_requests(args),
            "concurrency": args.concurrency,
            "warmup_requests": WARMUP_REQUESTS,
            "cold_start": "second start of the server; the first one writes its bytecode cache",
        },
        "servers": servers,
        "agreement": agreement(servers),
        "ratios": ratios(servers, args.concurrency),
    }


def when_and_where() -> dict[str, Any]:
    """The time of a run and the machine it ran on, for a benchmark's report."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
    }


def report_main(
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace, Path], dict[str, Any]],
    print_report: Callable[[dict[str, Any]], None],
    prefix: str,
) -> int:
    """Run a benchmark in a temporary folder, print its figures and write them as JSON."""
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            report = run(args, Path(tmp))
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_report(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.output}", file=sys.stderr)
    return 0


def main() -> int:
    """Run the benchmark, print the figures and write them as JSON."""
    return report_main(parse_args(), run, print_report, "serving-bench-")


if __name__ == "__main__":
    sys.exit(main())
