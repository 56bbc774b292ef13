"""Building the site with mkdocs, from the course's own code (used by `course start`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.paths import REPO_ROOT, SITE_DIR


def build_site(site_dir: Path = SITE_DIR) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
         "--config-file", str(REPO_ROOT / "mkdocs.yml"), "--site-dir", str(site_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if result.returncode != 0:
        details = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise RuntimeError("the site did not build:\n" + "\n".join(details))
    return site_dir
