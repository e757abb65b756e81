"""Training DAG: train a challenger, evaluate it and register it if it passes the gate."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG

from pod_tasks import stage_task

with DAG(
    dag_id="{{ cookiecutter.package_name }}_training",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["{{ cookiecutter.project_slug }}"],
):
    stage_task("train") >> stage_task("evaluate") >> stage_task("register")
