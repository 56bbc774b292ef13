"""The Makefile a learner meets first: it refuses an old Python in one line, builds .venv with the
Python it is given and remembers it, rebuilds .venv made by another one, installs the learner's
tools for `make start` and adds the dev extra for `make test`, and says what `make clean` removes.

Each test runs the real Makefile in a temporary folder, with stand-in Pythons (shell scripts that
report a version and log what they are asked to do): fast, and the course's own .venv is never
touched."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from course.engine.paths import REPO_ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

# A stand-in interpreter: answers the Makefile's version probe, makes a stand-in .venv.
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "-c" ]; then echo "{version} $(realpath "$0")"; exit 0; fi
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  for tool in python uv course pytest ruff; do
    printf '#!/bin/sh\\necho "%s $*" >> "$MAKE_LOG"\\n' "$tool" > "$3/bin/$tool"
    chmod +x "$3/bin/$tool"
  done
  echo "venv {version}" >> "$MAKE_LOG"
  exit 0
fi
exit 1
"""


class Checkout:
    """The Makefile and a pyproject.toml in a folder of their own, and Pythons to point it at."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "make.log"
        shutil.copy(REPO_ROOT / "Makefile", root / "Makefile")
        (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")

    def python(self, version: str) -> str:
        path = self.root / "pythons" / f"python{version}"
        path.parent.mkdir(exist_ok=True)
        path.write_text(FAKE_PYTHON.format(version=version))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return str(path)

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        self.log.write_text("")
        env = {**os.environ, "MAKE_LOG": str(self.log)}
        env.pop("PYTHON", None)
        env.pop("MAKEFLAGS", None)
        return subprocess.run([MAKE, "--no-print-directory", *args], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    def logged(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def test_an_old_python_is_refused_in_one_line_naming_it(checkout: Checkout) -> None:
    old = checkout.python("3.10.13")
    result = checkout.make("start", f"PYTHON={old}")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "3.10.13" in lines[0] and old in lines[0] and "make start PYTHON=python3.12" in lines[0]
    assert not (checkout.root / ".venv").exists()
    assert checkout.logged() == []


def test_a_python_that_does_not_run_is_refused_in_one_line(checkout: Checkout) -> None:
    result = checkout.make("start", "PYTHON=no-such-python3")
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert "no-such-python3" in lines[0] and "PYTHON=python3.12" in lines[0]


def test_start_builds_the_venv_with_the_learner_tools_only(checkout: Checkout) -> None:
    result = checkout.make("start", f"PYTHON={checkout.python('3.12.4')}")
    assert result.returncode == 0, result.stderr
    logged = checkout.logged()
    assert logged[0] == "venv 3.12.4"
    installs = [line for line in logged if " install " in line and "-e" in line.split()]
    assert installs == [installs[0]] and installs[0].endswith("-e ."), logged
    assert logged[-1] == "course start"


def test_test_after_start_adds_the_dev_extra_to_the_same_venv(checkout: Checkout) -> None:
    python = checkout.python("3.12.4")
    assert checkout.make("start", f"PYTHON={python}").returncode == 0
    marker = checkout.root / ".venv" / "kept"
    marker.touch()
    result = checkout.make("test")
    assert result.returncode == 0, result.stderr
    logged = checkout.logged()
    assert marker.exists() and not any(line.startswith("venv") for line in logged), logged
    assert [line for line in logged if "-e" in line.split()] == [logged[-3]], logged
    assert logged[-3].endswith("-e .[dev]") and logged[-1] == "pytest -n 3 --dist loadfile"
    for command in ("start", "test"):  # and nothing left to install, for either command
        assert checkout.make(command).returncode == 0
        assert not [line for line in checkout.logged() if " install " in line], command


def test_the_python_that_made_the_venv_stays_the_default(checkout: Checkout) -> None:
    assert checkout.make("start", f"PYTHON={checkout.python('3.13.1')}").returncode == 0
    result = checkout.make("start")  # no PYTHON: python3 would be another interpreter
    assert result.returncode == 0, result.stderr
    assert checkout.logged() == ["course start"]


def test_a_venv_made_by_another_python_is_rebuilt(checkout: Checkout) -> None:
    assert checkout.make("start", f"PYTHON={checkout.python('3.12.4')}").returncode == 0
    marker = checkout.root / ".venv" / "kept"
    marker.touch()
    result = checkout.make("start", f"PYTHON={checkout.python('3.13.1')}")
    assert result.returncode == 0, result.stderr
    assert "rebuilding" in result.stdout and "3.12.4" in result.stdout
    assert not marker.exists()
    logged = checkout.logged()
    assert logged[0] == "venv 3.13.1" and any(line.endswith("-e .") for line in logged)


def test_clean_names_what_it_removes_and_keeps_venv_and_progress(checkout: Checkout) -> None:
    root = checkout.root
    assert checkout.make("start", f"PYTHON={checkout.python('3.12.4')}").returncode == 0
    made = ["site/index.html", "site-zensical/index.html", "build/playgrounds/01.md",
            "lessons/labs.md", "lessons/coverage.md", ".course/state.json"]
    for relative in made:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
    result = checkout.make("clean")
    assert result.returncode == 0, result.stderr
    for removed in ("site", "site-zensical", "build", "lessons/labs.md", "lessons/coverage.md"):
        assert removed in result.stdout and not (root / removed).exists()
    assert (root / ".course" / "state.json").exists() and (root / ".venv" / "bin").is_dir()
    assert ".course" in result.stdout and "make clean-venv" in result.stdout

    result = checkout.make("clean-venv")
    assert result.returncode == 0 and ".venv" in result.stdout
    assert not (root / ".venv").exists() and (root / ".course" / "state.json").exists()


@pytest.mark.parametrize(("target", "install", "build"), [
    ("site", "-e .", "python -m course.website.site_build mkdocs"),
    ("site-zensical", "-e .[zensical]", "python -m course.website.site_build zensical"),
])
def test_a_site_target_installs_what_its_builder_needs(checkout: Checkout, target: str,
                                                       install: str, build: str) -> None:
    result = checkout.make(target, f"PYTHON={checkout.python('3.12.4')}")
    assert result.returncode == 0, result.stderr
    logged = checkout.logged()
    assert [line for line in logged if "-e" in line.split()][-1].endswith(install), logged
    assert logged[-1] == build


def test_installer_pip_installs_with_pip_alone(checkout: Checkout) -> None:
    result = checkout.make("start", f"PYTHON={checkout.python('3.12.4')}", "INSTALLER=pip")
    assert result.returncode == 0, result.stderr
    logged = checkout.logged()
    assert not [line for line in logged if line.startswith("uv ") or "uv==" in line], logged
    assert any(line.startswith("python -m pip") and line.endswith("-e .") for line in logged)
