"""Bad answers are refused before anything is written; awkward ones are rendered as data."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from .template import COMPONENTS, DEFAULTS, PRE_GEN, ROOT, yaml_documents

COOKIECUTTER = [sys.executable, "-m", "cookiecutter"]

# (field, value, words the one-line refusal must contain besides the field)
BAD_ANSWERS = [
    ("project_slug", "House-Price", "lowercase"),
    ("project_slug", "-leading-hyphen", "start with"),
    ("project_slug", "trailing-hyphen-", "end with"),
    ("project_slug", "9-lives", "start with"),
    ("project_slug", "a" * 65, "at most 64"),
    ("project_slug", "../escape", "contain only"),
    ("project_slug", "nested/folder", "contain only"),
    ("project_slug", "/absolute/folder", "contain only"),
    ("project_slug", "back\\slash", "contain only"),
    ("project_slug", "has space", "contain only"),
    ("project_slug", "x'; rm -rf ~; '", "contain only"),
    ("package_name", "class", "keyword"),
    ("package_name", "match", "keyword"),
    ("package_name", "json", "standard-library"),
    ("package_name", "mlflow", "dependency"),
    ("package_name", "pandas", "dependency"),
    ("package_name", "sklearn", "dependency"),
    ("package_name", "fastapi", "dependency"),
    ("package_name", "test", "must not shadow"),
    ("package_name", "tests", "dependency"),
    ("package_name", "my-package", "identifier"),
    ("package_name", "Über", "identifier"),
    ("package_name", "__import__('os').system('id')", "identifier"),
    ("author_email", "not-an-email", "e-mail"),
    ("author_email", "someone@localhost", "e-mail"),
    ("author_email", "two@@example.com", "e-mail"),
    ("author_email", "a b@example.com", "e-mail"),
    ("organisation", "My-Org", "namespace"),
    ("organisation", "my org", "namespace"),
    ("organisation", "-org", "namespace"),
    ("organisation", "org-", "namespace"),
    ("organisation", "org/../../etc", "namespace"),
    ("project_name", "", "empty"),
    ("project_name", "line\nbreak", "control"),
    ("project_name", "x" * 101, "at most 100"),
    ("project_name", "right-to-left \u202eoverride", "control"),
    ("description", "   ", "empty"),
    ("description", "tab\there", "control"),
    ("author_name", "escape \x1b[31m red", "control"),
    ("author_name", " padded ", "white space"),
]
# Choice values outside their list: cookiecutter itself refuses these before the hook.
BAD_CHOICES = [
    ("serving", "kserv"),
    ("ci", "jenkins"),
    ("python_version", "3.9"),
    ("gitops", "Flux"),
]


def cookiecutter_cli(
    tmp_path: Path, out: Path, *arguments: str, answers: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command on the template with a private HOME; ``answers`` is stdin."""
    out.mkdir(exist_ok=True)
    return subprocess.run(
        [*COOKIECUTTER, "--output-dir", str(out), str(ROOT), *arguments],
        input=answers,
        capture_output=True,
        text=True,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )


def run_cookiecutter(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return cookiecutter_cli(tmp_path, tmp_path / "out", "--no-input", *arguments)


def assert_refused(
    result: subprocess.CompletedProcess[str], tmp_path: Path, out: str = "out"
) -> str:
    assert result.returncode != 0
    assert list((tmp_path / out).iterdir()) == [], "an output directory was left behind"
    # nor anything around it (a slug such as ../escape); HOME is tmp_path: dot folders only,
    # and "out" where an earlier run of the same test generated a project
    left = [path.name for path in tmp_path.iterdir() if path.name not in {out, "out"}]
    assert all(name.startswith(".") for name in left), left
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    BAD_ANSWERS,
    ids=[f"{field}={value[:20]!r}" for field, value, _ in BAD_ANSWERS],
)
def test_bad_answer_is_refused_with_one_line(
    tmp_path: Path, field: str, value: str, rule: str
) -> None:
    result = run_cookiecutter(tmp_path, f"{field}={value}")
    line = assert_refused(result, tmp_path)
    assert line.startswith(f"error: {field}="), line
    assert rule in line, line


@pytest.mark.parametrize(("field", "value"), BAD_CHOICES, ids=[f"{f}={v}" for f, v in BAD_CHOICES])
def test_value_outside_a_choice_list_is_refused(tmp_path: Path, field: str, value: str) -> None:
    result = run_cookiecutter(tmp_path, f"{field}={value}")
    assert result.returncode != 0
    assert list((tmp_path / "out").iterdir()) == []
    last = result.stderr.strip().splitlines()[-1]
    assert f"{value} provided for choice variable {field}" in last, result.stderr


@pytest.mark.parametrize(("field", "value"), [("serving", "kserv"), ("monitoring", "datadog")])
def test_choice_tampered_in_a_replay_file_is_refused_by_the_hook(
    tmp_path: Path, field: str, value: str
) -> None:
    first = run_cookiecutter(tmp_path)
    assert first.returncode == 0, first.stderr
    replay_file = next((tmp_path / ".cookiecutter_replay").glob("*.json"))
    replay = json.loads(replay_file.read_text(encoding="utf-8"))
    replay["cookiecutter"][field] = value
    replay_file.write_text(json.dumps(replay), encoding="utf-8")
    result = cookiecutter_cli(tmp_path, tmp_path / "replayed", "--replay-file", str(replay_file))
    line = assert_refused(result, tmp_path, "replayed")
    assert line.startswith(f"error: {field}={value!r}: must be one of"), line


@pytest.mark.parametrize(
    "requirement",
    PRE_GEN.REQUIREMENTS,
    ids=[f"{option}={value}" for option, value, *_ in PRE_GEN.REQUIREMENTS],
)
def test_forbidden_combination_is_refused(tmp_path: Path, requirement: tuple) -> None:
    option, value, needed, accepted, why = requirement
    other = "none"
    assert other not in accepted
    result = run_cookiecutter(tmp_path, f"{option}={value}", f"{needed}={other}")
    line = assert_refused(result, tmp_path)
    assert line.startswith(f"error: {option}={value!r}: cannot be combined with {needed}={other}")
    assert f"choose {needed}={accepted[0]}" in line, line
    assert line.endswith(why), line


def test_every_component_is_a_choice() -> None:
    assert set(COMPONENTS) <= set(DEFAULTS)


LONG = "x" * 54 + "-long-name"  # 64 characters
AWKWARD_ANSWERS = {
    "quotes-and-backslashes": {
        "project_name": 'Zoë\'s "Quoted" Model: #1 \\ back',
        "author_name": 'O\'Brien "The Hammer" \\ Jr. # not a comment',
        "description": 'Says "hi": it\'s #1 - 100% (50/50) & <ok> \\',
    },
    "non-ascii": {
        "project_name": "Modèle de prix Zoë",
        "author_name": "Zoë Ångström",
        "description": "Prédire les prix: ça marche, 価格",
        "gitops": "argocd",
    },
    "yaml-lookalikes": {
        "project_name": "- [not] a: list, {x}",
        "author_name": "null",
        "description": "yes",
        "project_slug": "yaml-lookalikes",
    },
    "longest-names-gitlab": {
        "project_slug": LONG,
        "organisation": "o" * 64,
        "ci": "gitlab-ci",
        "serving": "kserve",
        "orchestrator": "airflow",
        "gitops": "argocd",
        "python_version": "3.11",
    },
    "longest-names-github": {
        "project_slug": LONG,
        "organisation": "o" * 64,
        "ci": "github-actions",
        "serving": "fastapi",
        "orchestrator": "airflow",
        "gitops": "flux",
        "python_version": "3.13",
    },
}


def assert_answers_round_trip(project: Path, answers: dict[str, str]) -> None:
    """Every structured file parses and holds the typed values unchanged."""
    for path in project.rglob("*"):
        if path.suffix in {".yml", ".yaml"}:
            yaml_documents(path.read_text(encoding="utf-8"))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    params = yaml.safe_load((project / "config" / "params.yaml").read_text(encoding="utf-8"))
    readme = (project / "README.md").read_text(encoding="utf-8").splitlines()
    if "project_name" in answers:
        assert params["project"]["name"] == answers["project_name"]
        assert readme[0] == f"# {answers['project_name']}"
    if "description" in answers:
        assert pyproject["project"]["description"] == answers["description"]
        assert readme[2] == answers["description"]
    if "author_name" in answers:
        assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]
        assert answers["author_name"] in (project / "LICENSE").read_text(encoding="utf-8")
    if answers.get("gitops") == "argocd" and "description" in answers:
        project_file = project / "deploy" / "argocd" / "appproject.yaml"
        appproject = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        assert appproject["spec"]["description"] == answers["description"]
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        ruff = subprocess.run(
            [sys.executable, "-m", "ruff", *command],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr


@pytest.mark.parametrize("answers", AWKWARD_ANSWERS.values(), ids=AWKWARD_ANSWERS.keys())
def test_awkward_answers_are_rendered_as_data(cookies, answers: dict[str, str]) -> None:
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    assert_answers_round_trip(Path(result.project_path), answers)


def test_typed_braces_stay_literal(tmp_path: Path) -> None:
    """Answers typed at the prompts are data: Jinja markup in them is not evaluated."""
    answers = {
        "project_name": "Zoë {{ braces }} {% raw %} model",
        "description": "Keeps {{ cookiecutter.project_slug }} and {# this #} as typed",
        "author_name": "{%- endraw %} Ångström",
    }
    prompts = ["project_name", "project_slug", "package_name", "task", "description", "author_name"]
    typed = [answers.get(name, "") for name in prompts]
    out = tmp_path / "out"
    result = cookiecutter_cli(tmp_path, out, answers="\n".join(typed) + "\n" * 20)
    assert result.returncode == 0, result.stdout + result.stderr
    (project,) = out.iterdir()
    assert project.name == "zoe-braces-raw-model"
    assert_answers_round_trip(project, answers)
