"""A project generated with cruft takes later template changes with ``cruft update``.

The template is copied into a git repository of its own; a project is generated from one
commit, committed and changed by its user; the template then changes in a new commit
(an edited file and a new one). ``cruft check`` must see the project out of date,
``cruft update`` must apply the change cleanly next to the user's own, and ``cruft check``
must then report it up to date.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .template import PROJECT_DIR, ROOT

CRUFT = str(Path(sys.executable).with_name("cruft"))
GIT = ["git", "-c", "user.name=Template Test", "-c", "user.email=test@example.com"]


def git(folder: Path, *arguments: str) -> None:
    subprocess.run([*GIT, *arguments], cwd=folder, check=True, capture_output=True)


def cruft(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRUFT, *arguments], cwd=folder, capture_output=True, text=True, check=False
    )


@pytest.mark.long
def test_cruft_update_applies_a_template_change(tmp_path: Path) -> None:
    template = tmp_path / "template"
    template.mkdir()
    shutil.copy2(ROOT / "cookiecutter.json", template)
    shutil.copy2(ROOT / "local_extensions.py", template)
    shutil.copytree(ROOT / "hooks", template / "hooks")
    shutil.copytree(ROOT / "templates", template / "templates")
    shutil.copytree(PROJECT_DIR, template / PROJECT_DIR.name)
    git(template, "init", "--quiet", "--initial-branch=main")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "--message", "template v1")

    created = cruft(tmp_path, "create", "--no-input", "--output-dir", "out", str(template))
    assert created.returncode == 0, created.stdout + created.stderr
    project = tmp_path / "out" / "house-price-model"
    recorded = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert recorded["template"] == str(template)
    assert recorded["context"]["cookiecutter"]["serving"] == "fastapi"
    git(project, "init", "--quiet")
    params = project / "config" / "params.yaml"
    params.write_text(params.read_text().replace("max_iter: 300", "max_iter: 500"))
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "generated, then customised")
    assert cruft(project, "check").returncode == 0

    readme = template / PROJECT_DIR.name / "README.md"
    readme.write_text(readme.read_text() + "\nA line from a newer template.\n")
    (template / PROJECT_DIR.name / "CHANGES.md").write_text("# Changes\n\nNew in v2.\n")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "--message", "template v2")

    assert cruft(project, "check").returncode == 1, "the project should be out of date"
    updated = cruft(project, "update", "--skip-apply-ask")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (project / "README.md").read_text().endswith("A line from a newer template.\n")
    assert (project / "CHANGES.md").read_text() == "# Changes\n\nNew in v2.\n"
    assert "max_iter: 500" in params.read_text(), "the user's change survives"
    assert not list(project.rglob("*.rej")), "no rejected hunks"
    assert cruft(project, "check").returncode == 0, "up to date after the update"
