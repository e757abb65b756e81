"""The platform in GitOps: the Helm releases each combination needs, at pinned versions,
in order, wired to each other and to the application, with no secret in plain text.

What a combination needs is written here from the components (MLflow needs PostgreSQL and
an object store, KServe needs cert-manager and its CRDs, ...), not read from the template.
With Flux, ``kubectl kustomize deploy/platform`` builds the HelmReleases and their sources,
checked against the upstream CRDs; with Argo CD, the Applications of Helm charts; with
neither, docs/platform.md gives a ``helm upgrade --install`` per release. The same chart
versions (``__charts`` in cookiecutter.json, each an exact version) appear in all three.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import by_combination
from .template import COOKIECUTTER, all_combinations, with_derived
from .test_delivery import answers_of, kustomized, validate_custom_resources
from .validators import Passed, charts, crds

CHARTS: dict[str, dict[str, str]] = COOKIECUTTER["__charts"]
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")
# What each release must wait for, when both are deployed.
NEEDS = {
    "postgresql": {"cloudnative-pg"},
    "mlflow": {"postgresql", "object-store"},
    "airflow": {"postgresql"},
    "kserve-resources": {"cert-manager", "kserve-crd"},
    "kserve-runtime-configs": {"kserve-resources"},
}
WITHOUT_VALUES = {"cloudnative-pg", "kserve-crd"}  # the chart defaults do
# Releases whose chart's defaults and values schema are vendored in tests/charts.
SCHEMA_CHECKED = {"mlflow", "postgresql", "cert-manager"}


def releases(answers: dict[str, str]) -> set[str]:
    """The Helm releases the enabled components need."""
    mlflow = answers["experiment_tracking"] == "mlflow"
    wanted = {"object-store"}  # the artefact store, in every combination
    if mlflow or answers["serving"] != "none" or answers["orchestrator"] == "airflow":
        wanted |= {"cloudnative-pg", "postgresql"}
    if mlflow:
        wanted.add("mlflow")
    if answers["serving"] == "kserve":
        wanted |= {"cert-manager", "kserve-crd", "kserve-resources", "kserve-runtime-configs"}
    if answers["orchestrator"] == "airflow":
        wanted.add("airflow")
    return wanted


def test_every_chart_is_pinned_to_an_exact_version() -> None:
    loose = {name: chart["version"] for name, chart in CHARTS.items()}
    assert {name for name, version in loose.items() if not EXACT_VERSION.match(version)} == set()


def test_the_template_derives_the_same_pieces() -> None:
    """cookiecutter.json's private answers agree with releases() on every combination."""
    for answers in all_combinations():
        derived = with_derived(answers)
        wanted = releases(answers)
        assert (derived["__database"] == "yes") == ("postgresql" in wanted), answers


def documents_in(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def of_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in documents if doc["kind"] == kind]


def values_of(project: Path, release: str) -> dict[str, Any]:
    path = project / "deploy" / "platform" / "values" / f"{release}.yaml"
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(values, dict), f"{path}: not a mapping of values"
    return values


def plain_secrets(project: Path) -> list[str]:
    """Secrets in deploy/ with values in plain text: all but SOPS-encrypted ones and Argo
    CD's declaration of a public chart repository (no credentials in it)."""
    found = []
    for path in sorted((project / "deploy").rglob("*.yaml")):
        for document in documents_in(path.read_text(encoding="utf-8")):
            if document.get("kind") != "Secret" or "sops" in document:
                continue
            labels = document["metadata"].get("labels", {})
            data = {**document.get("data", {}), **document.get("stringData", {})}
            public = labels.get("argocd.argoproj.io/secret-type") == "repository" and not (
                data.keys() & {"username", "password", "sshPrivateKey", "tlsClientCertKey"}
            )
            if not public:
                found.append(f"{path.relative_to(project)}: {document['metadata']['name']}")
    return found


@by_combination
def test_platform(project: Path, request: pytest.FixtureRequest, passed: Passed) -> None:
    answers = answers_of(request)
    slug = project.name
    wanted = releases(answers)
    assert plain_secrets(project) == []
    platform = project / "deploy" / "platform"
    values = {path.stem for path in (platform / "values").glob("*.yaml")}
    assert values == wanted - WITHOUT_VALUES
    configured = {release: values_of(project, release) for release in values}
    check_values_schemas(passed, project, set(configured))
    check_sops_rules(project)
    check_wiring(project, slug, configured)
    check_helm_commands(project, slug, wanted)
    if answers["gitops"] == "flux":
        check_flux_platform(project, passed, slug, wanted, configured)
    elif answers["gitops"] == "argocd":
        check_argocd_platform(project, passed, slug, wanted)


def check_values_schemas(passed: Passed, project: Path, configured: set[str]) -> None:
    """Each values file with a vendored chart, merged over its defaults, fits the chart's
    values schema (what `helm install` checks)."""
    files = {
        release: (project / "deploy" / "platform" / "values" / f"{release}.yaml").read_text()
        for release in configured & SCHEMA_CHECKED
    }
    unseen = passed.unseen("chart-schemas", files)
    found = []
    for release, text in unseen.items():
        pinned = CHARTS[release]
        found += charts.errors(pinned["chart"], pinned["version"], yaml.safe_load(text))
    assert found == [], "values the charts refuse:\n" + "\n".join(found)
    passed.record("chart-schemas", unseen)


def test_the_vendored_charts_are_the_pinned_ones() -> None:
    assert crds.provenance_errors(charts.CHARTS, "*/*") == []
    for release in SCHEMA_CHECKED:
        assert charts.folder(CHARTS[release]["chart"], CHARTS[release]["version"]).is_dir()


@pytest.mark.parametrize(
    ("release", "values", "where"),
    [
        ("mlflow", {"fullnameOverid": "mlflow"}, "(top)"),
        ("mlflow", {"artifactRoot": {"s3": {"bucke": "mlflow"}}}, "artifactRoot.s3"),
        ("cert-manager", {"crds": {"enable": True}}, "crds"),
        ("postgresql", {"cluster": {"instances": "one"}}, "cluster.instances"),
    ],
)
def test_a_value_the_chart_refuses_fails(release: str, values: dict[str, Any], where: str) -> None:
    pinned = CHARTS[release]
    found = charts.errors(pinned["chart"], pinned["version"], values)
    assert any(f": {where}: " in error for error in found), found


def check_sops_rules(project: Path) -> None:
    """.sops.yaml encrypts the values of the credentials file and nothing of its shape."""
    rules = yaml.safe_load((project / ".sops.yaml").read_text(encoding="utf-8"))
    [rule] = rules["creation_rules"]
    assert re.search(rule["path_regex"], "deploy/platform/credentials.sops.yaml")
    assert not re.search(rule["path_regex"], "deploy/platform/values/mlflow.yaml")
    encrypted = re.compile(rule["encrypted_regex"])
    assert all(encrypted.search(key) for key in ("data", "stringData"))
    assert not any(encrypted.search(key) for key in ("metadata", "kind", "type"))
    assert not rule["age"].startswith("age1"), "a real age recipient in the template"


def check_wiring(project: Path, slug: str, configured: dict[str, dict[str, Any]]) -> None:
    """The releases find each other by the names their values give them, and the
    application finds them."""
    store = configured["object-store"]
    database = configured.get("postgresql")
    # The artefact store: the bucket of the overlays' ARTIFACT_STORE, at the endpoint and with
    # the user the environments' pods use (docs/platform.md).
    base = (project / "deploy" / "k8s" / "base" / "kustomization.yaml").read_text()
    endpoint = f"http://{store['fullnameOverride']}.{slug}-platform.svc.cluster.local:9000"
    assert f"AWS_ENDPOINT_URL={endpoint}\n" in base
    assert "artefacts" in {entry["name"] for entry in store["buckets"]}
    for environment in ("dev", "staging", "prod"):
        overlay = project / "deploy" / "k8s" / "overlays" / environment / "kustomization.yaml"
        assert f"ARTIFACT_STORE=s3://artefacts/{environment}\n" in overlay.read_text()
    (user,) = store["users"]
    assert (user["accessKey"], user["policy"]) == ("app", "readwrite")
    guide = (project / "docs" / "platform.md").read_text(encoding="utf-8")
    assert f"aws_access_key_id = {user['accessKey']}" in guide
    assert f"{{.data.{user['existingSecretKey']}}}" in guide
    if "mlflow" in configured:
        mlflow = configured["mlflow"]
        backend = mlflow["backendStore"]["postgres"]
        assert backend["host"] == f"{database['fullnameOverride']}-rw"
        assert backend["database"] in {entry["name"] for entry in database["databases"]}
        bucket = mlflow["artifactRoot"]["s3"]["bucket"]
        assert bucket in {entry["name"] for entry in store["buckets"]}
        endpoint = mlflow["extraEnvVars"]["MLFLOW_S3_ENDPOINT_URL"]
        assert endpoint == f"http://{store['fullnameOverride']}:9000"
        server = f"http://{mlflow['fullnameOverride']}.{slug}-platform.svc.cluster.local"
        assert f"MLFLOW_TRACKING_URI={server}\n" in base
    if "airflow" in configured:
        sync = configured["airflow"]["dags"]["gitSync"]
        assert sync["subPath"] == "dags"
        assert (project / "dags").is_dir()
        assert configured["airflow"]["postgresql"]["enabled"] is False
    if (project / ".dvc").is_dir():
        assert "dvc" in {entry["name"] for entry in store["buckets"]}


def check_helm_commands(project: Path, slug: str, wanted: set[str]) -> None:
    """docs/platform.md installs every release with its pinned chart and its values."""
    text = (project / "docs" / "platform.md").read_text(encoding="utf-8")
    installs = re.findall(r"^helm upgrade --install (\S+) (\S+) (.*?)--wait$", _joined(text), re.M)
    assert {release for release, _, _ in installs} == wanted
    order = [release for release, _, _ in installs]
    for release, chart, rest in installs:
        pinned = CHARTS[release]
        assert f"--version {pinned['version']} " in rest, release
        if pinned["repository"].startswith("oci://"):
            assert chart == f"{pinned['repository']}/{pinned['chart']}", release
        else:
            assert (chart, f"--repo {pinned['repository']} ") == (pinned["chart"], _repo(rest))
        has_values = f"-f deploy/platform/values/{release}.yaml" in rest
        assert has_values == (release not in WITHOUT_VALUES), release
        for need in NEEDS.get(release, set()) & wanted:
            assert order.index(need) < order.index(release), f"{release} before {need}"
    assert f"kubectl create namespace {slug}-platform" in text


def _joined(text: str) -> str:
    return text.replace("\\\n    ", "")


def _repo(rest: str) -> str:
    found = re.search(r"--repo \S+ ", rest)
    return found.group(0) if found else ""


def check_flux_platform(
    project: Path,
    passed: Passed,
    slug: str,
    wanted: set[str],
    configured: dict[str, dict[str, Any]],
) -> None:
    documents = documents_in(kustomized(project, passed, "deploy/platform"))
    validate_custom_resources(passed, [doc for doc in documents if crds.is_custom(doc)])
    assert {doc["metadata"]["namespace"] for doc in documents if doc["kind"] != "Namespace"} == {
        f"{slug}-platform"
    }
    sources = {
        (doc["kind"], doc["metadata"]["name"]): doc
        for doc in documents
        if doc["kind"] in {"HelmRepository", "OCIRepository"}
    }
    maps = {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == "ConfigMap"}
    helm = {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == "HelmRelease"}
    assert helm.keys() == wanted
    used = set()
    for release, document in helm.items():
        spec, pinned = document["spec"], CHARTS[release]
        if "chartRef" in spec:  # an OCI chart: the OCIRepository pins the tag
            key = (spec["chartRef"]["kind"], spec["chartRef"]["name"])
            source = sources[key]["spec"]
            assert source["url"] == f"{pinned['repository']}/{pinned['chart']}", release
            assert source["ref"] == {"tag": pinned["version"]}, release
        else:
            chart = spec["chart"]["spec"]
            key = (chart["sourceRef"]["kind"], chart["sourceRef"]["name"])
            assert (chart["chart"], chart["version"]) == (pinned["chart"], pinned["version"])
            assert sources[key]["spec"]["url"] == pinned["repository"], release
        used.add(key)
        after = {need["name"] for need in spec.get("dependsOn", [])}
        assert after == NEEDS.get(release, set()) & wanted, f"{release} waits for {after}"
        given = [ref["name"] for ref in spec.get("valuesFrom", [])]
        if release in configured:
            assert given == [f"{release}-values"], release
            assert yaml.safe_load(maps[given[0]]["data"]["values.yaml"]) == configured[release]
        else:
            assert given == [], release
    assert used == sources.keys(), "a chart source no release uses"
    gitops = documents_in(kustomized(project, passed, "deploy/flux"))
    kustomizations = {doc["metadata"]["name"]: doc for doc in of_kind(gitops, "Kustomization")}
    platform = kustomizations.pop(f"{slug}-platform")["spec"]
    assert platform["path"] == "./deploy/platform"
    assert platform["wait"] is True
    assert platform["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}
    for name, document in kustomizations.items():
        assert document["spec"]["dependsOn"] == [{"name": f"{slug}-platform"}], name


def check_argocd_platform(project: Path, passed: Passed, slug: str, wanted: set[str]) -> None:
    documents = documents_in(kustomized(project, passed, "deploy/argocd"))
    applications = {doc["metadata"]["name"]: doc for doc in of_kind(documents, "Application")}
    projects = {doc["metadata"]["name"]: doc for doc in of_kind(documents, "AppProject")}
    repositories = set(projects[f"{slug}-platform"]["spec"]["sourceRepos"])
    root = applications.pop(f"{slug}-root")["spec"]
    assert root["source"]["path"] == "deploy/argocd"
    assert root["project"] == f"{slug}-platform"
    waves = {}
    charts = {}
    for name, document in applications.items():
        wave = int(document["metadata"].get("annotations", {})["argocd.argoproj.io/sync-wave"])
        if "sources" not in document["spec"]:  # an environment
            waves[name] = wave
            continue
        chart, *rest = document["spec"]["sources"]
        release = chart["helm"]["releaseName"]
        charts[release] = wave
        pinned = CHARTS[release]
        assert (chart["chart"], chart["targetRevision"]) == (pinned["chart"], pinned["version"])
        assert chart["repoURL"] == pinned["repository"].removeprefix("oci://")
        assert chart["repoURL"] in repositories, release
        assert document["spec"]["project"] == f"{slug}-platform"
        files = chart["helm"].get("valueFiles", [])
        if release in WITHOUT_VALUES:
            assert (files, rest) == ([], []), release
        else:
            assert files == [f"$values/deploy/platform/values/{release}.yaml"], release
            assert [(source["ref"], source["targetRevision"]) for source in rest] == [
                ("values", "main")
            ]
    assert charts.keys() == wanted
    for release, wave in charts.items():
        for need in NEEDS.get(release, set()) & wanted:
            assert charts[need] < wave, f"{release} syncs with or before {need}"
    assert min(waves.values()) > max(charts.values()), "an environment before the platform"
