{%- set mlflow = cookiecutter.experiment_tracking == "mlflow" -%}
{%- set request_log = cookiecutter.serving != "none" and cookiecutter.monitoring == "evidently" -%}
"""Shared building block of the DAGs: one command of the pipeline in its own Kubernetes pod.

Every task runs one command of the project's CLI in the training image, with the volumes
that the workloads of deploy/k8s/base mount (``<project>`` is PROJECT below):

- ``/app/config``: the ``<project>-params`` ConfigMap (config/params.yaml), read-only;
  ``PARAMS_FILE`` points at it.
- ``/work``, the working folder: an emptyDir. Pods share no disk: each task fetches the
  files it reads from the artefact store (``ARTIFACT_STORE``, store.url) and sends back
  those it writes (processed data, the challenger, the champion, reports), so the next
  task, in another pod on any node, finds them there.
- ``/tmp``: an emptyDir, the other writable place.

The pods meet the Pod Security Standards' restricted profile (non-root user 10001, no
privilege escalation, no capabilities, RuntimeDefault seccomp profile, read-only root
filesystem) and have resource requests and limits.

The environment of the Airflow scheduler and workers sets:

``PIPELINE_IMAGE``
    The training image, tagged with a commit SHA as CI pushes it. Without it the tasks use
    the tag ``unreleased``, the placeholder of the Kustomize overlays, which is never pushed:
    they fail to pull the image (ErrImagePull) until this names a released commit.
``PIPELINE_NAMESPACE``
    Where the pods run (default ``<project>-dev``); Airflow's service account needs the
    right to create pods there.
``PIPELINE_DATA_SOURCE``{% if cookiecutter.monitoring == "evidently" %}, ``PIPELINE_CURRENT_DATA``{% endif %}
    Passed on as ``DATA_SOURCE``{% if cookiecutter.monitoring == "evidently" %} and ``CURRENT_DATA``{% endif %}, see config/params.yaml. The defaults
    are those of the env ConfigMap of deploy/k8s/base, which pods started by Airflow
    cannot name: Kustomize adds a hash to its name.
``PIPELINE_ARTIFACT_STORE``, ``PIPELINE_AWS_ENDPOINT_URL``
    Passed on as ``ARTIFACT_STORE`` and ``AWS_ENDPOINT_URL``: the dev environment's folder
    of the platform's S3 API by default, as the dev overlay sets them.

Like those workloads, the tasks read these Secrets when they exist, mounted as files in
``SECRETS_DIR`` (a file per variable, see config.py), not as environment variables:

- ``<project>-object-store``, key ``credentials``: the artefact store's AWS
  shared-credentials file (``AWS_SHARED_CREDENTIALS_FILE``, docs/platform.md)
{%- if mlflow %}
- ``<project>-mlflow``, key ``tracking-uri``: ``MLFLOW_TRACKING_URI``
{%- endif %}
{%- if request_log %}
- ``<project>-database``, key ``url``: ``DATABASE_URL`` (the request log)
{%- endif %}

Point Airflow at this folder (the DAG bundle, or DAGS_FOLDER): the DAG files import this
module by name.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import Asset
from kubernetes.client import models as k8s

PROJECT = "{{ cookiecutter.project_slug }}"
ORGANISATION = "{{ cookiecutter.organisation }}"
# The training image CI pushes, and the repository's files on its main branch.
REPOSITORY = f"{{ cookiecutter.__image_shape }}-train"
RAW_FILES = f"{{ cookiecutter.__raw_shape }}"
IMAGE = os.environ.get("PIPELINE_IMAGE", f"{REPOSITORY}:unreleased")
NAMESPACE = os.environ.get("PIPELINE_NAMESPACE", f"{PROJECT}-dev")
SECRETS_DIR = f"/var/run/secrets/{PROJECT}"
ENVIRONMENT = {
    "PARAMS_FILE": "/app/config/params.yaml",
    "DATA_SOURCE": os.environ.get("PIPELINE_DATA_SOURCE", f"{RAW_FILES}/data/raw/houses.csv"),
    # The environment's folder of the platform's S3 API, as the overlays set it.
    "ARTIFACT_STORE": os.environ.get("PIPELINE_ARTIFACT_STORE", "s3://artefacts/dev"),
    "AWS_ENDPOINT_URL": os.environ.get(
        "PIPELINE_AWS_ENDPOINT_URL",
        f"http://object-store.{PROJECT}-platform.svc.cluster.local:9000",
    ),
    "AWS_SHARED_CREDENTIALS_FILE": f"{SECRETS_DIR}/aws-credentials",
    "SECRETS_DIR": SECRETS_DIR,
{%- if cookiecutter.monitoring == "evidently" %}
{%- if cookiecutter.serving != "none" %}
    "CURRENT_DATA": os.environ.get("PIPELINE_CURRENT_DATA", "requests"),
{%- else %}
    "CURRENT_DATA": os.environ.get(
        "PIPELINE_CURRENT_DATA", f"{RAW_FILES}/data/current/unshifted.csv"
    ),
{%- endif %}
{%- endif %}
}
# Files in SECRETS_DIR from a key of a Secret when the Secret exists: name -> (Secret, key);
# each is a variable of config.py, or the artefact store's AWS shared-credentials file.
OPTIONAL_SECRETS = {
    "aws-credentials": (f"{PROJECT}-object-store", "credentials"),
{%- if mlflow %}
    "MLFLOW_TRACKING_URI": (f"{PROJECT}-mlflow", "tracking-uri"),
{%- endif %}
{%- if request_log %}
    "DATABASE_URL": (f"{PROJECT}-database", "url"),
{%- endif %}
}
USER_ID = 10001
WORKDIR = "/work"
# What the ingestion DAG produces and the training DAG waits for.
PROCESSED_DATA = Asset(f"{PROJECT}-processed-data")


def environment() -> list[k8s.V1EnvVar]:
    """The variables of every task's container."""
    return [k8s.V1EnvVar(name=name, value=value) for name, value in ENVIRONMENT.items()]


def secrets() -> k8s.V1ProjectedVolumeSource:
    """The optional Secrets as one folder of files named after the variables they set."""
    return k8s.V1ProjectedVolumeSource(
        sources=[
            k8s.V1VolumeProjection(
                secret=k8s.V1SecretProjection(
                    name=secret, optional=True, items=[k8s.V1KeyToPath(key=key, path=name)]
                )
            )
            for name, (secret, key) in OPTIONAL_SECRETS.items()
        ]
    )


def volumes() -> list[k8s.V1Volume]:
    """Scratch ``/work`` and ``/tmp``, the params ConfigMap and the Secrets (read-only)."""
    return [
        k8s.V1Volume(name="workspace", empty_dir=k8s.V1EmptyDirVolumeSource()),
        k8s.V1Volume(
            name="params",
            config_map=k8s.V1ConfigMapVolumeSource(name=f"{PROJECT}-params"),
        ),
        k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource()),
        k8s.V1Volume(name="secrets", projected=secrets()),
    ]


def volume_mounts() -> list[k8s.V1VolumeMount]:
    """Where each of :func:`volumes` is mounted in the task's container."""
    return [
        k8s.V1VolumeMount(name="workspace", mount_path=WORKDIR),
        k8s.V1VolumeMount(name="params", mount_path="/app/config", read_only=True),
        k8s.V1VolumeMount(name="tmp", mount_path="/tmp"),
        k8s.V1VolumeMount(name="secrets", mount_path=SECRETS_DIR, read_only=True),
    ]


def restricted() -> dict[str, Any]:
    """The pod's and container's security contexts of the restricted Pod Security profile."""
    return {
        "security_context": k8s.V1PodSecurityContext(
            run_as_non_root=True,
            run_as_user=USER_ID,
            run_as_group=USER_ID,
            fs_group=USER_ID,
            seccomp_profile=k8s.V1SeccompProfile(type="RuntimeDefault"),
        ),
        "container_security_context": k8s.V1SecurityContext(
            allow_privilege_escalation=False,
            capabilities=k8s.V1Capabilities(drop=["ALL"]),
            read_only_root_filesystem=True,
        ),
    }


def stage_task(command: str, **kwargs: Any) -> KubernetesPodOperator:
    """A task that runs ``<package> <command>`` (the project's CLI) in its own pod.

    ``kwargs`` go to the operator (``outlets``, ``retries``, ...).
    """
    return KubernetesPodOperator(
        task_id=command.replace("-", "_"),
        name=f"{PROJECT}-{command}",
        namespace=NAMESPACE,
        image=IMAGE,
        cmds=["{{ cookiecutter.package_name }}"],
        arguments=[command],
        env_vars=environment(),
        labels={"app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/component": command},
        volumes=volumes(),
        volume_mounts=volume_mounts(),
        # The operator has no argument for it: the working folder comes from a base pod.
        full_pod_spec=k8s.V1Pod(
            spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="base", working_dir=WORKDIR)])
        ),
        **restricted(),
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "500m", "memory": "1Gi"},
            limits={"cpu": "2", "memory": "2Gi"},
        ),
        automount_service_account_token=False,
        # The first pull of the image on a node can take minutes.
        startup_timeout_seconds=600,
        execution_timeout=timedelta(hours=1),
        log_events_on_failure=True,
        **kwargs,
    )
