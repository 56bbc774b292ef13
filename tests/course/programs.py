"""System programs some tests drive (chromium, git): skipped outside CI when missing, failed in CI."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_program(name: str, install: str) -> str:
    """The path of a system program; outside CI a missing one skips, under CI=true it fails."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed; install it with: {install}"
    if IN_CI:
        pytest.fail(message + " (.ci/run installs it)", pytrace=False)
    pytest.skip(message)
