"""The strict CRD check (tests/validators/crds.py) rejects what the API server would drop.

Every custom resource the template generates is validated with it in test_delivery.py; here
each kind it may generate gets a valid resource that passes, and copies with a misspelt
field, at the top and nested, that must fail, so the check is shown able to fail.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .validators import crds

SOURCE_REF = {"kind": "GitRepository", "name": "app"}
# Kind -> a valid resource, and the path of a field to misspell inside its spec.
RESOURCES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "InferenceService": (
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "model", "annotations": {"serving.kserve.io/x": "1"}},
            "spec": {
                "predictor": {
                    "model": {
                        "modelFormat": {"name": "mlflow"},
                        "protocolVersion": "v2",
                        "storageUri": "s3://models/champion",
                    }
                }
            },
        },
        ("predictor", "model", "storageUri"),
    ),
    "GitRepository": (
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": "app", "namespace": "flux-system"},
            "spec": {
                "interval": "1m",
                "url": "https://example.org/a.git",
                "ref": {"branch": "main"},
            },
        },
        ("ref", "branch"),
    ),
    "Kustomization": (
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "app-dev"},
            "spec": {"interval": "5m", "path": "./deploy", "prune": True, "sourceRef": SOURCE_REF},
        },
        ("sourceRef", "name"),
    ),
    "HelmRepository": (
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "HelmRepository",
            "metadata": {"name": "charts"},
            "spec": {"interval": "1h", "url": "https://charts.example.org"},
        },
        ("interval",),
    ),
    "HelmRelease": (
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "mlflow"},
            "spec": {
                "interval": "10m",
                "chart": {
                    "spec": {
                        "chart": "mlflow",
                        "version": "1.0.0",
                        "sourceRef": {"kind": "HelmRepository", "name": "charts"},
                    }
                },
                # Chart values are free-form (x-kubernetes-preserve-unknown-fields): any key.
                "values": {"anyKey": {"nested": [1, 2]}},
                "dependsOn": [{"name": "postgresql"}],
            },
        },
        ("chart", "spec", "version"),
    ),
    "Application": (
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "app-dev", "namespace": "argocd"},
            "spec": {
                "project": "app",
                "source": {"repoURL": "https://example.org/a.git", "path": "deploy"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "a"},
                "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
            },
        },
        ("syncPolicy", "automated", "selfHeal"),
    ),
    "AppProject": (
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": "app"},
            "spec": {
                "sourceRepos": ["https://example.org/a.git"],
                "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "a"}],
            },
        },
        ("destinations", 0, "namespace"),
    ),
}


def misspelt(document: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    """A copy of ``document`` with the last key of ``spec`` + ``path`` misspelt."""
    changed = copy.deepcopy(document)
    parent = changed["spec"]
    for step in path[:-1]:
        parent = parent[step]
    parent[f"{path[-1]}x"] = parent.pop(path[-1])
    return changed


def test_the_vendored_crds_match_their_recorded_provenance() -> None:
    assert crds.provenance_errors() == []
    assert {row["tag"] for row in crds.sources()} >= {"v0.20.0", "v3.5.1"}


@pytest.mark.parametrize("kind", RESOURCES)
def test_a_valid_resource_passes(kind: str) -> None:
    assert crds.errors(RESOURCES[kind][0]) == []


@pytest.mark.parametrize("kind", RESOURCES)
def test_a_misspelt_field_fails_at_the_top_and_nested(kind: str) -> None:
    document, path = RESOURCES[kind]
    top = {**copy.deepcopy(document), "spce": document["spec"]}
    assert any("(top): Additional properties" in e and "'spce'" in e for e in crds.errors(top))
    nested = misspelt(document, path)
    where = ".".join(map(str, ("spec", *path[:-1])))
    found = crds.errors(nested)
    assert any(e.split(": ")[1] == where and f"'{path[-1]}x'" in e for e in found), found


def test_metadata_and_every_error_are_reported() -> None:
    document = copy.deepcopy(RESOURCES["Kustomization"][0])
    document["metadata"]["lables"] = {"a": "b"}
    document["spec"]["prune"] = "yes"
    document["spec"]["pth"] = "./x"
    found = crds.errors(document)
    assert len(found) == 3, found
    assert [e.split(": ")[1] for e in found] == ["metadata", "spec", "spec.prune"]


def test_an_unknown_kind_or_version_is_an_error() -> None:
    document = {**RESOURCES["GitRepository"][0], "apiVersion": "source.toolkit.fluxcd.io/v9"}
    assert crds.errors(document) == [
        "GitRepository app: no vendored CRD for source.toolkit.fluxcd.io/v9 GitRepository"
    ]
