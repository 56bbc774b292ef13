"""The `course` command line, run as a learner runs it, in a throwaway copy of the course."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from copies import run_course

pytestmark = pytest.mark.slow
LAB = "01-asgi-uvicorn"


def bug_checks(copy: Path) -> set[str]:
    """The checks of lab.toml's bugs that `course check` runs (the instructor-only ones are
    for `course grade`): they fail on the starter (a promise's pass there)."""
    from course.engine.registry import load_lab

    lab = load_lab(copy / "labs" / LAB / "lab.toml")
    return {check for bug in lab.bugs for check in bug.checks} & set(lab.learner_checks)


def test_check_on_the_starter_names_each_symptom_and_exits_1(course_copy: Path) -> None:
    result = run_course(course_copy, "check", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for check in bug_checks(course_copy):
        line = next((ln for ln in result.stdout.splitlines() if ln.strip().endswith(check)), None)
        assert line and "✗" in line, f"{check} not reported as failing:\n{result.stdout}"
    assert " failed" in result.stdout.splitlines()[-1] or "failed" in result.stdout


def test_check_on_the_solution_exits_0(course_copy: Path) -> None:
    result = run_course(course_copy, "check", "asgi", "--target", "solutions")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout


def test_check_json_is_for_machines(course_copy: Path) -> None:
    result = run_course(course_copy, "check", "01", "--json")
    payload = json.loads(result.stdout)
    assert payload["lab"] == "01" and payload["failed"] >= 1
    failing = {c["id"] for c in payload["checks"] if c["outcome"] != "passed"}
    assert bug_checks(course_copy) <= failing
    assert all(c["message"] for c in payload["checks"] if c["outcome"] != "passed")


@pytest.mark.parametrize("key", ["99", "no-such-lab"])
def test_unknown_labs_are_a_usage_error(course_copy: Path, key: str) -> None:
    result = run_course(course_copy, "check", key)
    assert result.returncode == 2
    assert "no lab matches" in result.stderr and "Traceback" not in result.stderr


CRASHES = {  # what the lab's first request does, and how course check then says it
    "segfault": ("import ctypes\n    ctypes.string_at(0)", "segmentation fault"),
    "kills-its-parent": ("import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)",
                         "killed by SIGKILL"),
}


@pytest.mark.parametrize("crash", CRASHES)
def test_a_lab_that_crashes_the_run_fails_and_its_progress_follows(course_copy: Path,
                                                                   crash: str) -> None:
    """The tool itself survives: it prints a verdict for every check, exits 1, and records
    the run (killing the checks' parent ends a relay, not `course check`)."""
    code, said = CRASHES[crash]
    lab = course_copy / "labs" / LAB
    shutil.rmtree(lab / "app")
    shutil.copytree(course_copy / "solutions" / LAB / "app", lab / "app")
    assert run_course(course_copy, "check", "01").returncode == 0
    main = lab / "app" / "main.py"
    main.write_text(main.read_text() + '\n@app.middleware("http")\nasync def end_it(request, call_next):'
                    f"\n    {code}\n")
    result = run_course(course_copy, "check", "01")
    assert result.returncode == 1, result.stdout + result.stderr
    assert said in result.stdout and "Traceback" not in result.stdout + result.stderr
    row = next(line for line in run_course(course_copy, "list").stdout.splitlines() if LAB in line)
    passing, total = re.search(r"(\d+)/(\d+)", row).groups()
    assert passing == "0" and total != "0", row


def test_list_shows_progress_after_a_check(course_copy: Path) -> None:
    before = run_course(course_copy, "list")
    assert before.returncode == 0 and "not checked" in before.stdout
    run_course(course_copy, "check", "01")
    after = run_course(course_copy, "list")
    row = next(line for line in after.stdout.splitlines() if LAB in line)
    assert "/" in row and "not checked" not in row


def test_hints_unlock_one_at_a_time(course_copy: Path) -> None:
    outputs = [run_course(course_copy, "hint", "01").stdout for _ in range(4)]
    assert "hint 1/" in outputs[0] and "hint 2/" not in outputs[0]
    assert "hint 1/" in outputs[1] and "hint 2/" in outputs[1]
    assert "last hint" in outputs[3]
    assert outputs[2].count("hint ") <= outputs[3].count("hint ")


def test_the_hint_is_for_the_first_failing_check_as_check_prints_them(course_copy: Path) -> None:
    """Not the first bug of lab.toml: on the starter, the first check printed (the export's)
    belongs to another bug than the first one listed (the insurer's)."""
    from course.engine.registry import load_lab

    lab = load_lab(course_copy / "labs" / LAB / "lab.toml")
    printed = json.loads(run_course(course_copy, "check", "01", "--json").stdout)["checks"]
    first = next(check["id"] for check in printed if check["outcome"] != "passed")
    (bug, *_) = lab.bugs_caught_by(first)
    hinted = run_course(course_copy, "hint", "01")
    assert hinted.returncode == 0, hinted.stderr
    assert hinted.stdout.startswith(f"Lab 01 · {bug.symptom}"), hinted.stdout
    assert f"hint 1/{len(bug.hints)}" in hinted.stdout


def test_a_hint_for_the_bug_or_check_named(course_copy: Path) -> None:
    from course.engine.registry import load_lab

    lab = load_lab(course_copy / "labs" / LAB / "lab.toml")
    bug = lab.bugs[-1]
    by_bug = run_course(course_copy, "hint", "01", bug.id)
    assert by_bug.returncode == 0 and by_bug.stdout.startswith(f"Lab 01 · {bug.symptom}")
    by_check = run_course(course_copy, "hint", "01", bug.checks[-1])
    assert "hint 2/" in by_check.stdout and bug.symptom in by_check.stdout, by_check.stdout
    promise = lab.promises[0]
    kept = run_course(course_copy, "hint", "01", promise.checks[0])
    assert "the brief says this keeps working" in kept.stdout and "hint 1/" not in kept.stdout
    unknown = run_course(course_copy, "hint", "01", "no-such-bug")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.count("\n") == 1, unknown.stderr
    assert all(name in unknown.stderr for name in [b.id for b in lab.bugs] + lab.learner_checks)


def test_a_fix_that_breaks_a_promise_is_told_which(course_copy: Path) -> None:
    """No hint hides there: `course hint` says what the brief promised, which worked before."""
    lab = course_copy / "labs" / LAB
    shutil.rmtree(lab / "app")
    shutil.copytree(course_copy / "solutions" / LAB / "app", lab / "app")
    main = lab / "app" / "main.py"
    main.write_text(main.read_text().replace("    app.add_middleware(ETagMiddleware)\n", ""))
    result = run_course(course_copy, "hint", "01")
    assert "the brief says this keeps working" in result.stdout, result.stdout
    assert "ETag" in result.stdout and "hint 1/" not in result.stdout


def test_diff_waits_for_a_passing_lab_unless_forced(course_copy: Path) -> None:
    refused = run_course(course_copy, "diff", "01")
    assert refused.returncode == 1 and "--force" in refused.stderr
    forced = run_course(course_copy, "diff", "01", "--force")
    assert forced.returncode == 0 and "+++ solution/" in forced.stdout
    shutil.rmtree(course_copy / "labs" / LAB / "app")
    shutil.copytree(course_copy / "solutions" / LAB / "app", course_copy / "labs" / LAB / "app")
    allowed = run_course(course_copy, "diff", "01")
    assert allowed.returncode == 0 and "identical" in allowed.stdout


def test_reset_backs_up_then_restores_the_starter(course_copy: Path) -> None:
    main = course_copy / "labs" / LAB / "app" / "main.py"
    committed = main.read_text()
    main.write_text(committed + "\n# my work in progress\n")
    (main.parent / "notes_of_mine.py").write_text("IDEA = 1\n")
    for _ in range(2):
        result = run_course(course_copy, "reset", "01")
        assert result.returncode == 0, result.stderr
    assert main.read_text() == committed
    assert not (main.parent / "notes_of_mine.py").exists()
    backups = sorted((course_copy / ".course" / "backups" / LAB).iterdir())
    assert len(backups) == 2, "each reset keeps its own backup"
    assert "my work in progress" in (backups[0] / "app" / "main.py").read_text()
    assert (backups[0] / "app" / "notes_of_mine.py").exists()
    assert str(backups[1].relative_to(course_copy)) in result.stdout.replace("\n", "")


def test_reset_without_git_history_changes_nothing(course_copy: Path) -> None:
    shutil.rmtree(course_copy / ".git")
    main = course_copy / "labs" / LAB / "app" / "main.py"
    main.write_text(main.read_text() + "\n# keep me\n")
    result = run_course(course_copy, "reset", "01")
    assert result.returncode == 2 and "no git history" in result.stderr
    assert "# keep me" in main.read_text()


def test_verify_prints_the_integrity_table(course_copy: Path) -> None:
    """The table, for one lab: every lab's proof is test_integrity's, made once."""
    result = run_course(course_copy, "verify", "01", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 lab proven." in result.stdout and LAB in result.stdout, result.stdout
