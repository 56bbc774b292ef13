"""Class grading holds against the labs' own code: a roster of learner copies (a solution, the
starter, and the starter with each forgery an adversarial learner would try) graded at once by
the engine of `course grade`. Each forgery grades as failed, exactly as the plain starter does,
and is flagged; the solution in the same roster passes every check, unflagged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.engine.registry import find_lab
from course.engine.starters import export_committed
from course.instructor.grade import Engine, LearnerGrade
from course.instructor.grading_sandbox import sandbox_problem

LAB = "01-asgi-uvicorn"

# Appended to the starter's app/main.py: what runs in every process that imports the lab.
IN_LAB = {
    "collector": '''
import sys as _sys
try:
    import harness.verdicts as _verdicts
except ImportError:
    _verdicts = _sys.modules.get("harness.verdicts")
if _verdicts is not None:
    _record = _verdicts.VerdictCollector.record
    _verdicts.VerdictCollector.record = (
        lambda self, check, outcome, message, seconds: _record(self, check, "passed", "", seconds))
''',
    "report": '''
import json as _json, os as _os, sys as _sys
# Where the verdicts go: pytest's settings, found up the stack of this import where it is the
# checks' own process.
_paths = []
_frame = _sys._getframe()
while _frame is not None:
    for _value in list(_frame.f_locals.values()):
        _option = getattr(getattr(_value, "config", _value), "option", None)
        if getattr(_option, "course_report", None):
            _paths.append(str(_option.course_report))
    _frame = _frame.f_back
_checks = ["export_streams_every_appointment", "any_streamed_response_arrives_whole",
           "failures_answer_as_before", "front_desk_websocket_answers_check_ins",
           "directory_is_loaded_at_startup", "answers_keep_request_id_timing_and_etag",
           "health_answers_while_insurer_is_slow", "streams_of_any_shape_arrive_whole"]
for _path in _paths:
    try:
        with open(_path, "w") as _out:
            _json.dump({"checks": [{"check": c, "outcome": "passed", "message": "",
                                    "seconds": 0.1} for c in _checks]}, _out)
        _os._exit(0)
    except OSError:
        pass
''',
    "kill-the-grader": '''
import os as _os, signal as _signal
# The checks' own processes (found by their command line: pytest's, or the warm interpreter's
# that forks them), the parent and the group: never anything else, even where a sandbox would
# be missing.
for _pid in [p for p in _os.listdir("/proc") if p.isdigit() and int(p) != _os.getpid()]:
    try:
        _cmdline = open(f"/proc/{_pid}/cmdline", "rb").read()
        if b"--course-report" in _cmdline or b"_pytest.python" in _cmdline:
            _os.kill(int(_pid), _signal.SIGKILL)
    except OSError:
        pass
for _kill in (lambda: _os.kill(_os.getppid(), _signal.SIGKILL),
              lambda: _os.killpg(0, _signal.SIGKILL)):
    try:
        _kill()
    except OSError:
        pass
''',
    "fork-bomb": '''
import os as _os, time as _time
for _ in range(100_000):
    try:
        if _os.fork() == 0:
            _time.sleep(600)
            _os._exit(0)
    except OSError:
        break
''',
    "fill-the-disk": '''
import os as _os
for _folder in ("/tmp", "/dev/shm", _os.getcwd(), _os.path.expanduser("~")):
    try:
        with open(_os.path.join(_folder, f"filler-{_os.getpid()}"), "wb") as _out:
            while True:
                _out.write(b"x" * (1 << 20))
    except OSError:
        pass
''',
    "infinite-output": '''
import sys as _sys, threading as _threading
def _shout():
    while True:
        print("all checks passed " * 20, flush=True)
_threading.Thread(target=_shout, daemon=True).start()
''',
}

# Outside labs/: what a learner's copy could carry into a grader that used it.
IN_COPY = {
    "conftest-in-checks": ("tests/checks/conftest.py", '''
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    return report
'''),
    "conftest-at-root": ("conftest.py", '''
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    return report
'''),
    "edited-checks": ("tests/checks/test_01_asgi_uvicorn.py", '''
def test_export_streams_every_appointment():
    pass
'''),
    "pth-in-venv": (".venv/lib/python3.11/site-packages/zzz_forge.pth",
                    "import os; os.environ['COURSE_FORGED'] = '1'\n"),
}


def learner_copy(root: Path, name: str) -> Path:
    """The course as committed, as a learner would have cloned it."""
    copy = root / name
    export_committed(".", copy)
    return copy


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LearnerGrade]:
    problem = sandbox_problem()
    assert not problem, f"no sandbox on this machine: {problem} (.ci/run installs bubblewrap)"
    root = tmp_path_factory.mktemp("roster")
    lab = find_lab("01")
    copies = {"solution": learner_copy(root, "solution"), "starter": learner_copy(root, "starter")}
    shutil.rmtree(copies["solution"] / "labs" / LAB)
    shutil.copytree(lab.solution_dir, copies["solution"] / "labs" / LAB,
                    ignore=shutil.ignore_patterns("__pycache__"))
    copies["solution-again"] = learner_copy(root, "solution-again")
    shutil.rmtree(copies["solution-again"] / "labs" / LAB)
    shutil.copytree(copies["solution"] / "labs" / LAB, copies["solution-again"] / "labs" / LAB)
    (copies["solution-again"] / "labs" / LAB / "__pycache__").mkdir(exist_ok=True)  # not graded
    for name, code in IN_LAB.items():
        copies[name] = learner_copy(root, name)
        main = copies[name] / "labs" / LAB / "app" / "main.py"
        main.write_text(main.read_text() + code)
    for name, (relative, text) in IN_COPY.items():
        copies[name] = learner_copy(root, name)
        (copies[name] / relative).parent.mkdir(parents=True, exist_ok=True)
        (copies[name] / relative).write_text(text)
    with Engine() as engine:
        graded = engine.grade(list(copies.values()), [lab])
    return {grade.name: grade for grade in graded}


def verdicts(grade: LearnerGrade) -> dict[str, str]:
    return {result.check: result.outcome for result in grade.labs[0].run.results}


def test_the_solution_passes_every_check_unflagged(roster: dict[str, LearnerGrade]) -> None:
    solution = roster["solution"]
    assert solution.labs[0].run.ok, verdicts(solution)
    assert not solution.tampered and not solution.labs[0].flags, (
        solution.tampered, solution.labs[0].flags)


def test_the_starter_fails_its_bugs_checks(roster: dict[str, LearnerGrade]) -> None:
    starter = roster["starter"]
    failed = [check for check, outcome in verdicts(starter).items() if outcome != "passed"]
    assert failed and not starter.labs[0].run.ok
    assert not starter.tampered and not starter.labs[0].flags


@pytest.mark.parametrize("forgery", [*IN_LAB, *IN_COPY])
def test_a_forgery_grades_as_failed_and_is_flagged(roster: dict[str, LearnerGrade],
                                                   forgery: str) -> None:
    grade, starter = roster[forgery], roster["starter"]
    graded = verdicts(grade)
    assert set(graded) == set(verdicts(starter)), graded
    forged = [check for check, outcome in verdicts(starter).items()
              if outcome != "passed" and graded[check] == "passed"]
    assert not forged, f"{forgery}: {forged} passed, though they fail on the starter"
    assert not grade.labs[0].run.ok
    assert grade.tampered or grade.labs[0].flags, f"{forgery} was not flagged"


def test_an_identical_lab_is_graded_once_and_a_changed_one_again(
        roster: dict[str, LearnerGrade]) -> None:
    again, solution = roster["solution-again"].labs[0], roster["solution"].labs[0]
    assert again.same_as == "solution" and not solution.same_as
    assert verdicts(roster["solution-again"]) == verdicts(roster["solution"])
    assert again.run.target.startswith(str(roster["solution-again"].copy))
    assert again.to_json()["same_as"] == "solution"
    for forgery in IN_LAB:  # each differs from the starter by its few lines
        assert not roster[forgery].labs[0].same_as, forgery


def test_the_pristine_checks_are_compiled_for_the_sandbox(tmp_path: Path) -> None:
    """pytest, in the sandbox, reads the rewritten checks from the pycs made once per grading
    (course/instructor/precompiled.py) and compiles nothing while the sources are the same."""
    from _pytest.assertion.rewrite import _read_pyc

    from course.instructor.grading_sandbox import INSIDE
    from course.instructor.precompiled import precompile, pytest_pyc, rewritten_by_pytest

    export_committed("tests/checks", tmp_path)
    sources = sorted(tmp_path.rglob("*.py"))
    assert precompile(tmp_path, INSIDE) == len(sources)
    rewritten = [path for path in sources if rewritten_by_pytest(path)]
    assert any(path.name == "conftest.py" for path in rewritten)
    assert any(path.name == "test_01_asgi_uvicorn.py" for path in rewritten)
    for path in rewritten:
        assert _read_pyc(path, pytest_pyc(path)) is not None, path
    edited = rewritten[0]
    edited.write_text(edited.read_text() + "\n# changed\n")
    assert _read_pyc(edited, pytest_pyc(edited)) is None  # a pyc holds for its source only


def test_without_the_sandbox_the_in_lab_forgeries_do_forge(tmp_path: Path) -> None:
    """What the sandbox stops is real: graded in plain processes, the collector and report
    forgeries turn the starter green (and the result says it was not sandboxed)."""
    lab = find_lab("01")
    copies = []
    for name in ("collector", "report"):
        copy = learner_copy(tmp_path, name)
        main = copy / "labs" / LAB / "app" / "main.py"
        main.write_text(main.read_text() + IN_LAB[name])
        copies.append(copy)
    with Engine(sandboxed=False) as engine:
        graded = engine.grade(copies, [lab])
    for grade in graded:
        assert grade.labs[0].run.ok, (grade.name, verdicts(grade))
        assert any("without a sandbox" in flag for flag in grade.labs[0].flags)


def test_grade_refuses_where_no_sandbox_can_be_made(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import course.instructor.grading_sandbox
    from course.cli import app

    monkeypatch.setattr(course.instructor.grading_sandbox, "bwrap", lambda: None)
    copy = tmp_path / "someone"
    (copy / "labs").mkdir(parents=True)
    result = CliRunner().invoke(app, ["grade", str(copy), "--lab", "01"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "no sandbox can be made here: bubblewrap (bwrap) is not installed" in said
    assert "--unsandboxed" in said
