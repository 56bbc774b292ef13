"""What a learner installs: the learner's tools only, every one pinned; the course's own test and
maintenance tools come with the dev extra. The build backend installs the course in editable mode
as one plain path entry, without a warning."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from course.engine.paths import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NAME = re.compile(r"^[A-Za-z0-9._-]+")
# The learner runs the labs, the checks, the `course` tool, the site and the notebooks.
LEARNER_TOOLS = {"fastapi", "uvicorn", "pytest", "pytest-timeout", "typer", "rich", "watchfiles",
                 "mkdocs", "mkdocs-material", "pymdown-extensions", "jupyterlab", "ipykernel",
                 "nbclient"}
# Only the course's own tests and its maintainers use these.
DEV_TOOLS = {"playwright", "ruff", "cosmic-ray", "schemathesis", "tomlkit", "zensical",
             "inline-snapshot"}


def names(requirements: list[str]) -> set[str]:
    return {NAME.match(requirement).group(0).lower() for requirement in requirements}


def extra(name: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """An extra's requirements, with the course's own extras it names expanded."""
    own = PROJECT["project"]["name"]
    requirements = []
    for requirement in PROJECT["project"]["optional-dependencies"][name]:
        if requirement.startswith(f"{own}["):
            for inner in requirement[len(own) + 1:-1].split(","):
                if inner not in seen:
                    requirements += extra(inner, seen | {name})
        else:
            requirements.append(requirement)
    return requirements


def test_a_learner_installs_the_learner_tools_and_no_dev_tool() -> None:
    learner = names(PROJECT["project"]["dependencies"])
    assert learner >= LEARNER_TOOLS, f"missing from a learner's install: {LEARNER_TOOLS - learner}"
    assert not learner & DEV_TOOLS, f"dev tools in a learner's install: {learner & DEV_TOOLS}"
    assert names(extra("dev")) >= DEV_TOOLS, f"not in the dev extra: {DEV_TOOLS - names(extra('dev'))}"


def test_every_requirement_is_pinned() -> None:
    extras = PROJECT["project"]["optional-dependencies"]
    for requirement in [*PROJECT["project"]["dependencies"], *(r for e in extras for r in extra(e)),
                        *PROJECT["build-system"]["requires"]]:
        assert re.search(r"==\d", requirement), f"{requirement} is not pinned with =="


def test_the_dev_extra_holds_the_build_backend_it_tests() -> None:
    assert set(PROJECT["build-system"]["requires"]) <= set(extra("dev"))


@pytest.fixture(scope="module")
def editable_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The editable wheel the build backend makes for a copy of the project, and all it printed
    (warnings shown, as pip would relay them)."""
    import setuptools

    pinned = next(r for r in PROJECT["build-system"]["requires"] if r.startswith("setuptools=="))
    assert setuptools.__version__ == pinned.split("==")[1], (
        f"setuptools {setuptools.__version__} is installed, {pinned} builds the course: "
        "make test installs the dev extra")
    project = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO_ROOT / name, project / name)
    shutil.copytree(REPO_ROOT / "course", project / "course",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c",
         "from setuptools import build_meta; print(build_meta.build_editable('dist'))"],
        cwd=project, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    return project / "dist" / result.stdout.strip().splitlines()[-1], output


def test_the_editable_install_prints_no_warning(editable_wheel: tuple[Path, str]) -> None:
    _, output = editable_wheel
    warnings = [line for line in output.splitlines() if re.search(r"warn|deprecat", line, re.I)]
    assert not warnings, "the build backend warned:\n" + "\n".join(warnings[:10])


def test_the_editable_install_is_one_plain_path_entry(editable_wheel: tuple[Path, str]) -> None:
    """A .pth line naming the checkout; an import-hook finder would cost every start ~20 ms."""
    wheel, _ = editable_wheel
    with zipfile.ZipFile(wheel) as archive:
        pth = [name for name in archive.namelist() if name.endswith(".pth")]
        assert len(pth) == 1, archive.namelist()
        lines = archive.read(pth[0]).decode().split()
        assert not [name for name in archive.namelist() if "finder" in name]
    assert len(lines) == 1 and Path(lines[0]) == wheel.parent.parent, lines
