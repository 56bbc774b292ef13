"""Bytecode for the pristine checks, made once per `course grade` (course/instructor/grade.py).

The sandbox sees the pristine tree read-only, so without this every graded lab would compile the
harness and re-run pytest's assert rewriting of the check modules and conftests from source:
about 0.3 s of CPU per lab-check, the same work hundreds of times. Both kinds are written as
checked-hash pycs (PEP 552), so each is used only while its source is byte for byte the same,
and names the path the sandbox sees, as if compiled there.

pytest has no public call that writes its rewritten pycs: this uses its module
`_pytest.assertion.rewrite` (pytest is pinned, and tests/course/test_grade.py proves a graded run
reads every one of them)."""

from __future__ import annotations

import ast
import importlib.util
import py_compile
from pathlib import Path

from _pytest.assertion.rewrite import PYC_TAIL, _write_pyc_fp, rewrite_asserts


def rewritten_by_pytest(path: Path) -> bool:
    """What pytest's own import hook rewrites in the checks: conftests and test modules."""
    return path.name == "conftest.py" or path.name.startswith("test_") or \
        path.name.endswith("_test.py")


def pytest_pyc(path: Path) -> Path:
    return path.parent / "__pycache__" / (path.name[:-3] + PYC_TAIL)


def precompile(tree: Path, seen_as: Path) -> int:
    """Writes the bytecode of every module under `tree`, which a sandbox shows at `seen_as`;
    returns how many. A module that does not compile is left for pytest to report."""
    written = 0
    for path in sorted(tree.rglob("*.py")):
        inside = seen_as / path.relative_to(tree)
        try:
            if rewritten_by_pytest(path):
                source = path.read_bytes()
                module = ast.parse(source, filename=str(inside))
                rewrite_asserts(module, source, str(inside))
                code = compile(module, str(inside), "exec", dont_inherit=True)
                pyc = pytest_pyc(path)
                pyc.parent.mkdir(exist_ok=True)
                with pyc.open("wb") as out:
                    _write_pyc_fp(out, importlib.util.source_hash(source), code)
            else:
                py_compile.compile(str(path), dfile=str(inside), doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        except (SyntaxError, py_compile.PyCompileError, OSError):
            continue
        written += 1
    return written
