"""The hooks' own functions, imported from the rendered hooks (``load_hook``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .template import DEFAULTS, INSTANCES, POST_GEN, PRE_GEN, ROOT

MANIFEST = {
    "monitoring": {"evidently": ["monitor.py", "dags/monitoring_dag.py"]},
    "orchestrator": {"airflow": ["dags", "dags/monitoring_dag.py"], "none": ["cron.yaml"]},
}


@pytest.mark.parametrize(
    ("monitoring", "orchestrator", "unselected"),
    [
        ("evidently", "airflow", ["cron.yaml"]),
        ("evidently", "none", ["dags", "dags/monitoring_dag.py"]),
        ("none", "airflow", ["cron.yaml", "dags/monitoring_dag.py", "monitor.py"]),
        ("none", "none", ["dags", "dags/monitoring_dag.py", "monitor.py"]),
    ],
)
def test_a_path_survives_only_when_every_option_listing_it_chose_it(
    monitoring: str, orchestrator: str, unselected: list[str]
) -> None:
    answers = {"monitoring": monitoring, "orchestrator": orchestrator}
    assert POST_GEN.unselected_paths(MANIFEST, answers) == unselected


def test_remove_takes_empty_parents_but_not_the_project(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "gone.py").write_text("", encoding="utf-8")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "gone").mkdir()
    (tmp_path / "kept" / "stays.py").write_text("", encoding="utf-8")
    POST_GEN.remove(tmp_path, "a/b/gone.py")
    POST_GEN.remove(tmp_path, "kept/gone")
    POST_GEN.remove(tmp_path, "never/there.py")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "kept",
        "kept/stays.py",
    ]


def test_pipeline_stages_are_read_from_the_generated_stage_packages() -> None:
    package = Path("src", "house_price_model")
    stages = {
        name: POST_GEN.pipeline_stages(ROOT / "examples" / name / package) for name in INSTANCES
    }
    assert stages == {
        "default": ["ingest", "validate", "train", "evaluate", "register"],
        "everything-on": ["ingest", "validate", "train", "evaluate", "register"],
        "everything-off": ["ingest", "train", "evaluate", "register"],
    }


def test_next_steps_name_only_the_chosen_stages() -> None:
    everything_off = {**DEFAULTS, "package_name": "pkg", **INSTANCES["everything-off"]}
    default = POST_GEN.next_steps(
        {**DEFAULTS, "package_name": "pkg"}, "folder", ["ingest", "validate", "train"]
    )
    off = POST_GEN.next_steps(everything_off, "folder", ["ingest", "train"])
    assert "  make pipeline    # dvc repro: ingest, validate, train, on the bundled data" in default
    assert "  make pipeline    # ingest, train, on the bundled data" in off
    assert any(line.startswith("  make serve ") for line in default)
    assert not any("serve" in line for line in off)


def test_validate_accepts_the_defaults_and_names_the_first_bad_field() -> None:
    answers = {**DEFAULTS, "project_name": "A", "project_slug": "ab", "package_name": "ab"}
    answers |= {"description": "d", "author_name": "n", "author_email": "n@a.io"}
    answers |= {"organisation": "org"}
    PRE_GEN.validate(answers)
    with pytest.raises(PRE_GEN.Refusal, match=r"^package_name='json': must not shadow"):
        PRE_GEN.validate({**answers, "package_name": "json"})
    with pytest.raises(PRE_GEN.Refusal, match=r"^serving='kserve': cannot be combined"):
        PRE_GEN.validate({**answers, "serving": "kserve", "experiment_tracking": "none"})
