"""The template's own sources agree with each other."""

from __future__ import annotations

import ast
import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.examples import differences, tree

from . import test_generated_project, test_matrix, test_services
from .conftest import bake_once
from .template import (
    CHOICES,
    COMPONENTS,
    COOKIECUTTER,
    DERIVED,
    INSTANCES,
    PRE_GEN,
    PROJECT_DIR,
    PRUNE_MANIFEST,
    ROOT,
    all_combinations,
    render_path,
)

HOOKS = ROOT / "hooks"
ALL_MODE_BITS = 0o177777  # the file type and every permission bit
SPACED = re.compile(r"\{\{ cookiecutter\.(\w+) \}\}")
JINJA = re.compile(r"\{\{|\{%|\{#")


def test_hook_choices_match_cookiecutter_json() -> None:
    assert {name: list(values) for name, values in PRE_GEN.CHOICES.items()} == CHOICES


def test_hook_requirements_name_real_options_and_values() -> None:
    for option, value, needed, accepted, why in PRE_GEN.REQUIREMENTS:
        assert value in CHOICES[option], f"{option}={value}"
        assert set(accepted) < set(CHOICES[needed]), f"{needed}: {accepted}"
        assert why.strip(), f"{option}={value}: no reason"


def test_every_prompt_has_human_text() -> None:
    prompts = COOKIECUTTER["__prompts__"]
    public = [name for name in COOKIECUTTER if not name.startswith("_")]
    assert sorted(prompts) == sorted(public)
    for name, values in CHOICES.items():
        assert sorted(prompts[name]) == sorted(["__prompt__", *values]), name


def test_prune_manifest_names_real_paths_and_values() -> None:
    for option, by_value in PRUNE_MANIFEST.items():
        assert option in CHOICES or option in DERIVED, option
        for value, paths in by_value.items():
            assert value in CHOICES.get(option, ["yes", "no"]), f"{option}={value}"
            for path in paths:
                template_path = SPACED.sub(r"{{cookiecutter.\1}}", path)
                assert (PROJECT_DIR / template_path).exists(), path


def test_hooks_use_only_offline_standard_modules() -> None:
    allowed = {"__future__", "ast", "json", "keyword", "re", "shutil", "sys", "unicodedata"}
    allowed |= {"pathlib"}
    for hook in HOOKS.glob("*.py"):
        tree = ast.parse(hook.read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert imported <= allowed, f"{hook.name}: {sorted(imported - allowed)}"


def test_hooks_read_answers_as_data() -> None:
    for hook in HOOKS.glob("*.py"):
        text = hook.read_text(encoding="utf-8")
        expressions = re.findall(r"\{\{.*?\}\}", text)
        assert expressions == ["{{ cookiecutter | tojson }}"], hook.name
        assert 'json.loads(r"""{{ cookiecutter | tojson }}""")' in text


EXPECTED_FILES = ROOT / "tests" / "expected_files"


def listed_files(instance: str) -> list[str]:
    text = (EXPECTED_FILES / f"{instance}.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def baked_instance(cookies_session, instance: str) -> Path:
    result = bake_once(cookies_session, INSTANCES[instance])
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    assert project.name == "house-price-model"
    return project


@pytest.mark.parametrize("instance", INSTANCES)
def test_instance_has_exactly_the_hand_written_files(cookies_session, instance: str) -> None:
    """Hand-written lists, independent of the manifest, for the named instances."""
    project = baked_instance(cookies_session, instance)
    actual = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    listed = listed_files(instance)
    assert listed == sorted(listed), f"{instance}.txt: keep the list sorted"
    assert sorted(actual - set(listed)) == [], f"generated but not in {instance}.txt"
    assert sorted(set(listed) - actual) == [], f"in {instance}.txt but not generated"


def test_hand_written_lists_are_the_instances() -> None:
    assert sorted(path.stem for path in EXPECTED_FILES.glob("*.txt")) == sorted(INSTANCES)


@pytest.mark.parametrize("instance", INSTANCES)
def test_examples_are_what_the_template_bakes_today(cookies_session, instance: str) -> None:
    """examples/ (make examples) is byte for byte what users get, so diffs show changes."""
    project = baked_instance(cookies_session, instance)
    assert differences(project, ROOT / "examples" / instance) == [], "make examples"


def test_examples_hold_only_the_instances() -> None:
    assert sorted(path.name for path in (ROOT / "examples").iterdir()) == sorted(INSTANCES)


def test_render_path_handles_template_names() -> None:
    context = {"package_name": "pkg", "project_slug": "slug"}
    assert render_path("src/{{cookiecutter.package_name}}/x.py", context) == "src/pkg/x.py"
    assert render_path("{{ cookiecutter.project_slug }}/a", context) == "slug/a"


def test_bundled_data_is_what_the_generator_writes() -> None:
    """scripts/make_sample_data.py is deterministic and the shipped CSV files match it."""
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample_data.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def sample_columns() -> set[str]:
    """The bundled samples' column names (every task's), read from their header lines."""
    headers = (ROOT / "templates" / "sample_data").glob("*/houses.csv")
    return {
        name
        for path in headers
        for name in path.read_text(encoding="utf-8").splitlines()[0].split(",")
    }


def test_generated_tests_name_no_column_of_the_sample() -> None:
    """The generated tests take columns from schema.py (via tests/cases.py), so they keep
    working when the user's data has other columns."""
    word = re.compile(r"[\"'](" + "|".join(map(re.escape, sorted(sample_columns()))) + r")[\"']")
    found = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {match.group(1)}"
        for path in sorted((PROJECT_DIR / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in word.finditer(line)
    ]
    assert not found, "\n".join(found)


def test_files_copied_without_rendering_are_exactly_those_without_jinja() -> None:
    """``_copy_without_render`` lists every file with no Jinja in it, and only those."""
    patterns = COOKIECUTTER["_copy_without_render"]
    files = {
        path.relative_to(PROJECT_DIR).as_posix(): path
        for path in PROJECT_DIR.rglob("*")
        if path.is_file()
    }
    plain = {name for name, path in files.items() if not JINJA.search(path.read_text("utf-8"))}
    copied = {name for name in files if any(fnmatch.fnmatch(name, rule) for rule in patterns)}
    assert sorted(copied - plain) == [], "these hold Jinja: take them out of _copy_without_render"
    assert sorted(plain - copied) == [], "no Jinja in these: add them to _copy_without_render"
    assert [rule for rule in patterns if not fnmatch.filter(files, rule)] == []


def test_compiled_templates_leave_the_output_unchanged(
    cookies_session, compiled_templates, tmp_path: Path
) -> None:
    """The tests' in-memory cache of compiled templates bakes what cookiecutter bakes."""
    cookiecutter = Path(sys.executable).with_name("cookiecutter")
    subprocess.run(
        [cookiecutter, "--no-input", "-o", tmp_path, ROOT], capture_output=True, check=True
    )
    first = cookies_session.bake(extra_context={})
    again = cookies_session.bake(extra_context={})  # every template from the cache
    assert first.exit_code == again.exit_code == 0
    assert len(compiled_templates.compiled) > 50
    plain = tree(tmp_path / "house-price-model", ALL_MODE_BITS)
    assert tree(Path(again.project_path), ALL_MODE_BITS) == plain
    assert tree(Path(first.project_path), ALL_MODE_BITS) == plain


def test_readme_counts_the_valid_combinations() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    words = {8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
    stated = (
        f"That leaves {len(all_combinations()):,} valid combinations of the "
        f"{words[len(COMPONENTS)]} component options."
    )
    assert stated in readme


def test_readme_options_table_is_generated_from_the_prompts() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/options_table.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generation_prints_only_tailored_next_steps(tmp_path: Path) -> None:
    """The post-generation hook prints the next steps for the chosen components, nothing else."""
    cookiecutter = Path(sys.executable).with_name("cookiecutter")
    printed = {}
    for serving in ("fastapi", "none"):
        result = subprocess.run(
            [cookiecutter, "--no-input", "-o", tmp_path / serving, ROOT, f"serving={serving}"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stderr == ""
        printed[serving] = result.stdout.splitlines()
    for lines in printed.values():
        assert lines[:2] == ["Next steps:", "  cd house-price-model"]
        assert lines[2].startswith("  make install ")
        assert lines[3].startswith("  make pipeline    # dvc repro: ingest, validate, train")
        assert lines[-1].startswith("Your data: make adopt-data CSV=path TARGET=column")
        assert len(lines) <= 8
    assert printed["fastapi"][4].startswith("  make serve ")
    assert not any("serve" in line for line in printed["none"])


GROUPED = """
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("one")


@pytest.mark.parametrize("case", range(8))
def test_case(case):
    Path(f"worker-{case}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_xdist_groups_keep_their_tests_on_one_worker(tmp_path: Path) -> None:
    """The pinned pytest and pytest-xdist honour ``xdist_group`` (pytest 9.2 broke it).

    The template's bakes and the generated projects' shared fixtures rely on it: without
    it each worker bakes a combination, or runs ``make pipeline``, again.
    """
    (tmp_path / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", "test_grouped.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    workers = {path.read_text() for path in tmp_path.glob("worker-*")}
    assert len(list(tmp_path.glob("worker-*"))) == 8
    assert len(workers) == 1, f"one group ran on {sorted(workers)}"


def test_the_run_summary_counts_marked_tests() -> None:
    """The summary lines in conftest.py count tests by marker, which these tests carry."""
    for test, marker in (
        (test_matrix.test_exact_file_set, "counts_combinations"),
        (test_generated_project.test_make_install_lint_test_pipeline, "counts_generated_projects"),
        *(
            (getattr(test_services, name), "runs_against_services")
            for name in dir(test_services)
            if name.startswith("test_")
        ),
    ):
        assert marker in {mark.name for mark in test.pytestmark}, test.__name__


BLOCK_TAG = re.compile(r"\{%-?\s*(\w+)")


def nested_tag_faults(text: str) -> list[str]:
    """Lines that start with ``{%-`` at another indentation than two spaces a nesting level.

    ``{%-`` strips the white space before it, so the indentation shows the nesting of the
    template without reaching the generated file.
    """
    faults, depth = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        words = BLOCK_TAG.findall(line)
        if line.lstrip().startswith("{%-") and len(words) == 1:
            word = words[0]
            level = depth - (word in {"else", "elif", "endif", "endfor"})
            if line != "  " * level + line.lstrip():
                faults.append(f"{number}: expected {2 * level} spaces before {word}")
        for word in words:
            depth += (word in {"if", "for"}) - (word in {"endif", "endfor"})
    return faults


def test_nested_tags_in_yaml_are_indented() -> None:
    found = [
        f"{path.relative_to(PROJECT_DIR)}:{fault}"
        for path in sorted(PROJECT_DIR.rglob("*.y*ml"))
        for fault in nested_tag_faults(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)
    assert nested_tag_faults("{%- if a %}\n{%- if b %}\n{%- endif %}\n{%- endif %}\n") == [
        "2: expected 2 spaces before if",
        "3: expected 2 spaces before endif",
    ]
