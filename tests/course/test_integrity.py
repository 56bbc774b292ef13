"""The integrity proof, per lab: the committed starter fails, for each bug, every check mapped to it;
the solution passes every check. Runs on the committed starter, so a learner's edits don't matter."""

from __future__ import annotations

import pytest

from course.integrity import prove
from course.registry import all_labs
from programs import require_program


@pytest.mark.slow
@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.slug)
def test_starter_is_broken_by_each_bug_and_solution_is_green(lab) -> None:
    require_program("git", "apt-get install git")
    proof = prove(lab)
    assert proof.starter is not None, proof.starter_note
    assert proof.ok, "\n".join(proof.problems())
    starter_errors = [r for r in proof.starter.results if r.outcome in ("error", "missing")]
    assert not starter_errors, (
        f"{lab.slug}: the starter must import and run; these checks could not: "
        + "; ".join(f"{r.check}: {r.message}" for r in starter_errors))


def test_committed_starters_are_lint_clean(tmp_path) -> None:
    """Starters are real code: ruff-clean as committed, whatever a learner did to labs/."""
    import subprocess
    import sys
    from pathlib import Path

    from course.paths import REPO_ROOT
    from course.starters import export_committed

    require_program("git", "apt-get install git")
    starters = [export_committed(f"labs/{lab.slug}", tmp_path) for lab in all_labs()]
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--config", str(REPO_ROOT / "pyproject.toml"),
                             *map(str, starters)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
