"""The check-writing guide (tests/checks/README.md) is code too: each of its `python` blocks runs,
as written, in a fresh interpreter with the harness on its path."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from course.engine.paths import CHECKS_DIR, REPO_ROOT

GUIDE = CHECKS_DIR / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
EXAMPLES = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


def first_line(code: str) -> str:
    return next(line for line in code.splitlines() if line and not line.startswith(("from", "import")))


def test_the_guide_has_an_example_for_each_part_of_the_harness() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for module in sorted(path.stem for path in (CHECKS_DIR / "harness").glob("*.py")):
        if module != "__init__":
            assert f"### `{module}`" in text, f"the guide has no section on harness.{module}"
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"{n}-{first_line(c)[:30]}" for n, c in enumerate(EXAMPLES)])
def test_a_guide_example_runs(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(CHECKS_DIR), "NO_PROXY": "127.0.0.1"})
    assert result.returncode == 0, result.stderr[-1500:]
