"""Batch-scoring benchmark: ``<package> score`` against ``mlflow models predict``.

Method. One generated project (the default answers, set up with ``make install pipeline``
unless ``--project`` names one) and its champion. For each size in ``--rows`` (10,000,
100,000 and 1,000,000 records by default) a CSV of that many records is written by
repeating the features of the project's bundled batch (``data/current/unshifted.csv``).
Then, one after the other, each of the two commands scores it:

* ``.venv/bin/<package> score INPUT --output FOLDER``: the project's command, in chunks of
  ``scoring.chunk_rows``, checking every record, writing ``predictions.csv`` (the input's
  columns, the prediction, the model version), ``rejects.csv`` and ``summary.json``;
* ``mlflow models predict -m models:/<name>@champion -i INPUT -t csv -o OUTPUT
  --env-manager local``: MLflow's batch command on the same registered version, in the
  project's environment (no new environment is built).

Each command runs once to write its bytecode cache, then ``--repeat`` times (median
reported). A run is timed from start to exit (process start, imports and model load
included, as a scheduled job pays them); its peak memory is the maximum resident set size
of the command's process tree, read by a small wrapper process per run. Rows per second
is the record count over the median wall time. The two must agree on the first 1,000
predictions (relative difference below 1e-6).

Targets: the project's command at least 10x MLflow's rows per second on the largest size,
and its peak memory on the largest size at most 1.5x that on the smallest (flat, since it
reads in chunks). Prints a table and writes ``benchmarks/results/scoring.json`` (or
``--output``). Run with::

    UV=/path/to/uv .venv/bin/python benchmarks/scoring.py [--project PATH] [--rows N ...]
        [--repeat K] [--output JSON]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from serving import (
    ROOT,
    BenchmarkError,
    bake_project,
    project_facts,
    report_main,
    server_env,
    when_and_where,
)

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "scoring.json"
DEFAULT_ROWS = (10_000, 100_000, 1_000_000)
AGREEMENT_ROWS = 1000
SPEED_TARGET = 10.0  # ours / mlflow, rows per second, largest size
MEMORY_TARGET = 1.5  # ours, peak memory at the largest size / at the smallest
# Runs a command and prints its wall time and the peak resident set size of its processes.
WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
if status.returncode:
    sys.exit(status.stderr.decode()[-3000:])
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
WRITER = """
import sys, pandas as pd
from {package} import schema
batch = pd.read_csv("data/current/unshifted.csv")[list(schema.FEATURES)]
rows = int(sys.argv[2])
repeated = pd.concat([batch] * (rows // len(batch) + 1), ignore_index=True).head(rows)
repeated.to_csv(sys.argv[1], index=False)
"""


def measured(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Run ``argv`` under the wrapper: its wall time (s) and peak memory (KiB)."""
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise BenchmarkError(f"{' '.join(argv)} failed:\n{result.stderr[-3000:]}")
    seconds, kib = result.stdout.split()
    return float(seconds), int(kib)


def write_input(project: Path, package: str, path: Path, rows: int) -> None:
    python = project / ".venv" / "bin" / "python"
    code = WRITER.format(package=package)
    subprocess.run([python, "-c", code, str(path), str(rows)], cwd=project, check=True)


def commands(project: Path, script: str, model: str, source: Path, work: Path) -> dict:
    """The two commands for ``source``, each writing into ``work``."""
    venv = project / ".venv" / "bin"
    return {
        "generated": [str(venv / script), "score", str(source), "--output", str(work / "ours")],
        "mlflow": [
            str(venv / "mlflow"), "models", "predict", "-m", f"models:/{model}@champion",
            "-i", str(source), "-t", "csv", "-o", str(work / "mlflow.json"),
            "--env-manager", "local",
        ],
    }  # fmt: skip


def agreement(work: Path) -> float:
    """The largest relative difference of the first predictions of the two commands."""
    with (work / "ours" / "predictions.csv").open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        column = next(name for name in reader.fieldnames or [] if name.startswith("predicted_"))
        ours = [float(row[column]) for _, row in zip(range(AGREEMENT_ROWS), reader, strict=False)]
    theirs = json.loads((work / "mlflow.json").read_text(encoding="utf-8"))
    theirs = theirs["predictions"] if isinstance(theirs, dict) else theirs
    theirs = [float(value) for value in theirs[: len(ours)]]
    return max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(ours, theirs, strict=True))


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    project = args.project.resolve() if args.project else bake_project(work)
    script, model = project_facts(project)
    package = script.replace("-", "_")
    env = {
        **server_env(),
        "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}",
        "OMP_NUM_THREADS": "1",  # both on one core, as a CronJob with one CPU
    }
    sizes: list[dict[str, Any]] = []
    for rows in args.rows:
        source = work / f"records-{rows}.csv"
        write_input(project, package, source, rows)
        size: dict[str, Any] = {"rows": rows, "input_mb": round(source.stat().st_size / 1e6, 1)}
        for name, argv in commands(project, script, model, source, work).items():
            measured(argv, project, env)  # writes the bytecode cache
            runs = [measured(argv, project, env) for _ in range(args.repeat)]
            seconds = statistics.median(run[0] for run in runs)
            size[name] = {
                "seconds": round(seconds, 3),
                "rows_per_second": round(rows / seconds),
                "peak_mib": round(max(run[1] for run in runs) / 1024, 1),
            }
        size["max_relative_difference"] = agreement(work)
        if size["max_relative_difference"] > 1e-6:
            raise BenchmarkError(f"the two disagree on {rows} rows: {size}")
        size["speed_ratio"] = round(
            size["generated"]["rows_per_second"] / size["mlflow"]["rows_per_second"], 2
        )
        sizes.append(size)
        source.unlink()
    largest, smallest = sizes[-1], sizes[0]
    memory = largest["generated"]["peak_mib"] / smallest["generated"]["peak_mib"]
    return {
        **when_and_where(),
        "project": str(project) if args.project else "(baked default project, deleted)",
        "repeat": args.repeat,
        "sizes": sizes,
        "targets": [
            {
                "name": f"generated / mlflow rows per second, {largest['rows']:,} rows",
                "value": largest["speed_ratio"],
                "target": f">= {SPEED_TARGET}",
                "met": largest["speed_ratio"] >= SPEED_TARGET,
            },
            {
                "name": f"generated peak memory, {largest['rows']:,} / {smallest['rows']:,} rows",
                "value": round(memory, 2),
                "target": f"<= {MEMORY_TARGET}",
                "met": memory <= MEMORY_TARGET,
            },
        ],
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"{'rows':>10} {'command':<10} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9}")
    for size in report["sizes"]:
        for name in ("generated", "mlflow"):
            figures = size[name]
            print(
                f"{size['rows']:>10,} {name:<10} {figures['seconds']:>8.2f} "
                f"{figures['rows_per_second']:>10,} {figures['peak_mib']:>9.1f}"
            )
        print(f"{'':>10} generated / mlflow: {size['speed_ratio']}x rows per second")
    for target in report["targets"]:
        verdict = "met" if target["met"] else "NOT met"
        print(f"{target['name']}: {target['value']} (target {target['target']}): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="installed project (default: bake one)")
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS), metavar="N")
    parser.add_argument("--repeat", type=int, default=3, metavar="K")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="JSON")
    args = parser.parse_args()
    if min(args.rows) < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    return report_main(args, run, print_report, "scoring-bench-")


if __name__ == "__main__":
    sys.exit(main())
