"""What a learner's copy did that the instructor should see, beside its verdicts: files outside
labs/ that differ from what the copy should hold, `.pth` files planted in its .venv, and lab code
that names the grader's machinery. Flags, never verdicts (course/instructor/grade.py)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from course.engine.paths import REPO_ROOT
from course.instructor.expected_copy import blob_id

SKIPPED_IN_COPIES = {".git", ".venv", ".course", "__pycache__", ".pytest_cache", ".ruff_cache",
                     "node_modules", "site", ".ipynb_checkpoints"}
# What a lab's code has no business naming: the grader's own machinery.
GRADER_WORDS = ("pytest", "conftest", "harness", "--course-report", "course-report",
                "COURSE_LAB_SANDBOX", "/run/verdict", "os.kill", "killpg", "os.fork")


def grader_words(lab_dir: Path) -> list[str]:
    """Where the lab's own code names the grader's machinery (a flag, not a verdict)."""
    found = []
    for path in sorted(lab_dir.rglob("*.py")):
        if SKIPPED_IN_COPIES & set(path.relative_to(lab_dir).parts):
            continue
        with contextlib.suppress(OSError):
            text = path.read_text(errors="replace")
            named = [word for word in GRADER_WORDS if word in text]
            if named:
                found.append(f"{path.relative_to(lab_dir)} names the grader's machinery: "
                             f"{', '.join(named)}")
    return found[:5]


def committed_files() -> dict[str, str]:
    """Every file of the last commit outside labs/, with its git blob id."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-tree", "-r", "HEAD"],
                            capture_output=True, text=True, check=True).stdout
    files = {}
    for line in listed.splitlines():
        meta, _, path = line.partition("\t")
        if not path.startswith("labs/") and meta.split()[1] == "blob":
            files[path] = meta.split()[2]
    return files


def tampered_files(copy: Path, committed: dict[str, str], not_compared: tuple[str, ...] = ()
                   ) -> list[str]:
    """Files of the copy outside labs/ that differ from what it should hold (`committed`), were
    added or are gone; and `.pth` files in its .venv (each runs code at every start of Python
    there). Paths under `not_compared` are left alone."""
    said = []
    seen = set()
    for path in sorted(copy.rglob("*")):
        relative = path.relative_to(copy)
        if relative.parts[0] == "labs" or SKIPPED_IN_COPIES & set(relative.parts) \
                or not path.is_file() or relative.as_posix().startswith(not_compared):
            continue
        name = relative.as_posix()
        seen.add(name)
        if name not in committed:
            said.append(f"added: {name}")
        elif blob_id(path.read_bytes()) != committed[name]:
            said.append(f"changed: {name}")
    said += [f"missing: {name}" for name in sorted(set(committed) - seen)
             if not SKIPPED_IN_COPIES & set(Path(name).parts)]
    venv = copy / ".venv"
    if venv.is_dir():
        ours = {path.name for path in Path(sys.prefix).glob("lib/python*/site-packages/*.pth")}
        said += [f"added to .venv: {path.relative_to(copy).as_posix()}"
                 for path in sorted(venv.glob("lib/python*/site-packages/*.pth"))
                 if path.name not in ours]
    return said
