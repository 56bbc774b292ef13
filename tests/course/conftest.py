"""Fixtures for the course's own tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from copies import copy_course
from course.engine.paths import LESSONS_DIR
from course.engine.warm import WarmPool
from course.website.site_build import generate
from variant_runs import SAMPLED_VARIANT_TEST, VARIANT_RUNS


def pytest_sessionstart(session: pytest.Session) -> None:
    """The lessons include generated parts (each chapter's executed playground) and the site
    lists generated pages: made here as before any site build, redone only when out of date."""
    generate()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that mostly wait (on a per-check timeout) go first, while the variants are
    graded beside them: their idle core is the variants' (see pytest_collection_finish)."""
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("waits") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The variants' grading starts now, one at a time beside the other tests: most of those
    wait on servers and subprocesses and leave a core idle (tests/course/test_variants.py).
    Not in a pytest-xdist worker, which collects every test but runs only those it is sent:
    there each variant is graded when its test runs."""
    first = next((item for item in session.items
                  if getattr(item, "originalname", "") == SAMPLED_VARIANT_TEST), None)
    worker = hasattr(session.config, "workerinput")
    if first is not None and not session.config.option.collectonly and not worker:
        module = first.module  # type: ignore[attr-defined]
        session.config.stash[VARIANT_RUNS] = module.VariantRuns(
            module.selected_variants(session.items), background=1)


def pytest_sessionfinish(session: pytest.Session) -> None:
    runs = session.config.stash.get(VARIANT_RUNS, None)
    if runs is not None:
        runs.close()


@pytest.fixture(scope="session")
def warm_pool() -> Iterator[WarmPool]:
    """The warm interpreters course watch, grade and verify fork the checks from: each test
    that runs checks without testing how a run starts shares them."""
    with WarmPool() as pool:
        yield pool


@pytest.fixture
def load_example() -> Callable[[str, str], ModuleType]:
    """Import lessons/<chapter>/examples/<name>.py as a fresh module."""

    def load(chapter: str, name: str) -> ModuleType:
        path = LESSONS_DIR / chapter / "examples" / f"{name}.py"
        module_name = f"example_{chapter.replace('-', '_')}_{name}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec and spec.loader, f"cannot load {path}"
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """The working tree as a fresh one-commit repo, for commands that rewrite labs/ or .course/."""
    return copy_course(tmp_path / "course")
