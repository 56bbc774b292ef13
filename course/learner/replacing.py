"""Replacing a learner's lab folder so that nothing can stop it halfway.

The lab is backed up, the backup recorded where `course restore` finds it, the new tree built
beside the lab and swapped in with two renames, the old folder put back if the second one does
not happen. Whatever stops the command (a Ctrl-C, a full disk), the lab folder is whole, the old
one or the new one, and the old one is in a complete backup.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from course.engine.locks import exclusive
from course.engine.paths import STATE_DIR
from course.engine.state import ProgressNotSaved
from course.learner.backups import back_up


class NotReplaced(Exception):
    """The lab was left as it is; the message says what could not be written."""


def replace_lab(live: Path, name: str, build: Callable[[Path], Path],
                record: Callable[[Path], object] | None = None) -> Path | None:
    """Back up `live` (when it is there), let `record` note the backup, then swap in the tree
    `build(scratch)` makes inside the scratch folder it is given. Returns the backup."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive("labs"))
            backup = back_up(live, name) if live.exists() else None
        except OSError as exc:
            raise _not_written("its backup", exc) from None
        if record and backup:
            try:
                record(backup)
            except ProgressNotSaved as exc:
                raise NotReplaced(f"the record of its backup could not be saved ({exc})") from None
        try:
            scratch = Path(tempfile.mkdtemp(dir=STATE_DIR, prefix="replace-"))
        except OSError as exc:
            raise _not_written("its new version", exc) from None
        try:
            fresh = build(scratch)
        except BaseException as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _not_written("its new version", exc) from None
            raise
        try:
            swap_in(fresh, live, scratch)
        except OSError as exc:  # the old folder is back in place
            raise _not_written("its new version", exc) from None
    return backup


def _not_written(what: str, exc: OSError) -> NotReplaced:
    return NotReplaced(f"{what} could not be written ({exc.strerror or exc})")


def swap_in(fresh: Path, live: Path, scratch: Path) -> None:
    """`fresh` becomes `live`; the old `live` goes into `scratch`, which is then removed."""
    replaced = scratch / "replaced"
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        if live.exists():
            shutil.move(live, replaced)
        shutil.move(fresh, live)
    except BaseException:
        if replaced.exists() and not live.exists():
            shutil.move(replaced, live)
        raise
    finally:
        if live.exists():  # else `replaced` is the only copy left of the lab: keep it
            shutil.rmtree(scratch, ignore_errors=True)
