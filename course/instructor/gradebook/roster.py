"""Who is graded: the learners a roster names, each with a copy of the course on disk.

A roster entry is a learner's copy (a folder holding `labs/`: a checkout of the course or of
its handout), a zip or a git bundle of one, or a folder of any of those (one learner per
subfolder or archive). The learner's id is the folder's or the archive's name, without its
extension. Archives are unpacked into a scratch folder of the roster's own, never beside
themselves (course/instructor/gradebook/archives.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course.instructor.gradebook.archives import UNPACKERS, UnsafeArchive, unpack

IGNORED = {"__MACOSX", "$RECYCLE.BIN", "System Volume Information"}


class RosterError(Exception):
    """The roster names something that is no learner at all: nothing is graded (exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One learner as the roster names them, before anything is unpacked."""

    id: str
    source: Path  # their copy, or the archive holding it

    @property
    def archive(self) -> bool:
        return self.source.is_file()


@dataclass
class Learner:
    id: str
    source: Path
    copy: Path | None  # None: there is nothing to grade (the problem says why)
    problem: str = ""
    notes: list[str] = field(default_factory=list)


def is_copy(folder: Path) -> bool:
    return (folder / "labs").is_dir()


def is_archive(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in UNPACKERS


def learner_id(path: Path) -> str:
    return path.name[: -len(path.suffix)] if is_archive(path) else path.name


def entries_of(roster: list[Path]) -> list[Entry]:
    """Every learner the roster names, in its order (a folder's learners by name)."""
    found: list[Entry] = []
    for given in roster:
        path = given.expanduser()
        if not path.exists():
            raise RosterError(f"{given}: no such file or folder")
        if path.is_file():
            if not is_archive(path):
                raise RosterError(f"{given}: neither a learner's copy nor a .zip or .bundle of one")
            found.append(Entry(learner_id(path), path.resolve()))
        elif is_copy(path):
            found.append(Entry(path.name, path.resolve()))
        else:
            inside = [child for child in sorted(path.iterdir())
                      if not child.name.startswith(".") and child.name not in IGNORED
                      and (child.is_dir() or is_archive(child))]
            if not inside:
                raise RosterError(f"{given}: neither a learner's copy of the course (no labs/ "
                                  "folder) nor a folder of learners' copies or archives")
            found += [Entry(learner_id(child), child.resolve()) for child in inside]
    ids = [entry.id for entry in found]
    twice = sorted({name for name in ids if ids.count(name) > 1})
    if twice:
        raise RosterError(f"two roster entries are the same learner: {', '.join(twice)} "
                          "(a learner's id is their folder's or archive's name)")
    return found


def copy_root(folder: Path) -> Path | None:
    """The copy of the course in an unpacked archive: the folder itself, or the shallowest one
    below it (two levels at most) that holds `labs/` (a zip of `course-main/`, say)."""
    for depth in range(3):
        found = sorted(path.parent for path in folder.glob("/".join(["*"] * depth + ["labs"]))
                       if path.is_dir())
        if found:
            return found[0]
    return None


def open_learner(entry: Entry, scratch: Path) -> Learner:
    """The learner with their copy on disk: as it is, or unpacked under `scratch`."""
    if not entry.archive:
        if is_copy(entry.source):
            return Learner(entry.id, entry.source, entry.source)
        return Learner(entry.id, entry.source, None,
                       f"{entry.source.name} is not a copy of the course (it has no labs/ folder)")
    into = scratch / entry.id
    try:
        notes = unpack(entry.source, into)
    except UnsafeArchive as exc:
        return Learner(entry.id, entry.source, None, f"{entry.source.name} was not unpacked: {exc}")
    root = copy_root(into)
    if root is None:
        return Learner(entry.id, entry.source, None,
                       f"{entry.source.name} holds no copy of the course (no labs/ folder)")
    return Learner(entry.id, entry.source, root, notes=notes)
