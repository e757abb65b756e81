"""The platform's pieces fit together: every Secret the chart values name is one that
deploy/platform/credentials.py makes, with the keys the charts read, and fresh values."""

from __future__ import annotations

import subprocess
import sys
from functools import reduce
from pathlib import Path
from typing import Any

import yaml

PLATFORM = Path(__file__).resolve().parents[1] / "deploy" / "platform"

# values file -> (path to a Secret's name, the keys the chart reads from it, as literals
# or as paths in the same values file).
REFERENCES: dict[str, list[tuple[str, list[str]]]] = {
    "object-store": [
        ("existingSecret", ["rootUser", "rootPassword"]),
        ("users.0.existingSecret", ["@users.0.existingSecretKey"]),
    ],
    "postgresql": [("cluster.initdb.secret.name", ["username", "password"])],
    "mlflow": [
        (
            "backendStore.existingDatabaseSecret.name",
            [
                "@backendStore.existingDatabaseSecret.usernameKey",
                "@backendStore.existingDatabaseSecret.passwordKey",
            ],
        ),
        (
            "artifactRoot.s3.existingSecret.name",
            [
                "@artifactRoot.s3.existingSecret.keyOfAccessKeyId",
                "@artifactRoot.s3.existingSecret.keyOfSecretAccessKey",
            ],
        ),
    ],
    "airflow": [
        ("data.metadataSecretName", ["connection"]),
        ("fernetKeySecretName", ["fernet-key"]),
        ("apiSecretKeySecretName", ["api-secret-key"]),
        ("jwtSecretName", ["jwt-secret"]),
    ],
}


def lookup(values: dict[str, Any], path: str) -> Any:
    """The value at a dotted path; a number is an index into a list."""
    return reduce(
        lambda found, key: found[int(key)] if isinstance(found, list) else found[key],
        path.split("."),
        values,
    )


def made() -> dict[str, dict[str, str]]:
    """The Secrets credentials.py prints: name -> string data."""
    script = PLATFORM / "credentials.py"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    documents = list(yaml.safe_load_all(run.stdout))
    assert all(document["kind"] == "Secret" for document in documents)
    return {document["metadata"]["name"]: document["stringData"] for document in documents}


def test_every_secret_the_values_name_is_made_with_its_keys() -> None:
    secrets = made()
    named = set()
    for piece, references in REFERENCES.items():
        values = yaml.safe_load((PLATFORM / "values" / f"{piece}.yaml").read_text())
        for name_path, keys in references:
            name = lookup(values, name_path)
            named.add(name)
            wanted = {lookup(values, key[1:]) if key.startswith("@") else key for key in keys}
            assert name in secrets, f"{piece}: {name_path} names {name}, which is not made"
            assert wanted <= secrets[name].keys(), f"{piece}: {name} lacks {wanted}"
    assert named == secrets.keys(), "a Secret no chart reads"


def test_each_run_makes_new_values() -> None:
    first, second = made(), made()
    for name, data in first.items():
        changed = [key for key, value in data.items() if value != second[name][key]]
        assert changed, f"{name}: the same credentials twice"


def test_airflow_connects_to_a_database_of_the_server_as_its_owner() -> None:
    secrets = made()
    database = yaml.safe_load((PLATFORM / "values" / "postgresql.yaml").read_text())
    owner = secrets["postgresql-credentials"]
    host = f"{database['fullnameOverride']}-rw:5432"
    expected = f"postgresql://{owner['username']}:{owner['password']}@{host}/"
    connection = secrets["airflow-credentials"]["connection"]
    assert connection.startswith(expected)
    assert owner["username"] == database["cluster"]["initdb"]["owner"]
    names = {entry["name"] for entry in database["databases"]}
    assert connection.removeprefix(expected) in names
