"""Batch-scoring DAG: every day, score a file of records with the champion.

The score task runs in its own pod (see pod_tasks.py) and fetches what it reads from the
artefact store (``ARTIFACT_STORE``): the champion, which the training DAG's register task
sent there, and ``scoring.input`` in config/params.yaml (``SCORING_INPUT``), the test split
until you name a file of your own. It sends ``data/scored/`` (predictions, rejected
records with their reasons, a summary) back to the store. Until the training DAG has made
a champion, the task fails with "no champion".
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from pod_tasks import stage_task

with DAG(
    dag_id="{{ cookiecutter.package_name }}_scoring",
    schedule="0 5 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["{{ cookiecutter.project_slug }}"],
):
    stage_task("score")
