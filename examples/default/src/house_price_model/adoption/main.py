"""``adopt-data CSV --target COLUMN``: make a CSV the project's data in one command.

It checks the table (readable, the target present and fit for the task, enough rows),
infers the
schema (whole, fractional and categorical columns, allowed values, plausible ranges
with a margin; constant and identifier-like columns are dropped and named), then writes, only
once every check has passed:

- ``src/<package>/schema.py``, readable code for you to review;
- the CSV under ``data/raw/`` (the data it replaces is removed: git keeps it);
- ``data.source``, ``data.target`` and gate thresholds for the new target in
  ``config/params.yaml`` and its cluster copy, ``deploy/k8s/base/params.yaml``;
- when the project has ``data/current/``, two batches of new records there: a sample of
  the table's rows (``unshifted.csv``) and the same rows with a planted shift
  (``shifted.csv``);
- the ``curl`` example in ``README.md``, if it has one, and every mention of the old data
  file.

It refuses to replace data that ``adopt-data`` wrote before unless ``--force`` is given.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import schema
from ..artifacts import write_text
from ..config import Settings
from ..errors import DataError
from ..ingestion.main import as_categories, read_raw
from ..task import (
    adopt_target,
    default_thresholds,
    target_lines,
    target_summary,
    thresholds_review,
)

if TYPE_CHECKING:
    import pandas as pd

# Fewest rows with a target: enough for train, validation and test splits, and for two
# batches of new records that differ visibly when one is shifted.
MIN_ROWS = 100
# A text column with more distinct values than this is free text or an identifier.
MAX_CATEGORIES = 30
# Plausible ranges are the values seen, widened by this share of their span each side.
MARGIN = 0.5
# The line schema.py starts with once adopt-data wrote it.
MARKER = "Written by ``adopt-data`` from"
LINE = 100
# Files that may name the data file (the old name is replaced by the new one): text files
# outside hidden folders, the data and what git ignores (pipeline outputs, local stores).
TEXT_SUFFIXES = frozenset({".md", ".py", ".yaml", ".yml", ".toml", ".cfg", ".txt"})
NOT_SEARCHED = frozenset({"data", "node_modules"})
PARAMS_FILES = ("config/params.yaml", "deploy/k8s/base/params.yaml")


@dataclass
class Inferred:
    """What the table says about itself: the schema to write and what was left out."""

    target: str
    rows: int
    # The target's values, cleaned as the task wants them (numbers or class names).
    target_values: pd.Series
    numeric: dict[str, tuple[float, float]] = field(default_factory=dict)
    fractional: set[str] = field(default_factory=set)
    categorical: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)
    example: dict[str, int | float | str] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def nice(value: float, step: float, up: bool) -> float:
    """``value`` rounded outward to a multiple of ``step``, without float noise."""
    rounded = (math.ceil if up else math.floor)(value / step) * step
    digits = max(0, -math.floor(math.log10(step)))
    return round(rounded, digits) if digits else round(rounded)


def plausible_range(values: pd.Series, whole: bool) -> tuple[float, float]:
    """The values seen, widened by ``MARGIN`` of their span, rounded outward; never
    below zero for a column that holds no negative value."""
    low, high = float(values.min()), float(values.max())
    span = (high - low) or abs(high) or 1.0
    step = 10.0 ** (math.floor(math.log10(span * (1 + 2 * MARGIN))) - 1)
    if whole:
        step = max(step, 1.0)
    wide_low, wide_high = low - MARGIN * span, high + MARGIN * span
    if low >= 0:
        wide_low = max(wide_low, 0.0)
    return nice(wide_low, step, up=False), nice(wide_high, step, up=True)


def _identifier_like(name: str, numbers: pd.Series, rows: int) -> bool:
    """Every row holds a different whole number that counts up, or the name says id."""
    distinct = numbers.nunique()
    if distinct != rows or (numbers % 1 != 0).any():
        return False
    return bool(numbers.is_monotonic_increasing) or bool(re.search(r"(^|_)id$", name.lower()))


def _numbers(values: pd.Series) -> pd.Series | None:
    """The column as numbers, or None when some present value is not a number."""
    import pandas as pd

    if values.dtype == bool:
        return None
    numbers = pd.to_numeric(values, errors="coerce")
    if int((numbers.isna() & values.notna()).sum()):
        return None
    return numbers


def _example_value(values: pd.Series, whole: bool) -> int | float:
    median = float(values.median())
    return round(median) if whole else float(f"{median:.4g}")


def _check_target(frame: pd.DataFrame, target: str, where: str) -> pd.Series:
    """The target, once the table has it, enough rows and values that fit the task."""
    if target not in frame.columns:
        columns = ", ".join(map(repr, frame.columns[:20]))
        raise DataError(f"--target {target!r}: no such column in {where} (columns: {columns})")
    labelled = frame.dropna(subset=[target]).drop_duplicates(ignore_index=True)
    rows = len(labelled)
    if rows < MIN_ROWS:
        raise DataError(
            f"{where}: {rows} distinct rows with a target, fewer than the {MIN_ROWS} that "
            "train, validation and test splits and two batches of new records need"
        )
    return adopt_target(labelled[target], target)


def _add_column(inferred: Inferred, name: object, values: pd.Series) -> None:
    """Record ``name`` as a numeric or categorical feature, or as left out and why."""
    if not isinstance(name, str) or not name.strip():
        inferred.dropped[str(name)] = "no usable column name"
        return
    if values.dropna().nunique() <= 1:
        inferred.dropped[name] = "constant: one value or none"
        return
    numbers = _numbers(values)
    if numbers is not None:
        present = numbers.dropna()
        if _identifier_like(name, present, inferred.rows):
            inferred.dropped[name] = "identifier-like: a different whole number in every row"
            return
        whole = bool((present % 1 == 0).all())
        inferred.numeric[name] = plausible_range(present, whole)
        if not whole:
            inferred.fractional.add(name)
        inferred.example[name] = _example_value(present, whole)
        return
    text = as_categories(values).dropna()
    distinct = text.nunique()
    if distinct > MAX_CATEGORIES:
        inferred.dropped[name] = (
            f"identifier or free text: {distinct} distinct values "
            f"(a category column has at most {MAX_CATEGORIES})"
        )
        return
    inferred.categorical[name] = tuple(sorted(text.unique()))
    inferred.example[name] = str(text.mode().iloc[0])


def infer(frame: pd.DataFrame, target: str, where: str) -> Inferred:
    """Check the table and infer its schema; a refusal is one line naming the rule."""
    values = _check_target(frame, target, where)
    labelled = frame.dropna(subset=[target]).drop_duplicates(ignore_index=True)
    inferred = Inferred(target=target, rows=len(labelled), target_values=values)
    for name in labelled.columns:
        if name != target:
            _add_column(inferred, name, labelled[name])
    if not inferred.features:
        raise DataError(f"{where}: no usable feature column besides the target {target!r}")
    return inferred


def _literal(value: object) -> str:
    """A Python literal as ruff would format it: double-quoted strings, plain numbers."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _entries(
    name: str, annotation: str, items: list[tuple[str, str]], indent: str = "    "
) -> list[str]:
    """``NAME: annotation = {...}``, one key per line (ruff's magic trailing comma)."""
    if not items:
        return [f"{name}: {annotation} = " + "{}"]
    lines = [f"{name}: {annotation} = " + "{"]
    for key, value in items:
        line = f"{indent}{key}: {value},"
        if len(line) > LINE and value.startswith("(") and value.endswith(")"):
            parts = [part.strip() for part in value[1:-1].split(", ") if part.strip()]
            lines.append(f"{indent}{key}: (")
            lines.extend(f"{indent * 2}{part.rstrip(',')}," for part in parts)
            lines.append(f"{indent}),")
        else:
            lines.append(line)
    return [*lines, "}"]


def pair(bounds: tuple[float, float]) -> str:
    return f"({_literal(bounds[0])}, {_literal(bounds[1])})"


def _tuple(values: tuple[str, ...]) -> str:
    inner = ", ".join(_literal(value) for value in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"


def _fractional(names: list[str]) -> list[str]:
    head = "FRACTIONAL: frozenset[str] = frozenset("
    if not names:
        return [f"{head})"]
    one_line = head + "{" + ", ".join(map(_literal, names)) + "})"
    if len(one_line) <= LINE:
        return [one_line]
    return [head, "    {", *(f"        {_literal(name)}," for name in names), "    }", ")"]


def schema_source(inferred: Inferred, data_file: str) -> str:
    """The text of ``schema.py`` for ``inferred``: the same names the bundled one has."""
    numeric = [(_literal(name), pair(bounds)) for name, bounds in inferred.numeric.items()]
    categorical = [
        (_literal(name), _tuple(values)) for name, values in inferred.categorical.items()
    ]
    example = [(_literal(name), _literal(inferred.example[name])) for name in inferred.features]
    lines = [
        '"""The data schema in one place: columns, kinds, allowed values and plausible ranges.',
        "",
        f"{MARKER} {data_file} ({inferred.rows} distinct rows with a target).",
        "Review it: each range is the values seen widened by half their span, each category",
        "list holds the values seen. Every stage reads it. Only the standard library is",
        "imported, so every module can use it without loading pandas.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"TARGET = {_literal(inferred.target)}",
        "",
        "# Numeric features -> (lowest, highest) plausible value; "
        "whole numbers unless listed below.",
        *_entries("NUMERIC", "dict[str, tuple[float, float]]", numeric),
        "# Numeric features that may hold fractions.",
        *_fractional(sorted(inferred.fractional)),
        "",
        "# Categorical features -> allowed values, written in lower case.",
        *_entries("CATEGORICAL", "dict[str, tuple[str, ...]]", categorical),
        *target_lines(inferred.target_values),
        "",
        "FEATURES: tuple[str, ...] = (*NUMERIC, *CATEGORICAL)",
        "COLUMNS: tuple[str, ...] = (TARGET, *FEATURES)",
        "",
        "# One plausible record (medians and most frequent values), for the API docs and examples.",
        *_entries("EXAMPLE", "dict[str, int | float | str]", example),
    ]
    if inferred.dropped:
        lines += ["", "# Columns of the CSV left out, and why:"]
        lines += [f"# - {name}: {reason}" for name, reason in inferred.dropped.items()]
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: str | float) -> str:
    if isinstance(value, str) and not re.fullmatch(r"[A-Za-z0-9_./:-]+", value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def set_params(text: str, values: dict[str, str | float], where: str) -> str:
    """Replace the value of each indented ``key:`` line and keep its comment."""
    for key, value in values.items():
        pattern = re.compile(rf"^( +{re.escape(key)}: )(?:\"[^\"]*\"|[^\s#]+)(.*)$", re.MULTILINE)
        scalar = _yaml_scalar(value)
        text, count = pattern.subn(lambda match, new=scalar: match[1] + new + match[2], text)
        if count != 1:
            raise DataError(f"{where}: no single `{key}:` line to update; set it by hand")
    return text


@dataclass
class Plan:
    """Every file adopt-data writes, with its new text, and the files it removes."""

    texts: dict[Path, str] = field(default_factory=dict)
    copies: dict[Path, Path] = field(default_factory=dict)
    removals: list[Path] = field(default_factory=list)


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def _check_overwrite(
    schema_file: Path, destination: Path, source: Path, old_path: Path, force: bool
) -> None:
    """Without ``--force``, keep what adopt-data wrote before and any other file."""
    if force:
        return
    if MARKER in schema_file.read_text(encoding="utf-8"):
        raise DataError(
            f"{schema_file.name}: already written by adopt-data; "
            "pass --force to replace it and the data it describes"
        )
    if destination.exists() and destination.resolve() not in {
        source.resolve(),
        old_path.resolve(),
    }:
        raise DataError(f"{destination}: already exists; pass --force to overwrite it")


def _plan_params(plan: Plan, root: Path, values: dict[str, str | float]) -> None:
    for name in PARAMS_FILES:
        path = root / name
        if path.is_file():
            plan.texts[path] = set_params(path.read_text(encoding="utf-8"), values, name)


def _plan_mentions(
    plan: Plan, root: Path, old_source: str, data_file: str, example: dict[str, Any]
) -> None:
    """The old data file's name replaced wherever it is mentioned; the README's ``curl``."""
    for path in _text_files(root, root, _ignored(root)):
        text = plan.texts.get(path) or path.read_text(encoding="utf-8")
        changed = text.replace(old_source, data_file)
        if path == root / "README.md":
            changed = _request_example(changed, example)
        if changed != text:
            plan.texts[path] = changed


def _ignored(root: Path) -> list[str]:
    """The plain patterns of the project's ``.gitignore`` (no negations)."""
    gitignore = root / ".gitignore"
    if not gitignore.is_file():
        return []
    lines = gitignore.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and line.strip()[0] not in "#!"]


def _is_ignored(relative: str, name: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        bare = pattern.strip("/")
        anchored = pattern.startswith("/") or "/" in bare
        if fnmatch.fnmatch(relative if anchored else name, bare):
            return True
    return False


def _text_files(folder: Path, root: Path, ignored: list[str]) -> list[Path]:
    found = []
    for path in sorted(folder.iterdir()):
        relative = path.relative_to(root).as_posix()
        if path.name.startswith(".") or path.name in NOT_SEARCHED:
            continue
        if _is_ignored(relative, path.name, ignored):
            continue
        if path.is_dir():
            found += _text_files(path, root, ignored)
        elif path.suffix in TEXT_SUFFIXES:
            found.append(path)
    return found


def _apply(plan: Plan) -> None:
    for destination, origin in plan.copies.items():
        write_text(destination, origin.read_text(encoding="utf-8"))
    for path, text in plan.texts.items():
        write_text(path, text)
    for path in plan.removals:
        path.unlink()


def adopt(csv: str, target: str, root: Path, settings: Settings, force: bool = False) -> list[str]:
    """Check everything and plan every file, then write; return the lines to print."""
    if re.match(r"[a-z]+://", csv):
        raise DataError(f"{csv}: not a local file; download it, then adopt the copy")
    package = schema.__name__.rpartition(".")[0]
    schema_file = root / "src" / package / "schema.py"
    if not schema_file.is_file():
        raise DataError(f"{schema_file}: not found; run adopt-data in the project's folder")
    frame = read_raw(csv)
    inferred = infer(frame, target, csv)
    source = Path(csv)
    destination = root / "data" / "raw" / source.name
    data_file = _relative(destination, root)
    old_path = root / settings.data.source
    _check_overwrite(schema_file, destination, source, old_path, force)

    plan = Plan()
    plan.texts[schema_file] = schema_source(inferred, data_file)
    if not (destination.exists() and destination.resolve() == source.resolve()):
        plan.copies[destination] = source
    replaced = old_path.is_file() and old_path.resolve() != destination.resolve()
    if replaced and old_path.resolve().parent == destination.parent.resolve():
        plan.removals.append(old_path)
    thresholds = default_thresholds(inferred.target_values)
    _plan_params(plan, root, {"source": data_file, "target": target, **thresholds})
    from .batches import planned_batches

    plan.texts.update(planned_batches(root, frame, inferred, settings))
    _plan_mentions(plan, root, settings.data.source, data_file, inferred.example)
    plan.texts[destination.parent / "README.md"] = _raw_readme(inferred, source.name, len(frame))
    _apply(plan)
    return _summary(inferred, plan, root, thresholds, data_file, package)


def _request_example(readme: str, example: dict[str, Any]) -> str:
    """The JSON body of the README's ``curl .../predict`` line, from the new example."""
    body = json.dumps(example, ensure_ascii=False).replace("'", "'\\''")
    return re.sub(
        r"(curl [^\n]*/predict[^\n]* -d ')[^\n]*(')",
        lambda match: match[1] + body + match[2],
        readme,
    )


def _raw_readme(inferred: Inferred, name: str, rows: int) -> str:
    dropped = ", ".join(f"`{column}`" for column in inferred.dropped) or "none"
    return (
        "# Raw input data\n\n"
        f"`{name}`: {rows} rows, adopted with `adopt-data`. The target is `{inferred.target}`; "
        f"{len(inferred.features)} feature columns are described in `schema.py`; "
        f"columns left out: {dropped}.\n\n"
        "To adopt another table, run `adopt-data CSV --target COLUMN --force`.\n"
    )


def _summary(
    inferred: Inferred,
    plan: Plan,
    root: Path,
    thresholds: dict[str, float],
    data_file: str,
    package: str,
) -> list[str]:
    def ranges(names: dict[str, tuple[float, float]]) -> str:
        return ", ".join(f"{name} {pair(bounds)}" for name, bounds in names.items())

    lines = [
        f"adopted {data_file}: {inferred.rows} distinct rows with a target, "
        f"target {inferred.target!r} ({target_summary(inferred.target_values)}), "
        f"{len(inferred.features)} features",
    ]
    whole = {name: b for name, b in inferred.numeric.items() if name not in inferred.fractional}
    fractional = {name: b for name, b in inferred.numeric.items() if name in inferred.fractional}
    if whole:
        lines.append(f"  whole numbers: {ranges(whole)}")
    if fractional:
        lines.append(f"  fractional numbers: {ranges(fractional)}")
    for name, allowed in inferred.categorical.items():
        lines.append(f"  categorical: {name} {', '.join(allowed)}")
    for name, reason in inferred.dropped.items():
        lines.append(f"  left out: {name} ({reason})")
    written = [_relative(path, root) for path in (*plan.copies, *plan.texts)]
    lines.append(f"wrote {', '.join(written)}")
    if plan.removals:
        removed = ", ".join(_relative(path, root) for path in plan.removals)
        lines.append(f"removed {removed} (the data it replaces; git keeps it)")
    lines.append(
        f"review: src/{package}/schema.py (ranges and categories), and the gate's "
        f"evaluation.thresholds in config/params.yaml: {thresholds_review(thresholds)}"
    )
    lines.append("then: make pipeline, make test")
    return lines


def run(settings: Settings, csv: str, target: str, force: bool = False) -> int:
    """Adopt ``csv`` with ``target`` as the column to predict; print what was inferred."""
    for line in adopt(csv, target, Path.cwd(), settings, force=force):
        print(line)
    return 0
