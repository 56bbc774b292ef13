"""`course check` says in one line when what grades the checkout is not the committed course's
(the checks, their harness and settings, a conftest.py pytest could load, a stray .pth), and
still gives its verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copies import run_course
from course.learner.tamper import stray_pth_files

NOTE = "note: what grades this checkout differs from the committed course"


@pytest.mark.slow
def test_check_flags_checks_and_conftests_that_differ_and_still_grades(course_copy: Path) -> None:
    clean = run_course(course_copy, "check", "01")
    assert clean.returncode == 1 and NOTE not in clean.stdout, clean.stdout

    harness = course_copy / "tests/checks/harness/verdicts.py"
    harness.write_text(harness.read_text() + "\n# edited by the lab\n")
    (course_copy / "conftest.py").write_text("# planted by the lab\n")
    (course_copy / "tests/checks/planted").mkdir()
    (course_copy / "tests/checks/planted/conftest.py").write_text("# planted by the lab\n")
    flagged = run_course(course_copy, "check", "01")
    notes = [line for line in flagged.stdout.splitlines() if NOTE in line]
    assert len(notes) == 1, flagged.stdout
    for said in ("modified tests/checks/harness/verdicts.py", "untracked conftest.py",
                 "untracked tests/checks/planted/conftest.py"):
        assert said in notes[0], notes[0]
    assert flagged.returncode == clean.returncode, flagged.stdout + flagged.stderr
    verdicts = [line for line in flagged.stdout.splitlines() if line.lstrip()[:1] in ("✓", "✗")]
    assert len(verdicts) == len([ln for ln in clean.stdout.splitlines()
                                 if ln.lstrip()[:1] in ("✓", "✗")]) > 0, flagged.stdout

    payload = json.loads(run_course(course_copy, "check", "01", "--json").stdout)
    assert "modified tests/checks/harness/verdicts.py" in payload["course_changes"]
    assert payload["checks"], payload


def test_a_pth_no_installed_package_lists_is_stray(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "clinic_tools-1.0.dist-info").mkdir(parents=True)
    (site / "clinic_tools-1.0.dist-info" / "RECORD").write_text(
        "clinic_tools/__init__.py,sha256=abc,10\nclinic_tools.pth,sha256=def,20\n")
    (site / "clinic_tools.pth").write_text(str(tmp_path) + "\n")
    (site / "zz_grader.pth").write_text("import os\n")
    assert stray_pth_files([str(site)]) == ["zz_grader.pth"]
    (site / "zz_grader.pth").unlink()
    assert stray_pth_files([str(site)]) == []
