"""`make demo`: bake the default project, install it, run it end to end, serve one prediction.

Steps, each printed as it runs: bake the default answers into ``demo/``; ``make install
pipeline monitor`` in the project (uv, the bundled data, a local MLflow store and DVC
remote); start the prediction service on a free port; send it one record; stop it; say
where the model, the MLflow store and the drift report are. Offline after ``uv sync``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 120.0


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, payload: object | None = None) -> tuple[int, str]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def serve_one_prediction(project: Path, package: str) -> dict:
    """Start the service, wait until it is ready, predict one record, stop it."""
    port = free_port()
    environ = {**os.environ, "PORT": str(port), "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [str(project / ".venv" / "bin" / package), "serve"],
        cwd=project,
        env=environ,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                if call(f"{base}/ready")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the prediction service did not become ready on {base}")
            time.sleep(0.2)
        # The API documents an example request body: send that one.
        spec = json.loads(call(f"{base}/openapi.json")[1])
        body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
        example = body["example"]
        print(f"POST {base}/predict {json.dumps(example)}")
        status, body = call(f"{base}/predict", example)
        print(f"HTTP {status} {body}")
        if status != 200:
            raise SystemExit("the prediction failed")
        return json.loads(body)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", required=True, help="path of the uv executable")
    parser.add_argument("--output", type=Path, default=ROOT / "demo", help="folder to bake into")
    args = parser.parse_args()

    step(f"bake the default project into {args.output}")
    shutil.rmtree(args.output, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "--output-dir",
            str(args.output),
            str(ROOT),
        ],
        check=True,
    )
    project = (args.output / "house-price-model").resolve()
    package = "house_price_model"
    environ = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    environ.pop("VIRTUAL_ENV", None)

    step("make install pipeline monitor")
    subprocess.run(
        ["make", "install", "pipeline", "monitor", f"UV={args.uv}"],
        cwd=project,
        env=environ,
        check=True,
    )

    step("start the prediction service and send one record")
    answer = serve_one_prediction(project, package)

    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    step("done")
    print(f"project:        {project}")
    print(
        f"prediction:     {answer['predictions'][0]:,.0f} from {answer['model_name']} "
        f"version {answer['model_version']}"
    )
    print(
        f"test metrics:   RMSE {metrics['rmse']:,.0f}, R² {metrics['r2']:.3f} "
        f"({project / 'reports' / 'metrics.json'})"
    )
    print(f"champion model: {project / 'models' / 'champion'}")
    print(
        f"MLflow store:   {project / 'mlflow.db'} "
        f"(cd {project} && uv run mlflow ui --backend-store-uri sqlite:///mlflow.db)"
    )
    print(f"drift report:   {project / 'reports' / 'monitoring' / 'drift.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
