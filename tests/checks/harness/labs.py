"""Which lab folder a check module grades, and importing that lab's `app` package cleanly.

Every lab has a package named `app`, so a lab is imported with its folder at the
front of `sys.path` and every previously imported `app.*` module forgotten first.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from harness import sandbox

REPO_ROOT = Path(__file__).resolve().parents[3]
NAMED_TARGETS = {"labs": REPO_ROOT / "labs", "solutions": REPO_ROOT / "solutions"}
# How a check says the lab exits as it is imported; `course check` gives every check it failed
# this one message (course/engine/runner.py).
EXITS_AT_IMPORT = "the lab exits as it is imported"


def find_lab_dir(target: str, lab_id: str) -> Path:
    """Resolve `--target` (labs, solutions, a folder of labs, or one lab folder) for lab NN."""
    root = NAMED_TARGETS.get(target, Path(target).expanduser().resolve())
    if (root / "app").is_dir() and root.name.startswith(f"{lab_id}-"):
        return root
    matches = sorted(p for p in root.glob(f"{lab_id}-*") if p.is_dir())
    if not matches:
        raise LookupError(f"no folder for lab {lab_id} under {root}")
    return matches[0]


def forget_app_modules() -> None:
    for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
        del sys.modules[name]


def lab_line(exc: BaseException, lab_dir: Path) -> str:
    """` (app/middleware.py:31)`: the deepest line of lab code the exception passed, or ""."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.is_relative_to(lab_dir):
            return f" ({path.relative_to(lab_dir)}:{frame.lineno})"
    return ""


def describe_exception(exc: BaseException, lab_dir: Path) -> str:
    """`KeyError: 'method' (app/middleware.py:31)`: the error and the deepest line of lab code."""
    described = getattr(exc, "described", None)  # harness.remote.LabError: said in the lab's process
    if isinstance(described, str):
        return described
    where = lab_line(exc, lab_dir)
    if isinstance(exc, SyntaxError) and exc.filename:
        path = Path(exc.filename)
        if path.is_relative_to(lab_dir):
            where = f" ({path.relative_to(lab_dir)}:{exc.lineno})"
        return f"SyntaxError: {exc.msg}{where}"
    text = str(exc).strip().splitlines()
    first = text[0][:160] if text else ""
    return f"{type(exc).__name__}: {first}{where}" if first else f"{type(exc).__name__}{where}"


def _exit_call(exc: SystemExit) -> str:
    return "sys.exit()" if exc.code is None else f"sys.exit({exc.code!r})"


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Imports the lab's stack (FastAPI, pydantic, SQLAlchemy) without the cyclic garbage
    collector running over and over: it costs 10-15 % of that import, and what an import
    creates lives for the whole run anyway, so it is frozen out of later collections."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.freeze()


@dataclass
class Lab:
    """The lab folder under test. `import_module` imports from it, or fails the check cleanly."""

    lab_id: str
    path: Path
    served: list[Any] = field(default_factory=list)  # harness.remote.RemoteApp, to stop

    def import_module(self, name: str = "app.main") -> ModuleType:
        if sandbox.active():
            raise RuntimeError("while a class is graded, the lab's code never runs in the "
                               "check's process: use Lab.asgi_app, or a process of the lab's")
        try:
            with collector_paused():
                return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == "app" or exc.name.startswith("app.")):
                pytest.fail(
                    f"the lab has no module {exc.name} (looked in {self.path})", pytrace=False
                )
            pytest.fail(f"the lab does not import: {describe_exception(exc, self.path)}",
                        pytrace=False)
        except Exception as exc:  # learner code can raise anything at import time
            pytest.fail(f"the lab does not import: {describe_exception(exc, self.path)}",
                        pytrace=False)
        except SystemExit as exc:  # not an error to pytest: left alone, it breaks the fixture
            pytest.fail(f"{EXITS_AT_IMPORT}: {_exit_call(exc)}{lab_line(exc, self.path)}",
                        pytrace=False)

    def attribute(self, module: str, name: str) -> object:
        loaded = self.import_module(module)
        if not hasattr(loaded, name):
            pytest.fail(f"{module} has no `{name}` any more; the brief says it must stay",
                        pytrace=False)
        return getattr(loaded, name)

    def asgi_app(self, target: str = "app.main:app") -> Any:
        """The lab's ASGI app `module:name`, to call as an app: imported here, or (when a class
        is graded) served by a process of the lab's own in its sandbox (harness.remote)."""
        module, _, name = target.partition(":")
        if not sandbox.active():
            return self.attribute(module, name)
        from harness.remote import RemoteApp

        app = RemoteApp(self.path, target, dict(os.environ))
        self.served.append(app)
        if not app.hello.get("ok"):
            pytest.fail(str(app.hello.get("error")), pytrace=False)
        return app

    def close(self) -> None:
        for app in self.served:
            app.stop()
        self.served.clear()
