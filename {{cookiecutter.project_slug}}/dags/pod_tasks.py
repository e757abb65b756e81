"""Shared building block of the DAGs: one pipeline command in its own Kubernetes pod.

Each task runs the project image with ``config/params.yaml`` mounted from the
``<project>-params`` ConfigMap, as the deployment manifests do.
"""

from __future__ import annotations

import os

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

PROJECT = "{{ cookiecutter.project_slug }}"
{%- if cookiecutter.ci == "gitlab-ci" %}
REPOSITORY = "registry.gitlab.com/{{ cookiecutter.organisation }}"
DEFAULT_IMAGE = f"{REPOSITORY}/{PROJECT}/{PROJECT}-train:main"
{%- else %}
REPOSITORY = "ghcr.io/{{ cookiecutter.organisation }}"
DEFAULT_IMAGE = f"{REPOSITORY}/{PROJECT}-train:main"
{%- endif %}
DEFAULT_NAMESPACE = f"{PROJECT}-dev"
# Override these with environment variables of the Airflow scheduler and workers.
NAMESPACE = os.environ.get("PIPELINE_NAMESPACE", DEFAULT_NAMESPACE)
IMAGE = os.environ.get("PIPELINE_IMAGE", DEFAULT_IMAGE)
PARAMS_CONFIGMAP = f"{PROJECT}-params"
CONFIG_DIR = f"/etc/{PROJECT}"


def stage_task(command: str) -> KubernetesPodOperator:
    """A task that runs the command-line ``command`` of the project in its own pod."""
    return KubernetesPodOperator(
        task_id=command.replace("-", "_"),
        name=f"{PROJECT}-{command}",
        namespace=NAMESPACE,
        image=IMAGE,
        cmds=["{{ cookiecutter.package_name }}"],
        arguments=[command],
        env_vars={"PARAMS_FILE": f"{CONFIG_DIR}/params.yaml"},
        volumes=[
            k8s.V1Volume(
                name="params",
                config_map=k8s.V1ConfigMapVolumeSource(name=PARAMS_CONFIGMAP),
            ),
        ],
        volume_mounts=[
            k8s.V1VolumeMount(name="params", mount_path=CONFIG_DIR, read_only=True),
        ],
        get_logs=True,
        on_finish_action="delete_pod",
    )
