"""Training DAG: train a challenger, evaluate it and register it if it passes the gate.

It runs whenever the ingestion DAG has produced new processed data, and on demand. Each task is one
command of the CLI in its own pod (see pod_tasks.py): the train task fetches the processed
data from the artefact store (``ARTIFACT_STORE``) and sends the challenger there for the
evaluate task, which sends its report there for the register task.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from pod_tasks import PROCESSED_DATA, stage_task

with DAG(
    dag_id="house_price_model_training",
    schedule=[PROCESSED_DATA],
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["house-price-model"],
):
    stage_task("train") >> stage_task("evaluate") >> stage_task("register")
