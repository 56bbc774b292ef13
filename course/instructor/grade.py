"""The engine of `course grade`: every lab of every learner copy graded by the instructor's
pristine checks, where the lab's code can neither forge nor break a verdict.

For each (copy, lab) one run, in a sandbox of its own (bubblewrap):

- the checks and their harness are the last commit's `tests/checks` and `course` (never the
  copy's, nor the instructor's working tree), read-only, run by the instructor's Python,
  read-only;
- the run has no network but its own loopback, its own process namespace, and writes only to
  two small memory filesystems (its /tmp and /dev/shm) and to its verdict folder;
- the learner's lab is copied into that /tmp; every process that runs the lab's code is
  sandboxed once more (tests/checks/harness/sandbox.py): an unprivileged user, no capabilities,
  a process namespace of its own, nothing writable but the two scratch filesystems. The lab's
  in-process checks talk to the lab's app in such a process (harness/remote.py), so the process
  that decides and writes the verdicts never runs the lab's code;
- time, memory per process, file size and the number of processes (a cgroup's `pids.max`)
  are limited; when the time is up, the whole sandbox goes.

Where no such sandbox can be made, grading is refused unless asked for `unsandboxed`, and each
result then says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from course.engine.launch import Launch
from course.engine.registry import Lab
from course.engine.runner import CheckRun, run_checks
from course.engine.starters import export_committed
from course.engine.warm import WarmPool
from course.instructor.copy_flags import committed_files, grader_words, tampered_files
from course.instructor.expected_copy import Expectations
from course.instructor.grading_sandbox import (
    INSIDE,
    SKIPPED,
    NoSandbox,
    SandboxedLaunch,
    bwrap,
    sandbox_problem,
)
from course.instructor.precompiled import precompile


@dataclass
class LabGrade:
    lab: Lab
    run: CheckRun
    flags: list[str] = field(default_factory=list)

    same_as: str = ""  # the learner whose identical lab was graded for this one

    def to_json(self) -> dict:
        return {**self.run.to_json(), "flags": self.flags,
                **({"same_as": self.same_as} if self.same_as else {})}

    def same_for(self, lab_dir: Path, graded: Path) -> LabGrade:
        """This grade, for another copy's identical lab."""
        return LabGrade(self.lab, dataclasses.replace(self.run, target=str(lab_dir)),
                        list(self.flags), graded.name)


def lab_content(lab_dir: Path) -> str:
    """A digest of everything of the lab a graded run copies into its sandbox ("" when there is
    no such folder, which grades the same for every copy)."""
    if not lab_dir.is_dir():
        return ""
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(lab_dir):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED)
        for name in sorted([*files, *(n for n in subfolders if os.path.islink(Path(folder, n)))]):
            path = Path(folder, name)
            digest.update(path.relative_to(lab_dir).as_posix().encode() + b"\0")
            if path.is_symlink():
                digest.update(b"link\0" + os.readlink(path).encode())
            elif path.is_file():
                digest.update(b"%o\0" % path.stat().st_mode)
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass
class LearnerGrade:
    copy: Path
    labs: list[LabGrade]
    tampered: list[str]  # files outside labs/ that differ from the course, or were added
    sandboxed: bool

    @property
    def name(self) -> str:
        return self.copy.name

    def to_json(self) -> dict:
        return {"learner": self.name, "copy": str(self.copy), "sandboxed": self.sandboxed,
                "tampered": self.tampered, "labs": [lab.to_json() for lab in self.labs]}


class Engine:
    """Grades copies with the last commit's checks. `sandboxed=False` runs them in a plain
    process (only where no sandbox can be made, and said in every result)."""

    def __init__(self, *, sandboxed: bool = True, workers: int | None = None) -> None:
        self.sandboxed = sandboxed
        if sandboxed:
            problem = sandbox_problem()
            if problem:
                raise NoSandbox(problem)
        self.bwrap = bwrap() or "bwrap"
        self.workers = workers or os.cpu_count() or 1
        self._scratch = tempfile.TemporaryDirectory(prefix="course-pristine-")
        self.pristine = Path(self._scratch.name)
        export_committed("tests/checks", self.pristine)
        export_committed("course", self.pristine)  # the harness reads the port plan from it
        precompile(self.pristine, INSIDE)
        self.course_files = committed_files()
        self.expected = Expectations(self.course_files)
        self.pool = WarmPool()  # pre-imported interpreters, each forking one run at a time
        self._tampered: dict[Path, list[str]] = {}
        self._lock = threading.Lock()

    def grade(self, copies: Iterable[Path], labs: list[Lab]) -> list[LearnerGrade]:
        copies = [Path(copy).resolve() for copy in copies]
        jobs = [(copy, lab) for copy in copies for lab in labs]
        # A lab that is byte for byte another copy's (most often a starter nobody has touched
        # yet) is graded once: the checks are deterministic, so its verdicts would be the same.
        keys = [(lab.id, lab_content(copy / "labs" / lab.slug)) for copy, lab in jobs]
        first = {key: index for index, key in reversed(list(enumerate(keys)))}
        graded_once = sorted(set(first.values()))
        with ThreadPoolExecutor(self.workers) as pool:
            grades = dict(zip(graded_once, pool.map(lambda index: self.grade_lab(*jobs[index]),
                                                    graded_once), strict=True))
        by_copy: dict[Path, list[LabGrade]] = {copy: [] for copy in copies}
        for index, (copy, lab) in enumerate(jobs):
            grade = grades[first[keys[index]]]
            if first[keys[index]] != index:
                grade = grade.same_for(copy / "labs" / lab.slug, jobs[first[keys[index]]][0])
            by_copy[copy].append(grade)
        return [LearnerGrade(copy, by_copy[copy], self.tampered(copy), self.sandboxed)
                for copy in copies]

    def tampered(self, copy: Path) -> list[str]:
        """What the copy changed outside labs/: read once per copy, however many calls grade
        its labs."""
        with self._lock:
            if copy not in self._tampered:
                self._tampered[copy] = tampered_files(copy, *self.expected.for_copy(copy))
            return self._tampered[copy]

    def grade_lab(self, copy: Path, lab: Lab) -> LabGrade:
        lab_dir = copy / "labs" / lab.slug
        launched: list[SandboxedLaunch] = []

        def launch(slug: str, target: str, only: tuple[str, ...] = (),
                   instructor: bool = True) -> Launch:
            if not self.sandboxed:
                return self.pool.launch(slug, target, only, self.pristine / "tests" / "checks",
                                        instructor)
            launched.append(SandboxedLaunch(self, lab, lab_dir, self.pool))
            return launched[-1]

        if not lab_dir.is_dir():
            run = CheckRun(lab, str(lab_dir), [], 0.0, "the copy has no folder for this lab")
            return LabGrade(lab, run, [])
        run = run_checks(lab, str(lab_dir), launcher=launch, instructor=True)
        flags = list(dict.fromkeys([*(launched[0].found if launched else []),
                                    *grader_words(lab_dir)]))
        if not self.sandboxed:
            flags.append("graded without a sandbox: the lab's code could reach the verdict")
        return LabGrade(lab, run, flags)

    def close(self) -> None:
        self.pool.close()
        self._scratch.cleanup()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
