"""Print the platform's Secrets, with new random credentials, for SOPS to encrypt.

The plain text goes to standard output only, never to a file; pipe it into sops, which
writes the encrypted file that git sees (docs/platform.md):

    python deploy/platform/credentials.py | sops --encrypt --input-type yaml \\
        --output-type yaml --filename-override deploy/platform/credentials.sops.yaml \\
        /dev/stdin > deploy/platform/credentials.sops.yaml

Each Secret is named in the chart values of deploy/platform/values.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys

DATABASE_USER = "app"  # the owner in values/postgresql.yaml


def password() -> str:
    return secrets.token_urlsafe(24)


def credentials() -> dict[str, dict[str, str]]:
    """Secret name -> its string data."""
    found: dict[str, dict[str, str]] = {}
    found["object-store-credentials"] = {
        "rootUser": f"platform-{secrets.token_hex(4)}",
        "rootPassword": password(),
        # The secret key of the application's user (users in values/object-store.yaml).
        "appSecretKey": password(),
    }
    database_password = password()
    found["postgresql-credentials"] = {"username": DATABASE_USER, "password": database_password}
    found["airflow-credentials"] = {
        "connection": (
            f"postgresql://{DATABASE_USER}:{database_password}@postgresql-rw:5432/airflow"
        ),
        "fernet-key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "api-secret-key": password(),
        "jwt-secret": password(),
    }
    return found


def manifest(found: dict[str, dict[str, str]]) -> str:
    """The Secrets as YAML documents; JSON strings are valid YAML scalars."""
    documents = []
    for name, data in found.items():
        kind = "kubernetes.io/basic-auth" if name == "postgresql-credentials" else "Opaque"
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {name}"]
        lines += [f"type: {kind}", "stringData:"]
        lines += [f"  {key}: {json.dumps(value)}" for key, value in data.items()]
        documents.append("\n".join(lines))
    return "---\n" + "\n---\n".join(documents) + "\n"


if __name__ == "__main__":
    sys.stdout.write(manifest(credentials()))
