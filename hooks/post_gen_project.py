"""Prune what the answers did not select, as declared in .template-prune.json.

The manifest maps each option value to the paths it owns. A path is kept only when,
for every option that lists it, the chosen value is one of the values listing it; a
path listed under ``monitoring: evidently`` and ``orchestrator: airflow`` therefore
survives only when both are chosen. Folders left empty are removed too.
This hook never touches the network.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
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


def main() -> int:
    root = Path.cwd()
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    MANIFEST.unlink()
    for relative in unselected_paths(manifest, ANSWERS):
        remove(root, relative)
    return 0


if __name__ == "__main__":
    sys.exit(main())
