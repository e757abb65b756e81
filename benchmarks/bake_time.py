"""Bake time of the template: median of repeated in-process bakes.

Each case is baked as a user bakes it (cookiecutter compiles every template), then as the
template's tests bake it (compiled templates kept in memory between bakes, see
``keeping_compiled_templates`` in tests/conftest.py).
Prints a table and writes benchmarks/results/bake_time.json.
Run with: .venv/bin/python benchmarks/bake_time.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import keeping_compiled_templates  # noqa: E402
from tests.template import INSTANCES  # noqa: E402


def bake_seconds(answers: dict[str, str], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=out)
            timings.append(time.perf_counter() - start)
    return timings


def with_compiled_templates(answers: dict[str, str], runs: int) -> list[float]:
    with keeping_compiled_templates():
        bake_seconds(answers, 1)  # fills the cache
        return bake_seconds(answers, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bake_seconds({}, 1)  # warm imports and file caches
    results = {}
    print(
        f"{'case':<16} {'median s':>9} {'min s':>7} {'max s':>7} {'tests median s':>15}"
        f"  ({args.runs} runs)"
    )
    for name, answers in INSTANCES.items():
        timings = bake_seconds(answers, args.runs)
        cached = with_compiled_templates(answers, args.runs)
        results[name] = {
            "median_s": statistics.median(timings),
            "min_s": min(timings),
            "max_s": max(timings),
            "tests_median_s": statistics.median(cached),
            "runs": args.runs,
        }
        row = results[name]
        print(
            f"{name:<16} {row['median_s']:>9.3f} {row['min_s']:>7.3f} {row['max_s']:>7.3f}"
            f" {row['tests_median_s']:>15.3f}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "bake_time.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
