"""The README's promise: `make test` passes in a checkout where a learner has worked the labs.
Tests that need a starter take the committed one, never the learner's copy in labs/."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from copies import course_env
from course.engine.paths import REPO_ROOT
from course.engine.registry import all_labs
from course.learner.catchup import replace_code

# The fast modules that read labs/ (the registry, the briefs in the lessons, the lint of the
# committed starters, the mutation records' hash of them). The slow ones get their labs from
# copy_course, whose own promise is the first test below.
READERS_OF_LABS = ["tests/course/test_registry.py", "tests/course/test_lessons.py",
                   "tests/course/test_integrity.py", "tests/course/test_mutants.py"]
# The integrity proof among them grades every lab's starter and solution: minutes on a busy
# machine, as it does in the suite itself.
READERS_TIMEOUT = 300


@pytest.fixture
def worked_checkout(course_copy: Path) -> Path:
    """A checkout where every lab has been fixed and worked in, none of it committed."""
    shared = course_copy.parent / "shared"  # beside it, as beside ours (the registry reads it)
    if (REPO_ROOT.parent / "shared").is_dir():
        shared.symlink_to(REPO_ROOT.parent / "shared")
    for lab in all_labs():
        starter, solution = (course_copy / "labs" / lab.slug), (course_copy / "solutions" / lab.slug)
        assert starter.resolve() != lab.starter_dir.resolve()
        replace_code(starter, solution)
        (starter / "clinic.db").write_bytes(b"SQLite format 3\0")
        (starter / "my-notes.md").write_text("what I tried on Monday\n")
        (starter / "app" / "scratch_experiment.py").write_text("print('trying things')\n")
    return course_copy


def _committed_labs(checkout: Path, into: Path) -> Path:
    into.mkdir()
    subprocess.run(f"git -C {checkout} archive HEAD labs | tar -x -C {into}", shell=True, check=True)
    return into / "labs"


def _same_tree(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    differences: list[str] = []

    def walk(node: filecmp.dircmp[str], prefix: str) -> None:
        differences.extend(f"{prefix}{name}" for name in node.left_only + node.right_only)
        differences.extend(f"{prefix}{name}" for name in node.diff_files)
        for name, child in node.subdirs.items():
            walk(child, f"{prefix}{name}/")

    walk(comparison, "")
    return differences


def test_a_copy_of_a_worked_checkout_holds_the_committed_starters(worked_checkout: Path,
                                                                   tmp_path: Path) -> None:
    nested = tmp_path / "nested"
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from course.proof.sandbox import copy_course; copy_course(Path(sys.argv[1]))",
                    str(nested)], cwd=worked_checkout, env=course_env(worked_checkout), check=True)
    committed = _committed_labs(worked_checkout, tmp_path / "committed")
    assert _same_tree(committed, worked_checkout / "labs"), "the worked labs are still the starters"
    differences = _same_tree(committed, nested / "labs")
    assert differences == [], f"a course copy took the learner's labs/: {differences}"
    assert (nested / "solutions").is_dir() and (nested / "lessons").is_dir()


@pytest.mark.timeout(READERS_TIMEOUT + 30)
def test_the_fast_tests_that_read_labs_pass_over_worked_labs(worked_checkout: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "not slow and not browser",
                             "-p", "no:cacheprovider", *READERS_OF_LABS],
                            cwd=worked_checkout, env=course_env(worked_checkout),
                            capture_output=True, text=True, timeout=READERS_TIMEOUT, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
