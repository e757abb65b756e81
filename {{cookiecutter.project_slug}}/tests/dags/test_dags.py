"""The DAGs load, run their tasks in the expected order, and every task is a pod that meets
the Pod Security Standards' restricted profile, runs the training image and reads the
params ConfigMap.

Airflow is not in the project's environment: ``make test`` runs these tests in one of their
own, with the ``airflow`` dependency group of pyproject.toml.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from airflow.models import DagBag
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.serialization.serialized_objects import LazyDeserializedDAG
from kubernetes.client import models as k8s

DAGS = Path(__file__).resolve().parents[2] / "dags"
PROJECT = "{{ cookiecutter.project_slug }}"
PACKAGE = "{{ cookiecutter.package_name }}"
ORGANISATION = "{{ cookiecutter.organisation }}"
REPOSITORY = f"{{ cookiecutter.__image_shape }}-train"
# DAG id -> its tasks, each one downstream of the one before.
ORDER = {
    f"{PACKAGE}_ingestion": ["ingest"{% if cookiecutter.data_validation == "pandera" %}, "validate"{% endif %}],
    f"{PACKAGE}_training": ["train", "evaluate", "register"],
    f"{PACKAGE}_scoring": ["score"],
{%- if cookiecutter.monitoring == "evidently" %}
    f"{PACKAGE}_monitoring": ["monitor"],
{%- endif %}
}
# Volume types the restricted profile allows.
RESTRICTED_VOLUMES = {
    "config_map",
    "csi",
    "downward_api",
    "empty_dir",
    "ephemeral",
    "persistent_volume_claim",
    "projected",
    "secret",
}


@pytest.fixture(scope="module")
def dag_bag() -> Iterator[DagBag]:
    """The DAGs, parsed as Airflow parses them: the DAG folder on sys.path."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(DAGS))
        # Airflow 3.3 dropped include_examples: its DagBag never loads the examples.
        if "include_examples" in inspect.signature(DagBag).parameters:
            yield DagBag(dag_folder=DAGS, include_examples=False)
        else:
            yield DagBag(dag_folder=DAGS)
        sys.modules.pop("pod_tasks", None)


@pytest.fixture(scope="module")
def pods(dag_bag: DagBag) -> dict[str, k8s.V1Pod]:
    """The pod each task would create, by task id."""
    with pytest.MonkeyPatch.context() as patch:
        # The operator asks the cluster whether Airflow runs inside it, for a label.
        patch.setattr(KubernetesPodOperator, "hook", SimpleNamespace(is_in_cluster=False))
        return {
            task.task_id: task.build_pod_request_obj()
            for dag in dag_bag.dags.values()
            for task in dag.tasks
        }


def restricted_profile_violations(pod: k8s.V1Pod) -> list[str]:
    """What in ``pod`` the restricted Pod Security Standard forbids."""
    spec = pod.spec
    pod_context = spec.security_context or k8s.V1PodSecurityContext()
    found = []
    if spec.host_network or spec.host_pid or spec.host_ipc:
        found.append("shares a host namespace")
    for volume in spec.volumes or []:
        kinds = {kind for kind, value in volume.to_dict().items() if value and kind != "name"}
        if not kinds <= RESTRICTED_VOLUMES:
            found.append(f"volume {volume.name}: {', '.join(sorted(kinds))}")
    for container in [*(spec.init_containers or []), *spec.containers]:
        context = container.security_context or k8s.V1SecurityContext()
        run_as_non_root = context.run_as_non_root
        if run_as_non_root is None:
            run_as_non_root = pod_context.run_as_non_root
        seccomp = context.seccomp_profile or pod_context.seccomp_profile
        capabilities = context.capabilities or k8s.V1Capabilities()
        checks = {
            "privileged": not context.privileged,
            "allowPrivilegeEscalation": context.allow_privilege_escalation is False,
            "runAsNonRoot": run_as_non_root is True,
            "runAsUser": 0 not in (context.run_as_user, pod_context.run_as_user),
            "seccompProfile": getattr(seccomp, "type", None) in {"RuntimeDefault", "Localhost"},
            "capabilities.drop": "ALL" in (capabilities.drop or []),
            "capabilities.add": set(capabilities.add or []) <= {"NET_BIND_SERVICE"},
        }
        found += [f"{container.name}: {name}" for name, passed in checks.items() if not passed]
    return found


def test_the_dags_import_without_errors(dag_bag: DagBag) -> None:
    assert dag_bag.import_errors == {}
    assert set(dag_bag.dag_ids) == set(ORDER)


@pytest.mark.parametrize("dag_id", ORDER)
def test_tasks_run_in_order(dag_bag: DagBag, dag_id: str) -> None:
    dag = dag_bag.dags[dag_id]
    order = ORDER[dag_id]
    assert sorted(dag.task_ids) == sorted(order)
    for before, after in zip([None, *order], [*order, None], strict=True):
        if after is not None:
            assert dag.get_task(after).upstream_task_ids == ({before} if before else set())
        if before is not None:
            assert dag.get_task(before).downstream_task_ids == ({after} if after else set())


def test_every_task_runs_a_command_in_the_training_image(dag_bag: DagBag) -> None:
    for dag in dag_bag.dags.values():
        for task in dag.tasks:
            assert isinstance(task, KubernetesPodOperator), task.task_id
            assert task.image == f"{REPOSITORY}:unreleased"
            assert task.cmds == [PACKAGE]
            assert task.arguments == [task.task_id.replace("_", "-")]
            assert task.namespace == f"{PROJECT}-dev"


def test_every_pod_meets_the_restricted_profile(pods: dict[str, k8s.V1Pod]) -> None:
    for task_id, pod in pods.items():
        assert restricted_profile_violations(pod) == [], task_id
        (container,) = pod.spec.containers
        assert pod.spec.security_context.run_as_user == 10001
        assert container.security_context.read_only_root_filesystem is True
        for kind in ("requests", "limits"):
            assert set(getattr(container.resources, kind)) == {"cpu", "memory"}, task_id
        assert pod.spec.automount_service_account_token is False


def test_every_pod_reads_the_params_configmap_and_works_on_the_workspace(
    pods: dict[str, k8s.V1Pod],
) -> None:
    for task_id, pod in pods.items():
        (container,) = pod.spec.containers
        volumes = {volume.name: volume for volume in pod.spec.volumes}
        mounts = {mount.mount_path: mount for mount in container.volume_mounts}
        env = {variable.name: variable.value for variable in container.env}
        params = volumes[mounts["/app/config"].name]
        assert params.config_map.name == f"{PROJECT}-params", task_id
        assert mounts["/app/config"].read_only is True
        assert env["PARAMS_FILE"] == "/app/config/params.yaml"
        workspace = volumes[mounts["/work"].name]
        assert workspace.empty_dir is not None, "pods share no disk: /work is scratch"
        assert env["ARTIFACT_STORE"].startswith("s3://"), task_id
        assert container.working_dir == "/work"
        assert volumes[mounts["/tmp"].name].empty_dir is not None


def test_training_runs_on_the_data_the_ingestion_produces(dag_bag: DagBag) -> None:
    last = "{% if cookiecutter.data_validation == "pandera" %}validate{% else %}ingest{% endif %}"
    (produced,) = dag_bag.dags[f"{PACKAGE}_ingestion"].get_task(last).outlets
    training = dag_bag.dags[f"{PACKAGE}_training"]
    assert list(training.timetable.asset_condition.objects) == [produced]


def test_the_dags_serialize(dag_bag: DagBag) -> None:
    """The DAG processor stores every DAG serialized; a DAG it cannot store never runs."""
    for dag in dag_bag.dags.values():
        assert LazyDeserializedDAG.from_dag(dag).dag_id == dag.dag_id


def test_secrets_reach_the_pods_as_read_only_files_never_as_variables(
    pods: dict[str, k8s.V1Pod],
) -> None:
    for task_id, pod in pods.items():
        (container,) = pod.spec.containers
        assert all(variable.value_from is None for variable in container.env), task_id
        env = {variable.name: variable.value for variable in container.env}
        volumes = {volume.name: volume for volume in pod.spec.volumes}
        mounts = {mount.mount_path: mount for mount in container.volume_mounts}
        mount = mounts[env["SECRETS_DIR"]]
        assert mount.read_only is True, task_id
        sources = volumes[mount.name].projected.sources
        assert sources, task_id
        for source in sources:
            assert source.secret.name.startswith(f"{PROJECT}-"), task_id
            assert source.secret.optional is True, "a pod must start without the Secret"
            for item in source.secret.items:
                # A file per variable of config.py, or the file a variable names.
                named = f"{env['SECRETS_DIR']}/{item.path}" in env.values()
                assert item.path.isupper() or named, (task_id, item.path)
