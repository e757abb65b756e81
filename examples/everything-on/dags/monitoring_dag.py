"""Monitoring DAG: every day, compare current data with the training data; fails on drift.

The monitor task runs in its own pod (see pod_tasks.py) and needs no ingest task before it:
its reference, the training split (``monitoring.reference`` in config/params.yaml), is in
the artefact store (``ARTIFACT_STORE``), where the ingestion DAG's ingest task sent it and
from which the training DAG trained the model. Until the ingestion DAG has run once, the
task fails with "not found". The current data is ``CURRENT_DATA`` (see pod_tasks.py). On
drift the task fails: its log names the drifted columns, and the HTML report is in
reports/monitoring/ of the artefact store.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from pod_tasks import stage_task

with DAG(
    dag_id="house_price_model_monitoring",
    schedule="0 6 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["house-price-model"],
):
    stage_task("monitor")
