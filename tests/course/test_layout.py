"""course/ is laid out by who uses each part (course/__init__.py): the engine they all share,
the learner's loop, the instructor's kit, the website and the maintainer's proof. Imports point from
the commands toward the engine, never back, and each part stays readable: no module over 300
lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from course.engine.paths import REPO_ROOT

COURSE = REPO_ROOT / "course"
MAX_LINES = 300
# What each part may import besides itself; the engine, nothing but itself.
MAY_IMPORT = {
    "engine": set(),
    "instructor": {"engine"},
    "website": {"engine", "instructor"},  # the Instructors page renders the kit's schedule and notes
    "learner": {"engine", "website"},  # `course start` builds the site
    "proof": {"engine", "instructor"},  # `make bench` grades a room
    "cli": {"engine", "learner", "instructor", "website", "proof"},  # assembles the commands
    "entry": {"engine", "cli"},
    "__main__": {"entry"},
}
MODULES = sorted(path for path in COURSE.rglob("*.py") if "__pycache__" not in path.parts)


def part_of(module: str) -> str:
    """`course.engine.registry` → `engine`; `course.cli` → `cli`."""
    return module.split(".")[1] if module.count(".") else ""


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def course_imports(path: Path) -> set[str]:
    """Every `course...` module the file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "course"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "course":
            found |= {f"{node.module}.{alias.name}" if node.module.count(".") == 0 else node.module
                      for alias in node.names}
    return found


def test_every_module_lives_in_a_part() -> None:
    loose = [module_name(path) for path in MODULES if part_of(module_name(path)) not in MAY_IMPORT
             and module_name(path) != "course"]
    assert not loose, f"modules in no part (course/__init__.py names the parts): {loose}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: module_name(path))
def test_imports_point_toward_the_engine(path: Path) -> None:
    module = module_name(path)
    own = part_of(module)
    allowed = MAY_IMPORT.get(own, set()) | {own}
    wrong = sorted(name for name in course_imports(path) if part_of(name) not in allowed)
    assert not wrong, (f"{module} ({own}) imports {wrong}; {own} may import only "
                       f"{sorted(allowed)} (course/__init__.py)")


def test_the_engine_imports_only_the_engine() -> None:
    engine = [path for path in MODULES if part_of(module_name(path)) == "engine"]
    assert len(engine) > 10
    outward = {module_name(path): sorted(name for name in course_imports(path)
                                         if part_of(name) != "engine")
               for path in engine}
    assert not {module: names for module, names in outward.items() if names}


def test_the_harness_imports_only_the_engine() -> None:
    harness = sorted((REPO_ROOT / "tests" / "checks").rglob("*.py"))
    outward = {path.name: sorted(name for name in course_imports(path) if part_of(name) != "engine")
               for path in harness}
    assert not {name: names for name, names in outward.items() if names}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: module_name(path))
def test_no_module_is_over_300_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO_ROOT)} has {lines} lines; split it"


def test_every_part_says_what_it_holds_and_who_uses_it() -> None:
    for part in ("engine", "learner", "instructor", "website", "proof"):
        doc = ast.get_docstring(ast.parse((COURSE / part / "__init__.py").read_text("utf-8")))
        assert doc and "used by" in doc.lower(), f"course/{part}/__init__.py: say what it holds " \
                                                 "and who uses it"
