"""The integrity proof, per lab: the committed starter fails, for each bug, every check mapped to it;
the solution passes every check. Runs on the committed starter, so a learner's edits don't matter."""

from __future__ import annotations

import pytest

from course.engine.registry import all_labs
from course.proof.integrity import prove
from programs import require_program


@pytest.mark.slow
@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.slug)
def test_starter_is_broken_by_each_bug_and_solution_is_green(lab, warm_pool) -> None:
    require_program("git", "apt-get install git")
    proof = prove(lab, launcher=warm_pool.launch)
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

    from course.engine.paths import REPO_ROOT
    from course.engine.starters import export_committed

    require_program("git", "apt-get install git")
    starters = [export_committed(f"labs/{lab.slug}", tmp_path) for lab in all_labs()]
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--config", str(REPO_ROOT / "pyproject.toml"),
                             *map(str, starters)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:]


def history_removed(copy) -> None:
    import shutil

    shutil.rmtree(copy / ".git")


def history_never_made(copy) -> None:
    import shutil
    import subprocess

    shutil.rmtree(copy / ".git")
    subprocess.run(["git", "-C", str(copy), "init", "-q"], check=True)


@pytest.mark.slow
@pytest.mark.parametrize("without", [history_removed, history_never_made],
                         ids=["no .git", "no commit"])
def test_verify_without_history_says_which_half_it_could_not_prove(course_copy, without) -> None:
    """The starters' half needs the committed starters: without them `course verify` exits 2,
    names that half, and never calls the lab proven; the solutions' half is still graded."""
    from copies import run_course

    require_program("git", "apt-get install git")
    without(course_copy)
    result = run_course(course_copy, "verify", "01", timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "proven." not in output and "Traceback" not in output, output
    said = [line for line in result.stderr.splitlines() if "starters" in line]
    assert said and "not proven" in said[0] and "git history" in said[0], result.stderr
    assert "solutions" in said[0] and "green" in said[0], result.stderr


def test_a_proof_without_its_starter_half_does_not_hold() -> None:
    from course.engine.runner import CheckResult, CheckRun
    from course.proof.integrity import LabProof

    lab = all_labs()[0]
    solution = CheckRun(lab, "solutions", [CheckResult(c, "passed") for c in lab.mapped_checks], 1.0)
    proof = LabProof(lab, solution, None, "starter not proven: no git history")
    assert not proof.ok
    assert any("starter not proven" in problem for problem in proof.problems())
