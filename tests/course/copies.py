"""Throwaway copies of the course, and the `course` command run inside one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.sandbox import copy_course

__all__ = ["copy_course", "run_course"]


def run_course(copy: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m course ARGS` inside a course copy, importing that copy's tooling."""
    env = {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "course", *args], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
