"""The command of a lab's checks: which check modules (the learner's, then the instructor-only
ones), what pytest is given, and the environment it runs in; the same for every way a run starts
(course/engine/launch.py, warm.py, and course grade's sandbox).

Imported by `course check` before anything else of the tool, as launch.py is: the standard
library only.
"""

from __future__ import annotations

import os
from pathlib import Path

from course.engine.paths import CHECKS_DIR, REPO_ROOT


class RunnerError(Exception):
    """The checks could not run at all (no check file, pytest broken): exit code 2."""


def resolve_target(target: str) -> str:
    """`labs`, `solutions`, or a path (made absolute so the subprocess finds it)."""
    if target in ("labs", "solutions"):
        return target
    path = Path(target).expanduser().resolve()
    if not path.is_dir():
        raise RunnerError(f"--target {target}: no such folder")
    return str(path)


def check_path_for(slug: str, checks_dir: Path | None = None) -> Path:
    """tests/checks/test_NN_slug.py, or the package test_NN_slug/ where a lab has several."""
    stem = "test_" + slug.replace("-", "_")
    folder = CHECKS_DIR if checks_dir is None else checks_dir
    return folder / stem if (folder / stem).is_dir() else folder / f"{stem}.py"


# The instructor-only checks of lab NN: `course grade` and `course verify` run them, the
# learner's loop never does, and a learner's handout leaves the folder out.
INSTRUCTOR_FOLDER = "instructor"


def check_paths_for(slug: str, checks_dir: Path | None = None, *,
                    instructor: bool = False) -> list[Path]:
    """The lab's check module, then (with `instructor`) its instructor-only module where the
    checkout has one."""
    paths = [check_path_for(slug, checks_dir)]
    if instructor:
        extra = check_path_for(slug, (CHECKS_DIR if checks_dir is None else checks_dir)
                               / INSTRUCTOR_FOLDER)
        paths += [extra] if extra.exists() else []
    return paths


def existing_check_path(slug: str, checks_dir: Path | None = None) -> Path:
    check_path = check_path_for(slug, checks_dir)
    if not check_path.exists():
        restore = (f" (restore it with: git checkout -- {check_path.relative_to(REPO_ROOT)})"
                   if check_path.is_relative_to(REPO_ROOT) else "")
        raise RunnerError(f"the checks for lab {slug[:2]} are missing: {check_path} not found"
                          + restore)
    return check_path


def per_check_timeout() -> float:
    """pytest-timeout's limit for one check: PYTEST_TIMEOUT where set (it wins over the
    settings file, for plain pytest too), else tests/checks/pytest.toml's."""
    given = os.environ.get("PYTEST_TIMEOUT")
    if given:
        return float(given)
    import tomllib

    settings = tomllib.loads((CHECKS_DIR / "pytest.toml").read_text(encoding="utf-8"))
    return float(settings["pytest"]["timeout"])


def pytest_args(check_path: Path | list[Path], target: str, report: Path,
                only: tuple[str, ...] = ()) -> list[str]:
    """`check_path`: the check module, or several (the instructor-only one after it). `only`:
    run just these checks (ids, as in lab.toml). Plugins, warning filters and the
    per-check timeout come from tests/checks/pytest.toml, as they do for plain pytest. Each
    option is one word (`--target=X`): pytest takes a path after an option for a test path when
    it looks for its settings, and would read pyproject.toml's for `--target solutions`."""
    selection = ["-k", " or ".join(f"test_{check}" for check in only)] if only else []
    paths = check_path if isinstance(check_path, list) else [check_path]
    return [*selection, *map(str, paths), f"--target={target}", f"--course-report={report}",
            "-q", "--no-header", "--tb=no"]


# Variables that tell a process it runs on a CI machine. Neither the checks nor a lab's process
# sees them (tests/checks/harness/forked.py drops PYTEST_* too, for the lab's processes): a lab
# that looks for them would behave for the checks only, and the course's own CI would judge
# such a fix otherwise than a learner's machine does.
CI_MARKERS = frozenset({"CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "GITHUB_ACTIONS",
                        "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD"})


def pytest_env() -> dict[str, str]:
    # A learner's PYTEST_ADDOPTS is for their own projects (-x, --lf, -v would change the run).
    env = {name: value for name, value in os.environ.items() if name not in CI_MARKERS}
    env.pop("PYTEST_ADDOPTS", None)
    # Python's bytecode cache stays on for the checks (and the servers they start), whatever
    # the shell says: recompiling the lab and re-rewriting the checks' asserts on every run
    # costs ~50 ms, and __pycache__ is ignored by git and left out of backups.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
