"""Monitoring DAG: compare current data with the reference every day; fails on drift."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG

from pod_tasks import stage_task

with DAG(
    dag_id="{{ cookiecutter.package_name }}_monitoring",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["{{ cookiecutter.project_slug }}"],
):
    stage_task("monitor")
