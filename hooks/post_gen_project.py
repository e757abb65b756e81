"""Prune what the answers did not select, as declared in .template-prune.json, then print
a short list of next steps for the components chosen.

The manifest maps each option value to the paths it owns. A path is kept only when,
for every option that lists it, the chosen value is one of the values listing it; a
path listed under ``monitoring: evidently`` and ``orchestrator: airflow`` therefore
survives only when both are chosen. Folders left empty are removed too.
This hook never touches the network, and importing it runs nothing (only ``main()`` acts).
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

MANIFEST = Path(".template-prune.json")


def unselected_paths(manifest: dict, answers: dict) -> list[str]:
    """Paths owned only by values that were not chosen."""
    owners: dict[str, dict[str, set[str]]] = {}
    for option, values in manifest.items():
        for value, paths in values.items():
            for path in paths:
                owners.setdefault(path, {}).setdefault(option, set()).add(value)
    return sorted(
        path
        for path, by_option in owners.items()
        if any(answers[option] not in values for option, values in by_option.items())
    )


def remove(root: Path, relative: str) -> None:
    target = root / relative
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def pipeline_stages(package_dir: Path) -> list[str]:
    """The commands ``<package> pipeline`` runs, in order, as the generated CLI finds them.

    Each stage package (a folder with a ``main.py``) declares ``COMMAND = Command(name, ...,
    position=N, pipeline=True)`` in its ``__init__.py``; it is read, not imported.
    """
    found = []
    for init in sorted(package_dir.glob("*/__init__.py")):
        if not (init.parent / "main.py").is_file():
            continue
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            if [getattr(target, "id", None) for target in node.targets] != ["COMMAND"]:
                continue
            keywords = {word.arg: ast.literal_eval(word.value) for word in node.value.keywords}
            if keywords.get("pipeline"):
                found.append((keywords["position"], ast.literal_eval(node.value.args[0])))
    return [name for _, name in sorted(found)]


def next_steps(answers: dict, folder: str, stages: list[str]) -> list[str]:
    """What to do first with the project these answers generated."""
    pipeline = ", ".join(stages)
    if answers["data_versioning"] == "dvc":
        pipeline = f"dvc repro: {pipeline}"
    lines = [
        "Next steps:",
        f"  cd {folder}",
        "  make install     # .venv with the project and its dev tools (uv); git init",
        f"  make pipeline    # {pipeline}, on the bundled data",
    ]
    if answers["serving"] != "none":
        lines.append("  make serve       # the prediction service on http://127.0.0.1:8000/docs")
    package = answers["package_name"]
    lines += [
        "Read README.md: what each stage reads and writes, configuration, deployment.",
        "Your data: make adopt-data CSV=path TARGET=column (schema.py, params and the rest); "
        f"your model: src/{package}/training/main.py (docs/customise.md).",
    ]
    return lines


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    root = Path.cwd()
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    MANIFEST.unlink()
    for relative in unselected_paths(manifest, answers):
        remove(root, relative)
    stages = pipeline_stages(root / "src" / answers["package_name"])
    print("\n".join(next_steps(answers, root.name, stages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
