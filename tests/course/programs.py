"""System programs some tests drive (chromium, git): skipped outside CI when missing, failed in CI;
and Chromium launched the one way every browser test launches it."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Debian's Chromium, never a browser playwright downloads; no background traffic of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
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


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium driven by playwright, for as long as the block runs."""
    path = require_program("chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
