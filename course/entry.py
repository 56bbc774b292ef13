"""The `course` command's entry point. For `course check`, the lab's checks start before the
command-line tooling (typer, rich, pydantic) is imported: a learner's feedback loop is the hot
path, and those imports would otherwise sit in front of it."""

from __future__ import annotations

import contextlib
import gc
import os
import sys

from course.engine.paths import LABS_DIR


def slug_for(key: str) -> str | None:
    """The lab folder `key` names (3, 03, slug, prefix), when exactly one does; the full
    registry does the same lookup later, with proper errors."""
    key = key.strip().lower()
    folders = [p.name for p in LABS_DIR.iterdir() if (p / "lab.toml").is_file()] \
        if LABS_DIR.is_dir() else []
    if key.isdigit() and len(key) <= 2:
        matches = [name for name in folders if name.startswith(f"{int(key):02d}-")]
    else:
        matches = [name for name in folders if name == key] or [
            name for name in folders if name.startswith(key) or name[3:].startswith(key)]
    return matches[0] if len(matches) == 1 else None


def early_target(args: list[str]) -> str | None:
    """`--target X` / `--target=X` among the check command's options; `labs` by default."""
    for index, arg in enumerate(args):
        if arg == "--target":
            return args[index + 1] if index + 1 < len(args) else None
        if arg.startswith("--target="):
            return arg.split("=", 1)[1]
    return "labs"


def main() -> None:
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "check" and not args[1].startswith("-"):
        slug, target = slug_for(args[1]), early_target(args[2:])
        if slug and target:
            from course.engine.launch import start_early

            start_early(slug, target)
            # On a small machine the checks and this process compete for the cores; the
            # checks are the critical path, the tool's own imports can wait.
            with contextlib.suppress(OSError, AttributeError):  # no nice() on Windows
                os.nice(5)
    from course.cli import main as cli_main

    try:
        cli_main()
    finally:
        # Interpreter shutdown would otherwise walk every pydantic and rich object (~35 ms).
        gc.freeze()
