"""Plain pytest grades a lab as `course check` does, from any working directory and --rootdir:
the same plugins, warning filters and per-check timeout, all from tests/checks/pytest.toml."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from course.engine.paths import CHECKS_DIR, REPO_ROOT, SOLUTIONS_DIR
from course.engine.registry import find_lab
from course.engine.runner import run_checks

pytestmark = pytest.mark.slow
LAB = find_lab("01")
PER_CHECK_TIMEOUT = float(tomllib.loads((CHECKS_DIR / "pytest.toml").read_text())["pytest"]["timeout"])
VERDICT = re.compile(r"^(PASS|FAIL|SKIP)  (\w+)$", re.MULTILINE)

# A solution that warns: at import, at startup and on every /health, as code calling a
# deprecated API does. A warning is no verdict on the lab.
WARNS = [
    ("app/main.py", 'logger = logging.getLogger("clinic")\n',
     'logger = logging.getLogger("clinic")\n'
     'import warnings\nwarnings.warn("imported", DeprecationWarning, stacklevel=1)\n'),
    ("app/main.py", "    directory_file = get_settings().directory_file\n",
     "    import warnings\n    warnings.warn('started', DeprecationWarning, stacklevel=1)\n"
     "    directory_file = get_settings().directory_file\n"),
    ("app/routes/health.py", "async def health() -> Health:\n",
     "async def health() -> Health:\n    import warnings\n"
     "    warnings.warn('/health', DeprecationWarning, stacklevel=1)\n"),
]
# A solution whose first CSV export blocks its event loop for longer than one check may take:
# the export check fails on the per-check timeout, wherever the checks are run from.
SLOW = [
    ("app/routes/appointments.py", "CSV_COLUMNS = ", "STALLED: list[bool] = []\nCSV_COLUMNS = "),
    ("app/routes/appointments.py",
     "async def export_appointments(records: RecordsDep) -> StreamingResponse:\n",
     "async def export_appointments(records: RecordsDep) -> StreamingResponse:\n"
     "    import time\n"
     "    if not STALLED:\n"
     "        STALLED.append(True)\n"
     f"        time.sleep({PER_CHECK_TIMEOUT + 3})\n"),
]


def lab_in(copy: Path, kind: str) -> Path:
    """The course copy's labs folder, its lab 01 made the `kind` of lab asked for."""
    lab_dir = copy / "labs" / LAB.slug
    if kind != "starter":  # the copy's labs are the committed starters
        shutil.rmtree(lab_dir)
        shutil.copytree(SOLUTIONS_DIR / LAB.slug, lab_dir,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name, text, replacement in {"warns": WARNS, "slow": SLOW}.get(kind, []):
        path = lab_dir / name
        source = path.read_text()
        assert text in source, f"{name} no longer has {text!r}"
        path.write_text(source.replace(text, replacement, 1))
    return copy / "labs"


def course_verdicts(target: str) -> dict[str, str]:
    run = run_checks(LAB, target)
    said = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "skipped": "SKIP"}
    return {result.check: said.get(result.outcome, result.outcome) for result in run.results}


def plain_pytest(cwd: Path, *args: str) -> tuple[int, dict[str, str]]:
    """`python -m pytest ARGS` as a learner types it; its exit code and its verdicts."""
    result = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, capture_output=True,
                            text=True, timeout=LAB.timeout * 3, check=False)
    verdicts = {check: mark for mark, check in VERDICT.findall(result.stdout)}
    assert verdicts, f"pytest {' '.join(args)} printed no verdicts:\n{result.stdout[-3000:]}"
    return result.returncode, verdicts


def invocations(copy: Path, elsewhere: Path) -> list[tuple[Path, list[str]]]:
    """The copy's check module as a learner types it: from the copy's root, from its tests/ with
    a --rootdir, and from a folder outside the course with absolute paths and a --rootdir
    there. `--target labs` from the root: pytest also takes `labs` for a test path."""
    module = LAB.check_path.relative_to(REPO_ROOT)
    return [
        (copy, [str(module), "--target", "labs"]),
        (copy / "tests", [str(module.relative_to("tests")), "--target", "../labs",
                          "--rootdir", str(copy)]),
        (elsewhere, [str(copy / module), "--target", str(copy / "labs"),
                     "--rootdir", str(elsewhere)]),
    ]


@pytest.mark.parametrize("kind", ["starter", "solution", "warns",
                                  pytest.param("slow", marks=pytest.mark.waits)])
def test_plain_pytest_reaches_the_verdicts_of_course_check(kind: str, course_copy: Path,
                                                           tmp_path: Path) -> None:
    expected = course_verdicts(str(lab_in(course_copy, kind)))
    assert set(expected) == set(LAB.learner_checks), expected
    if kind in ("solution", "warns"):
        assert set(expected.values()) == {"PASS"}, expected
    if kind == "slow":
        assert {check for check, mark in expected.items() if mark != "PASS"} == {
            "export_streams_every_appointment"}, expected
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runs = invocations(course_copy, elsewhere)
    for cwd, args in runs if kind != "slow" else runs[::2]:
        code, verdicts = plain_pytest(cwd, *args)
        assert verdicts == expected, f"from {cwd}: pytest {' '.join(args)}"
        assert code == (0 if set(expected.values()) == {"PASS"} else 1), f"from {cwd}: {args}"
