"""Presses Ctrl-C at every step of one `course` command, one run per step, in a course copy.

    PYTHONPATH=COPY python ctrl_c.py reset|catch-up|restore     (from the copy's folder)

A step is a call that changes files: a new folder, a copy, a rename, a removal, a flush. First
the command runs whole, counting its steps; then once per step from the same starting point,
with a KeyboardInterrupt raised at that step. After each run it records what lab 01 holds,
which backups look complete, and what a plain `course restore` then makes of the lab. One JSON
object on stdout; tests/course/test_catchup.py judges it.

Each run is a fork of this process, so the tooling is imported once for all of them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import course.cli
import course.engine.locks
import course.engine.starters

# What the commands import on their way, imported once before the forks.
import course.learner.backups
import course.learner.catchup
import course.learner.replace_commands
from course.engine.paths import STATE_DIR
from course.engine.registry import find_lab
from course.engine.runner import CheckResult, CheckRun

STEPS = [(os, "mkdir"), (os, "rename"), (os, "replace"), (os, "unlink"), (os, "rmdir"),
         (os, "fsync"), (shutil, "copyfile")]
COMMANDS = {"reset": ["reset", "01"], "catch-up": ["catch-up", "02"], "restore": ["restore"]}
LAB = find_lab("01")
TOOL = Path(course.cli.__file__).parent
Tree = dict[str, bytes]


def tree(root: Path) -> Tree | None:
    if not root.is_dir():
        return None
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


def put(root: Path, content: Tree | None) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for relative, data in (content or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)


def failing(lab, target: str = "labs") -> CheckRun:
    """Catch-up's check of each earlier lab, without running it: it does not pass."""
    return CheckRun(lab, target, [CheckResult("stand_in", "failed", "not fixed")], 0.0)


class Interrupt:
    """Counts the steps; raises KeyboardInterrupt at step `at` (never, when 0). Each step is
    also named by the lines of the tool that made it, so that one more file of the same copy
    can be told from a step of its own."""

    def __init__(self, at: int) -> None:
        self.at, self.count, self.where, self.places = at, 0, "", []
        for module, name in STEPS:
            setattr(module, name, self.wrap(f"{module.__name__}.{name}", getattr(module, name)))

    def wrap(self, name: str, real: Callable) -> Callable:
        def step(*args, **kwargs):
            self.count += 1
            if self.count == self.at:
                self.where = f"{name}{tuple(str(arg) for arg in args)}"
                raise KeyboardInterrupt
            if not self.at:
                self.places.append(" < ".join([name, *(
                    f"{Path(frame.filename).name}:{frame.lineno}"
                    for frame in reversed(traceback.extract_stack())
                    if Path(frame.filename).is_relative_to(TOOL))]))
            return real(*args, **kwargs)

        return step


def steps_to_interrupt(places: list[str]) -> list[int]:
    """Of the steps made from one place in the tool (one copy, one removal of a folder), the
    first and the last: those between them leave the same kind of state behind."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for number, place in enumerate(places, start=1):
        first.setdefault(place, number)
        last[place] = number
    return sorted({*first.values(), *last.values()})


def in_a_fork(args: list[str], log: Path, interrupt_at: int | None) -> dict:
    """`course ARGS` in a child process: its exit code, and how many steps it made."""
    sys.stdout.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(out, 2)
        course.learner.replace_commands.checks_or_exit = failing
        interrupt = Interrupt(interrupt_at) if interrupt_at is not None else None
        sys.argv = ["course", *args]
        code: int | str = 0
        try:
            course.cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # whatever it is, the child ends here, not in main()
            code = f"{type(exc).__name__}: {exc}"
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            report = {"code": code, "steps": interrupt.count if interrupt else 0,
                      "where": interrupt.where if interrupt else "",
                      "places": interrupt.places if interrupt else []}
            with os.fdopen(write_end, "w") as pipe:
                json.dump(report, pipe)
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = json.loads(pipe.read() or b"{}")
    os.waitpid(pid, 0)
    return report


def backups() -> tuple[list[Tree | None], list[str]]:
    """The backups that look complete (their contents), and the ones marked partial (names)."""
    folders = sorted((STATE_DIR / "backups").glob("*/*"))
    complete = [tree(folder) for folder in folders if not folder.name.endswith(".partial")]
    return complete, [folder.name for folder in folders if folder.name.endswith(".partial")]


def warm_up() -> None:
    """The tooling's own lazy imports (rich's tables, typer's parsing), made once, here."""
    sys.argv = ["course", "list"]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        course.cli.main()


def main() -> None:
    command = sys.argv[1]
    warm_up()
    with tempfile.TemporaryDirectory(prefix="ctrl-c-") as logs:
        json.dump(sweep(command, Path(logs)), sys.stdout)


def sweep(command: str, logs: Path) -> dict:
    main_py = LAB.starter_dir / "app" / "main.py"
    main_py.write_text(main_py.read_text() + "\n# my work in progress\n")
    (LAB.starter_dir / "app" / "notes_of_mine.py").write_text("IDEA = 1\n")
    learner = tree(LAB.starter_dir)
    if command == "restore":
        assert in_a_fork(COMMANDS["catch-up"], logs / "setup", None)["code"] == 0
    before, state_before = tree(LAB.starter_dir), tree(STATE_DIR)
    whole = in_a_fork(COMMANDS[command], logs / "whole", 0)
    after = tree(LAB.starter_dir)
    known = {"learner's": learner, "before": before, "after": after}

    def name_of(content: Tree | None) -> str:
        names = [name for name, known_tree in known.items() if content == known_tree]
        return "+".join(names) or ("missing" if content is None else "mixed")

    runs = []
    for step in steps_to_interrupt(whole.pop("places")):
        put(LAB.starter_dir, before)
        put(STATE_DIR, state_before)
        run = in_a_fork(COMMANDS[command], logs / "run", step)
        lab_now = tree(LAB.starter_dir)
        complete, partial = backups()
        restore = in_a_fork(COMMANDS["restore"], logs / "restore", None)
        runs.append({
            "step": step, "where": run["where"], "code": run["code"],
            "lab": name_of(lab_now), "backups": [name_of(content) for content in complete],
            "partial": partial, "restore_code": restore["code"],
            "restore_said": (logs / "restore").read_text(),
            "restored": name_of(tree(LAB.starter_dir)),
        })
    return {"whole": whole, "lab_after": name_of(after), "runs": runs}


if __name__ == "__main__":
    main()
