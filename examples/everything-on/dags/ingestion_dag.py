"""Ingestion DAG: every Monday, ingest the raw data and validate it.

Each task is one command of the CLI in its own pod (see pod_tasks.py); they hand the data on
through the artefact store (``ARTIFACT_STORE``). When the last one succeeds, the processed
data is a new version of the asset the training DAG waits for.

Data versions (``version-data``: a git tag and a push to the DVC remote) are made where the
repository is checked out, by CI or by hand, not in these pods, which have neither the git
history nor git.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from pod_tasks import PROCESSED_DATA, stage_task

with DAG(
    dag_id="house_price_model_ingestion",
    schedule="0 3 * * 1",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["house-price-model"],
):
    stage_task("ingest") >> stage_task("validate", outlets=[PROCESSED_DATA])
