"""`course`: the command line, assembled from each part's commands: the learner's loop
(course/learner/*_commands.py), the instructor's kit (course/instructor/commands.py) and the
maintainer's proof (course/proof/commands.py), in the order `course --help` lists them.

Exit codes: 0 all good, 1 checks failed (or the proof did not hold), 2 usage or infrastructure
errors (unknown lab, malformed lab.toml, missing check module, no git history for a reset).
"""

from __future__ import annotations

import typer

from course.engine.console import errors
from course.engine.registry import RegistryError
from course.instructor import commands as instructor
from course.learner import check_commands, loop_commands, replace_commands
from course.proof import commands as proof

app = typer.Typer(
    help="FastAPI Boundaries: run the labs' checks, get hints, compare with the solution.",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
)
COMMANDS = {
    "list": check_commands.list_labs,
    "check": check_commands.check,
    "hint": check_commands.hint,
    "diff": check_commands.diff,
    "reset": replace_commands.reset,
    "verify": proof.verify,
    "watch": loop_commands.watch,
    "catch-up": replace_commands.catch_up_command,
    "restore": replace_commands.restore,
    "grade": instructor.grade,
    "handout": instructor.handout,
    "start": loop_commands.start,
}
for name, command in COMMANDS.items():
    app.command(name)(command)


def main() -> None:
    try:
        app()
    except RegistryError as exc:  # a lab.toml broke mid-command
        errors.print(f"error: {exc}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
