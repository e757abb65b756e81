"""Shared building block of the DAGs: one pipeline command in its own Kubernetes pod.

Each task runs the project image with ``config/params.yaml`` mounted from the
``{{ cookiecutter.project_slug }}-params`` ConfigMap, as the deployment manifests do.
"""

from __future__ import annotations

import os

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

# Set these as environment variables of the Airflow scheduler and workers.
DEFAULT_NAMESPACE = "{{ cookiecutter.project_slug }}-dev"
DEFAULT_IMAGE = "{{ cookiecutter.__image_prefix }}-train:main"
NAMESPACE = os.environ.get("PIPELINE_NAMESPACE", DEFAULT_NAMESPACE)
IMAGE = os.environ.get("PIPELINE_IMAGE", DEFAULT_IMAGE)
PARAMS_CONFIGMAP = "{{ cookiecutter.project_slug }}-params"
CONFIG_DIR = "/etc/{{ cookiecutter.project_slug }}"


def stage_task(command: str) -> KubernetesPodOperator:
    """A task that runs ``{{ cookiecutter.package_name }} <command>`` in a pod."""
    return KubernetesPodOperator(
        task_id=command.replace("-", "_"),
        name=f"{{ cookiecutter.project_slug }}-{command}",
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
