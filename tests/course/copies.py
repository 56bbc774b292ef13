"""Throwaway copies of the course, and the `course` command run inside one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.sandbox import copy_course

__all__ = ["copy_course", "course_env", "run_course"]


def course_env(copy: Path) -> dict[str, str]:
    """The environment in which `python -m course` imports the copy's tooling, not ours."""
    return {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "200", "NO_COLOR": "1"}


def run_course(copy: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m course ARGS` inside a course copy."""
    return subprocess.run([sys.executable, "-m", "course", *args], cwd=copy, env=course_env(copy),
                          capture_output=True, text=True, timeout=timeout, check=False)
