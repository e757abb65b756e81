"""Custom resources checked against the upstream CRDs vendored in ``tests/crds``.

Each CRD's ``openAPIV3Schema`` for the resource's version is made strict: wherever a schema
lists ``properties`` and neither sets ``additionalProperties`` nor preserves unknown fields
(``x-kubernetes-preserve-unknown-fields``), unknown fields are rejected, as the API server
prunes (and ``kubectl --validate=strict`` refuses) them. ``metadata`` gets the fields a
manifest may set. Every finding is reported with its path, not just the first.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).resolve().parent.parent / "crds"
SOURCES = CRDS / "SOURCES.md"
STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
METADATA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": STRINGS,
        "annotations": STRINGS,
        "finalizers": {"type": "array", "items": {"type": "string"}},
    },
}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sources(table: Path = SOURCES) -> list[dict[str, str]]:
    """The rows of a SOURCES.md: file, repository, tag, commit, path there, sha256."""
    lines = [line for line in table.read_text(encoding="utf-8").splitlines() if line[:2] == "| "]
    header, _, *rows = ([cell.strip() for cell in line.strip("|").split("|")] for line in lines)
    return [dict(zip(header, row, strict=True)) for row in rows]


def provenance_errors(folder: Path = CRDS, pattern: str = "*.yaml") -> list[str]:
    """Where the vendored files and their SOURCES.md disagree: missing rows, files or
    checksums."""
    rows = {row["file"]: row for row in sources(folder / "SOURCES.md")}
    files = {path.relative_to(folder).as_posix() for path in folder.glob(pattern)}
    errors = [f"{name}: no row in SOURCES.md" for name in sorted(files - rows.keys())]
    errors += [f"{name}: listed but not vendored" for name in sorted(rows.keys() - files)]
    for name in sorted(files & rows.keys()):
        actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        if actual != rows[name]["sha256"]:
            errors.append(f"{name}: sha256 {actual}, SOURCES.md says {rows[name]['sha256']}")
    return errors


def versions() -> str:
    """The upstream releases the schemas come from, for the run summary."""
    tags = sorted({f"{row['repository']} {row['tag']}" for row in sources()})
    return ", ".join(tags)


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` rejecting fields it does not list (see the module docstring)."""
    schema = copy.copy(schema)
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        schema["additionalProperties"] = False
    if "properties" in schema:
        schema["properties"] = {name: strict(sub) for name, sub in schema["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = strict(schema[key])
    return schema


@functools.cache
def definitions() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) -> the raw openAPIV3Schema of every vendored CRD."""
    found = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for served in spec["versions"]:
                key = (spec["group"], served["name"], spec["names"]["kind"])
                found[key] = served["schema"]["openAPIV3Schema"]
    return found


@functools.cache
def validator(group: str, version: str, kind: str) -> jsonschema.Draft4Validator:
    """The strict validator of one resource type (OpenAPI v3.0 schemas are draft 4 in shape)."""
    schema = strict(definitions()[(group, version, kind)])
    schema["properties"] = {**schema["properties"], "metadata": METADATA}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return jsonschema.Draft4Validator(schema)


def is_custom(document: dict[str, Any]) -> bool:
    """A custom resource: its API group has a domain (core and built-in groups do not)."""
    group = str(document.get("apiVersion", "")).rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def errors(document: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks its CRD's strict schema; one line each, with its path."""
    kind = document.get("kind", "")
    group, _, version = str(document.get("apiVersion", "")).rpartition("/")
    where = f"{kind} {document.get('metadata', {}).get('name')}"
    if (group, version, kind) not in definitions():
        return [f"{where}: no vendored CRD for {document.get('apiVersion')} {kind}"]
    found = validator(group, version, kind).iter_errors(document)
    return [
        f"{where}: {'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(found, key=lambda error: list(map(str, error.absolute_path)))
    ]
