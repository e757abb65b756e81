"""The instances to review: the default, everything-on and everything-off projects, baked.

``examples/<instance>/`` holds each project exactly as ``cookiecutter --no-input`` with that
instance's answers (``INSTANCES`` in tests/template.py) generates it, so a pull request shows,
as a diff, what users will get. The template's tests run ``--check``.

    python scripts/examples.py          list the instances and their answers
    python scripts/examples.py --write  bake them into examples/ (make examples)
    python scripts/examples.py --check  exit 1, naming each differing file, if out of step
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.template import INSTANCES  # noqa: E402 - needs ROOT on the path first


def bake(answers: dict[str, str], output: Path) -> Path:
    return Path(cookiecutter(str(ROOT), no_input=True, extra_context=answers, output_dir=output))


def tree(folder: Path, mode_bits: int = 0o100) -> dict[str, tuple[bytes, int]]:
    """Each file below ``folder``: its bytes and its ``mode_bits`` (by default the owner's
    executable bit, the one git keeps)."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mode & mode_bits)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def differences(baked: Path, kept: Path) -> list[str]:
    """What differs between a fresh bake and its copy in examples/, one line a file."""
    fresh, stored = tree(baked), tree(kept) if kept.is_dir() else {}
    lines = [f"{name}: missing from {kept.name}/" for name in sorted(fresh.keys() - stored)]
    lines += [f"{name}: no longer generated" for name in sorted(stored.keys() - fresh)]
    for name in sorted(fresh.keys() & stored):
        if fresh[name][0] != stored[name][0]:
            lines.append(f"{name}: content differs")
        elif fresh[name][1] != stored[name][1]:
            lines.append(f"{name}: executable bit differs")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="bake the instances into examples/")
    action.add_argument("--check", action="store_true", help="exit 1 if examples/ is stale")
    args = parser.parse_args()
    if not (args.write or args.check):
        for name, answers in INSTANCES.items():
            print(f"{name}: {answers or 'the defaults'}")
        return 0
    stale = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, answers in INSTANCES.items():
            baked = bake(answers, Path(scratch) / name)
            kept = EXAMPLES / name
            if args.write:
                shutil.rmtree(kept, ignore_errors=True)
                shutil.copytree(baked, kept)
                print(f"examples/{name}/: {len(tree(kept))} files")
            else:
                stale += [f"examples/{name}/{line}" for line in differences(baked, kept)]
    if stale:
        print("\n".join(stale), file=sys.stderr)
        print("examples/ is out of step with the template: run make examples", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
