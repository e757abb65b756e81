"""Time to first green, pipeline wall time and command-line start-up of a generated project.

Method, on the default answers:

* time to first green: bake (in process) -> ``make install`` (uv sync with a warm package
  cache, git init) -> ``make test`` green; each phase timed once, after one warm-up install
  that fills the uv cache;
* pipeline: ``<package> pipeline`` (ingest ... register) from a clean state (no processed
  data, models, reports or MLflow store), median of ``--runs`` runs; and the first
  ``make pipeline`` (``dvc repro``) of the fresh project;
* command line: ``<package> --help`` and ``<package> train --help``, median of 10 runs.

Commands run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed), as in a
user's shell: the first run of a command writes the cache, later runs use it.

Prints a table and writes benchmarks/results/project.json. Run with ``make bench`` or
``UV=<path to uv> .venv/bin/python benchmarks/project.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "project.json"
PACKAGE = "house_price_model"
OUTPUTS = ("data/processed", "models", "reports", "mlflow.db", "mlruns", "prediction_logs.db")
TARGETS = {"pipeline_s": 30.0, "cli_help_s": 0.5}


def environment() -> dict[str, str]:
    """The caller's environment, as a user's shell would have it: bytecode caching on."""
    dropped = {"VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE"}
    environ = {key: value for key, value in os.environ.items() if key not in dropped}
    environ["UV_PYTHON_DOWNLOADS"] = "never"
    return environ


def timed(command: list[str], cwd: Path) -> float:
    """Run ``command`` in ``cwd``; return its wall time; stop on failure."""
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=environment(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


def bake(out: Path) -> tuple[Path, float]:
    start = time.perf_counter()
    project = cookiecutter(str(ROOT), no_input=True, output_dir=str(out))
    return Path(project), time.perf_counter() - start


def clean(project: Path) -> None:
    for name in OUTPUTS:
        path = project / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="pipeline runs (median)")
    args = parser.parse_args()
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        sys.exit("uv not found: set UV=<path> or run `make bench`")
    make = ["make", f"UV={uv}"]
    results: dict[str, float | list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        warm, _ = bake(Path(scratch) / "warm")
        timed([*make, "install"], warm)  # fills the uv cache, as on any second project

        project, results["bake_s"] = bake(Path(scratch) / "first-green")
        results["install_s"] = timed([*make, "install"], project)
        results["test_s"] = timed([*make, "test"], project)
        results["first_green_s"] = results["bake_s"] + results["install_s"] + results["test_s"]
        results["make_pipeline_dvc_repro_s"] = timed([*make, "pipeline"], project)

        cli = str(project / ".venv" / "bin" / PACKAGE)
        runs = []
        for _ in range(args.runs):
            clean(project)
            runs.append(timed([cli, "pipeline"], project))
        results["pipeline_runs_s"] = runs
        results["pipeline_s"] = statistics.median(runs)
        results["cli_help_s"] = statistics.median(
            timed([cli, "--help"], project) for _ in range(10)
        )
        results["cli_train_help_s"] = statistics.median(
            timed([cli, "train", "--help"], project) for _ in range(10)
        )

    rows = [
        ("bake (in process)", results["bake_s"], None),
        ("make install (uv sync, warm cache)", results["install_s"], None),
        ("make test (generated suite)", results["test_s"], None),
        ("time to first green", results["first_green_s"], None),
        ("make pipeline (first dvc repro)", results["make_pipeline_dvc_repro_s"], None),
        (f"pipeline, median of {args.runs}", results["pipeline_s"], TARGETS["pipeline_s"]),
        (f"{PACKAGE} --help, median of 10", results["cli_help_s"], TARGETS["cli_help_s"]),
        (f"{PACKAGE} train --help", results["cli_train_help_s"], TARGETS["cli_help_s"]),
    ]
    print(f"{'measure':<40} {'seconds':>8}  target")
    for name, seconds, target in rows:
        verdict = (
            "" if target is None else f"< {target:g} s {'PASS' if seconds < target else 'MISS'}"
        )
        print(f"{name:<40} {seconds:>8.2f}  {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(),
                "machine": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "results": results,
                "targets": TARGETS,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
