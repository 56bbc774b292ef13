"""Throwaway copies of the course, and the `course` command run inside one."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

from course.proof.sandbox import copy_course

__all__ = ["FULL_DISK", "copy_course", "course_env", "run_course"]

# Python run before the command, in its process: the disk fills up when a file is flushed to it.
FULL_DISK = """
import errno, os
def _no_space(fd):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
os.fsync = _no_space
"""
_RUN_COURSE = "\nimport runpy\nrunpy.run_module('course', run_name='__main__', alter_sys=True)\n"
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def course_env(copy: Path) -> dict[str, str]:
    """The environment in which `python -m course` imports the copy's tooling, not ours."""
    return {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "200", "NO_COLOR": "1"}


def _without_root_override() -> None:
    """Root writes through any permission; without this capability a read-only folder is one."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_course(copy: Path, *args: str, timeout: float = 120, prelude: str = "",
               permissions_bind: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m course ARGS` inside a course copy. `prelude` is Python run first in the same
    process (how a test makes the machine misbehave); with `permissions_bind`, file permissions
    hold even when the tests run as root."""
    command = [sys.executable, "-c", prelude + _RUN_COURSE] if prelude else [
        sys.executable, "-m", "course"]
    as_root = permissions_bind and os.geteuid() == 0
    return subprocess.run([*command, *args], cwd=copy, env=course_env(copy), capture_output=True,
                          text=True, timeout=timeout, check=False,
                          preexec_fn=_without_root_override if as_root else None)
