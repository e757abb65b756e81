"""Airflow for the DAG tests: a home of its own in a temporary folder, no examples.

Airflow reads its settings when it is first imported, so they are set here, before the
test module imports it; nothing is read from or written to the user's own Airflow home.
The PIPELINE_* variables are cleared, so the tests see the defaults of dags/pod_tasks.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"
HOME = tempfile.mkdtemp(prefix="airflow-home-")

for name in [name for name in os.environ if name.startswith(("AIRFLOW", "PIPELINE_"))]:
    del os.environ[name]
os.environ.update(
    {
        "AIRFLOW_HOME": HOME,
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
)


def pytest_unconfigure() -> None:
    shutil.rmtree(HOME, ignore_errors=True)
