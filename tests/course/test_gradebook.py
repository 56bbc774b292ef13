"""`course grade ROSTER --out DIR`: a room graded into a gradebook an LMS imports, per-check
results in PrairieLearn's `results.json` format, and one offline report page.

One room is graded once for the module (lab 01, in the sandbox): two solutions (a folder, and a
zip of one inside a folder of its own), two starters (a folder, and a git bundle), a starter
whose check module was edited, and a zip that tries to write outside its folder.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, model_validator

from course.engine.paths import REPO_ROOT
from course.engine.registry import RegistryError, all_labs, find_lab
from course.engine.starters import export_committed
from course.instructor.gradebook.archives import UnsafeArchive, unzip
from course.instructor.gradebook.roster import RosterError, entries_of, open_learner
from course.instructor.gradebook.selection import labs_selected
from programs import chromium, require_program

LAB = find_lab("01")
EDITED = "tests/checks/test_01_asgi_uvicorn.py"
FULL, KEPT = LAB.points_possible, sum(LAB.points_of(c) for c in LAB.promise_checks)


def learner_copy(folder: Path) -> Path:
    export_committed(".", folder)
    return folder


def with_solution(copy: Path) -> Path:
    shutil.rmtree(copy / "labs" / LAB.slug)
    shutil.copytree(LAB.solution_dir, copy / "labs" / LAB.slug,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def zipped(folder: Path, archive: Path, top: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, f"{top}{path.relative_to(folder).as_posix()}")
    return archive


def bundled(folder: Path, bundle: Path) -> Path:
    git = ["git", "-C", str(folder), "-c", "user.name=Learner", "-c", "user.email=l@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "my labs"],
                 ["bundle", "create", "-q", str(bundle), "HEAD", "--all"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    shutil.rmtree(folder)
    return bundle


def grade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "course", "grade", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, "COLUMNS": "160", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    require_program("git", "apt-get install git")
    require_program("bwrap", "apt-get install bubblewrap")
    scratch = tmp_path_factory.mktemp("room")
    roster = scratch / "roster"
    roster.mkdir()
    with_solution(learner_copy(roster / "sol-a"))
    zipped(with_solution(learner_copy(scratch / "b")), roster / "sol-b.zip", top="course-main/")
    learner_copy(roster / "start-a")
    bundled(learner_copy(scratch / "start-b"), roster / "start-b.bundle")
    edited = learner_copy(roster / "edited")
    (edited / EDITED).write_text("def test_export_streams_every_appointment():\n    pass\n")
    with zipfile.ZipFile(roster / "evil.zip", "w") as evil:
        evil.writestr("labs/01-asgi-uvicorn/app/main.py", "app = None\n")
        evil.writestr("../../outside.txt", "written outside the learner's folder")
    out = scratch / "out"
    return out, grade(str(roster), "--out", str(out), "--labs", "01")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as source:
        return list(csv.DictReader(source))


def test_the_room_is_graded_with_progress_and_exit_0(room) -> None:
    out, done = room
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "6/6 learners" in done.stdout, done.stdout[-2000:]
    assert not (out.parent / "outside.txt").exists() and not (REPO_ROOT / "outside.txt").exists()
    assert {path.name for path in out.iterdir()} == {"gradebook.csv", "checks.csv", "report.html",
                                                     "results"}


def test_the_gradebook_has_each_learner_s_points_per_lab_and_total(room) -> None:
    out, _ = room
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as source:
        header, *body = list(csv.reader(source))
    assert header == ["learner", f"01 {LAB.title} ({FULL} points)", f"Total ({FULL} points)"]
    points = {row[0]: row[1:] for row in body}
    expected = {"sol-a": [str(FULL)] * 2, "sol-b": [str(FULL)] * 2, "start-a": [str(KEPT)] * 2,
                "start-b": [str(KEPT)] * 2, "edited": [str(KEPT)] * 2, "evil": ["", ""]}
    assert points == expected, points


def test_checks_csv_has_a_row_per_learner_and_check_and_the_edit_is_flagged(room) -> None:
    out, _ = room
    checks = rows(out / "checks.csv")
    graded = [row for row in checks if row["learner"] != "evil"]
    assert len(graded) == 5 * len(LAB.mapped_checks)
    for row in graded:
        assert row["max_points"] == str(LAB.points_of(row["check"])), row
        assert row["instructor_only"] == ("yes" if row["check"] in LAB.instructor_checks else "no")
        passed = row["learner"].startswith("sol") or row["check"] in LAB.promise_checks
        assert (row["outcome"] == "passed") == passed, row
        assert float(row["seconds"]) >= 0 and row["bugs"] == " | ".join(
            bug.id for bug in LAB.bugs_caught_by(row["check"])), row
        assert (f"changed: {EDITED}" in row["flags"]) == (row["learner"] == "edited"), row
    [evil] = [row for row in checks if row["learner"] == "evil"]
    assert evil["outcome"] == "not graded" and "outside the learner's folder" in evil["message"]


class PrairieLearnTest(BaseModel):
    """One entry of `tests`, as PrairieLearn's external grading docs list its keys."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str
    description: str | None = None
    points: float | None = None
    max_points: float | None = None
    message: str | None = None
    output: str | None = None
    images: list[dict[str, str] | str] | None = None


class PrairieLearnResults(BaseModel):
    """/grade/results/results.json: `score` in [0, 1] is the one mandatory field of a gradable
    result; `gradable` false (with `format_errors`) marks an input that could not be graded;
    any further data may be added."""

    model_config = ConfigDict(extra="allow", strict=True)
    gradable: bool = True
    score: float | None = None
    message: str | None = None
    output: str | None = None
    format_errors: str | list[str] | None = None
    images: list[dict[str, str] | str] | None = None
    tests: list[PrairieLearnTest] | None = None

    @model_validator(mode="after")
    def scored_when_gradable(self) -> PrairieLearnResults:
        if self.gradable:
            assert self.score is not None and 0.0 <= self.score <= 1.0, self.score
        return self


def test_results_are_prairielearn_results_json(room) -> None:
    out, _ = room
    files = {path.stem: path for path in (out / "results").glob("*.json")}
    assert set(files) == {"sol-a", "sol-b", "start-a", "start-b", "edited", "evil"}
    for learner, path in files.items():
        assert path.stat().st_size < 2**20, f"{learner}: PrairieLearn reads at most 1 MB"
        payload = json.loads(path.read_text(encoding="utf-8"))
        results = PrairieLearnResults.model_validate(payload)
        if learner == "evil":
            assert not results.gradable and results.format_errors, payload
            continue
        tests = results.tests or []
        assert [t.name for t in tests] == [f"01 · {check}" for check in LAB.mapped_checks]
        earned = sum(t.points or 0 for t in tests)
        assert payload["max_points"] == FULL and payload["points"] == earned, payload
        assert results.score == pytest.approx(earned / FULL, abs=1e-4)
        failed = [t for t in tests if t.points == 0]
        assert all(t.message and t.message != "passed" for t in failed), failed
        assert all(t.output and "read: http" in t.output for t in tests), tests[0]


@pytest.mark.browser
def test_the_report_shows_the_grid_pass_rates_and_sorts_in_chromium(room) -> None:
    from test_site import PageVisit

    out, _ = room
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "<link" not in text and "src=" not in text, "the report must need nothing else"
    with chromium() as browser:
        visit = PageVisit(browser, out.as_uri())
        try:
            visit.open("/report.html")
            page = visit.page
            grid = page.locator("table#grid")
            assert grid.locator("tbody tr").count() == 6
            assert grid.locator("thead th.check").count() == len(LAB.mapped_checks)
            assert grid.locator("td.cell.pass").count() == 2 * len(LAB.mapped_checks) + 3 * len(
                LAB.promise_checks)
            assert grid.locator("tfoot tr.rates td").nth(1).inner_text().endswith("%")
            stuck = page.locator("table#pass-rates tbody tr")
            assert stuck.count() == len(LAB.mapped_checks)
            first = stuck.first.locator("td.rate").inner_text()
            assert first.strip().endswith("40 %"), first  # two of five learners pass a bug's check
            lesson = page.locator("table#pass-rates a[href*='#streaming-more-body']")
            assert lesson.count() >= 1
            assert page.locator("ul.flags[data-learner='edited']").inner_text().count(EDITED) == 1

            def learners_in_order() -> list[str]:
                return grid.locator("tbody tr").evaluate_all(
                    "rows => rows.map(row => row.dataset.learner)")

            # The roster's order is by name; a sort keeps the order of rows that tie.
            assert learners_in_order() == ["edited", "evil", "sol-a", "sol-b", "start-a", "start-b"]
            total = grid.locator("thead th.sortable").last
            total.click()
            assert learners_in_order() == ["evil", "edited", "start-a", "start-b", "sol-a", "sol-b"]
            total.click()
            assert learners_in_order() == ["sol-a", "sol-b", "edited", "start-a", "start-b", "evil"]
            assert total.get_attribute("aria-sort") == "descending"
            grid.locator("thead th.sortable").first.click()
            assert learners_in_order() == ["edited", "evil", "sol-a", "sol-b", "start-a", "start-b"]
            assert not visit.errors, visit.errors
            assert not visit.remote, visit.remote
        finally:
            visit.close()


def test_a_roster_that_names_no_learner_exits_2(tmp_path: Path) -> None:
    done = grade(str(tmp_path / "nobody"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "no such file or folder" in done.stderr, done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = grade(str(empty), "--labs", "01")
    assert done.returncode == 2 and "neither a learner's copy" in " ".join(done.stderr.split())
    with zipfile.ZipFile(empty / "evil.zip", "w") as evil:
        evil.writestr("../labs/01-asgi-uvicorn/app/main.py", "app = None\n")
    done = grade(str(empty), "--labs", "01", "--unsandboxed", "--out", str(tmp_path / "out"))
    said = " ".join(done.stderr.split())
    assert done.returncode == 2 and "no learner's copy could be graded" in said, done.stderr
    assert "evil" in done.stdout and "not graded" in done.stdout, done.stdout
    assert not (tmp_path / "out").exists()


def test_a_roster_folder_names_learners_by_folder_and_archive(tmp_path: Path) -> None:
    for name in ("ada", "bo"):
        (tmp_path / "room" / name / "labs").mkdir(parents=True)
        (tmp_path / "room" / name / "labs" / "notes.md").write_text(name)
    zipped(tmp_path / "room" / "bo", tmp_path / "room" / "cy.zip", top="inner/")
    (tmp_path / "room" / ".DS_Store").write_text("")
    (tmp_path / "room" / "__MACOSX").mkdir()
    entries = entries_of([tmp_path / "room"])
    assert [entry.id for entry in entries] == ["ada", "bo", "cy"]
    cy = open_learner(entries[2], tmp_path / "scratch")
    assert cy.copy == tmp_path / "scratch" / "cy" / "inner" and not cy.problem
    with pytest.raises(RosterError, match="same learner: ada"):
        entries_of([tmp_path / "room", tmp_path / "room" / "ada"])


def test_a_zip_never_writes_outside_its_folder(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("labs/escape")
    link.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(tmp_path / "links.zip", "w") as archive:
        archive.writestr("labs/kept.txt", "kept")
        archive.writestr(link, "/etc/passwd")
    left_out = unzip(tmp_path / "links.zip", tmp_path / "links")
    assert (tmp_path / "links" / "labs" / "kept.txt").read_text() == "kept"
    assert not (tmp_path / "links" / "labs" / "escape").exists() and left_out
    for name in ("../up.txt", "/abs.txt", "a/../../up.txt", "C:/windows.txt", "..\\up.txt"):
        with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
            archive.writestr(name, "no")
        with pytest.raises(UnsafeArchive, match="outside"):
            unzip(tmp_path / "bad.zip", tmp_path / "bad")
        assert not (tmp_path / "up.txt").exists() and not (tmp_path / "bad").exists()


@pytest.mark.parametrize(("specs", "expected", "noted"), [
    (["01-05"], ["01", "02"], "no lab 03, 04, 05 yet"),
    (["1,2"], ["01", "02"], ""),
    (["asgi"], ["01"], ""),
    (["02", "01"], ["01", "02"], ""),
    ([], ["01", "02"], ""),
])
def test_labs_are_chosen_by_range_list_or_name(specs, expected, noted) -> None:
    written = [lab for lab in all_labs() if lab.id in ("01", "02")]  # as if no other was yet
    labs, notes = labs_selected(specs, written)
    assert [lab.id for lab in labs] == expected
    assert (noted in " ".join(notes)) and (bool(notes) == bool(noted))


def test_a_range_with_no_lab_is_refused() -> None:
    with pytest.raises(RegistryError, match="no lab in that range"):
        labs_selected(["15-19"], all_labs())  # the course has 14 chapters
