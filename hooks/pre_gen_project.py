"""Validate the answers before cookiecutter writes anything.

The answers arrive as a JSON literal (rendered with ``tojson``) and are parsed as
data, so quotes, backslashes or braces in a value can never change this code.
A refusal prints one line, ``field=value: rule``, to stderr and exits with 1;
cookiecutter then removes the half-made output directory. Importing this module runs
nothing: the template's tests import it and call its functions.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata

TEXT_FIELDS = (
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "organisation",
)
CHOICES = {
    "python_version": ("3.12", "3.13", "3.11"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"),
    "task": ("regression", "classification"),
    "ci": ("github-actions", "gitlab-ci", "none"),
    "data_versioning": ("dvc", "none"),
    "data_validation": ("pandera", "none"),
    "experiment_tracking": ("mlflow", "none"),
    "serving": ("fastapi", "kserve", "none"),
    "monitoring": ("evidently", "none"),
    "orchestrator": ("none", "airflow"),
    "gitops": ("flux", "argocd", "none"),
}
MAX_LENGTH = {
    "project_name": 100,
    "project_slug": 64,
    "package_name": 64,
    "description": 200,
    "author_name": 100,
    "author_email": 254,
    "organisation": 64,
}
PATTERNS = {
    "project_slug": (
        r"[a-z][a-z0-9-]*[a-z0-9]",
        "must start with a lowercase letter, contain only a-z, 0-9 and '-', "
        "and end with a letter or digit",
    ),
    "package_name": (
        r"[a-z_][a-z0-9_]*",
        "must be a lowercase Python identifier (a-z, 0-9, '_', not starting with a digit)",
    ),
    "author_email": (
        r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+",
        "must look like an e-mail address (name@domain.tld)",
    ),
    "organisation": (
        r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*",
        "must be a lowercase OCI registry namespace: a-z and 0-9, "
        "separated by single '.', '_', '__' or '-' runs",
    ),
}
# Import names the generated project (or its tooling) uses: a package with one of
# these names would shadow the real library.
DEPENDENCY_IMPORTS = frozenset(
    {
        "airflow",
        "alembic",
        "dvc",
        "evidently",
        "fastapi",
        "httpx",
        "joblib",
        "matplotlib",
        "mlflow",
        "numpy",
        "pandas",
        "pandera",
        "prometheus_client",
        "pydantic",
        "pydantic_settings",
        "pytest",
        "requests",
        "scipy",
        "sklearn",
        "sqlalchemy",
        "starlette",
        "uvicorn",
        "yaml",
        # folders of the generated project, and common test-runner names
        "config",
        "dags",
        "data",
        "deploy",
        "src",
        "test",
        "tests",
    }
)
# (option, value that needs something, option it needs, accepted values, why)
REQUIREMENTS = (
    (
        "serving",
        "kserve",
        "experiment_tracking",
        ("mlflow",),
        "KServe serves the champion in MLflow's model format (MLServer, V2 protocol), "
        "which the register stage exports from the MLflow registry; choose "
        "experiment_tracking=mlflow or serving=fastapi",
    ),
)


class Refusal(Exception):
    """An answer that cannot be used; str() is the one-line message."""

    def __init__(self, field: str, value: object, rule: str) -> None:
        super().__init__(f"{field}={value!r}: {rule}")


def check_text(field: str, value: object) -> None:
    """Single-line text: a non-empty string without control characters."""
    if not isinstance(value, str):
        raise Refusal(field, value, "must be text")
    if not value.strip():
        raise Refusal(field, value, "must not be empty")
    if value != value.strip():
        raise Refusal(field, value, "must not start or end with white space")
    bad = [c for c in value if unicodedata.category(c) in {"Cc", "Cf", "Cs", "Zl", "Zp"}]
    if bad:
        raise Refusal(
            field, value, f"must be one line without control characters (found {bad[0]!r})"
        )
    if len(value) > MAX_LENGTH[field]:
        raise Refusal(field, value, f"must be at most {MAX_LENGTH[field]} characters")
    if field in PATTERNS:
        pattern, rule = PATTERNS[field]
        if not re.fullmatch(pattern, value):
            raise Refusal(field, value, rule)


def check_package_name(value: str) -> None:
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise Refusal("package_name", value, "must not be a Python keyword")
    if value in sys.stdlib_module_names:
        raise Refusal("package_name", value, "must not shadow a standard-library module")
    if value in DEPENDENCY_IMPORTS:
        raise Refusal(
            "package_name", value, "must not shadow a dependency or folder of the project"
        )


def check_choices(answers: dict) -> None:
    for field, allowed in CHOICES.items():
        value = answers.get(field)
        if value not in allowed:
            raise Refusal(field, value, f"must be one of {', '.join(allowed)}")


def check_combinations(answers: dict) -> None:
    for option, value, needed, accepted, why in REQUIREMENTS:
        if answers[option] == value and answers[needed] not in accepted:
            raise Refusal(
                option,
                value,
                f"cannot be combined with {needed}={answers[needed]}: {why}",
            )


def validate(answers: dict) -> None:
    for field in TEXT_FIELDS:
        check_text(field, answers.get(field))
    check_package_name(answers["package_name"])
    check_choices(answers)
    check_combinations(answers)


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    try:
        validate(answers)
    except Refusal as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
