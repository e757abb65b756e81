"""Ingestion DAG: bring in new raw data{% if cookiecutter.data_validation == "pandera" %}, validate it{% endif %} and version it."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG

from pod_tasks import stage_task

with DAG(
    dag_id="{{ cookiecutter.package_name }}_ingestion",
    schedule="@weekly",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["{{ cookiecutter.project_slug }}"],
):
    ingest = stage_task("ingest")
{%- if cookiecutter.data_validation == "pandera" %}
    validate = stage_task("validate")
{%- endif %}
    version = stage_task("version-data")

    ingest >> {% if cookiecutter.data_validation == "pandera" %}validate >> {% endif %}version
