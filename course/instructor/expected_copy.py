"""What a learner's copy should hold outside labs/, to tell what it changed: the course's last
commit, or, for a copy of a handout (`course handout`, marked by `.course-handout.toml`), the
handout that commit makes: no withheld solutions, no instructor notes, the marker itself."""

from __future__ import annotations

import hashlib
import threading
import tomllib
from pathlib import Path

from course.engine.handout_marker import MARKER_NAME
from course.instructor.handout import HandoutError, committed_labs, committed_tree, learner_tree

# A handout's wheelhouse: installed from, never graded with (the grader runs its own Python).
NOT_COMPARED = ("wheels/",)


def blob_id(data: bytes) -> str:
    """git's id of a file's bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class Expectations:
    """Per copy, the files it should have; a handout's are worked out once per commit."""

    def __init__(self, committed: dict[str, str]) -> None:
        self.committed = committed
        self._handouts: dict[tuple[str, tuple[str, ...]], dict[str, str] | None] = {}
        self._lock = threading.Lock()

    def for_copy(self, copy: Path) -> tuple[dict[str, str], tuple[str, ...]]:
        """(path -> blob id, prefixes not compared) for the copy."""
        try:
            marker = tomllib.loads((copy / MARKER_NAME).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return self.committed, ()
        key = (str(marker.get("made_from", "")), tuple(map(str, marker.get("released", []))))
        with self._lock:
            if key not in self._handouts:
                self._handouts[key] = _handout_files(*key)
        files = self._handouts[key]
        # A handout made from a commit this checkout lacks: compared with the last commit.
        return (self.committed, NOT_COMPARED) if files is None else (files, NOT_COMPARED)


def _handout_files(commit: str, released: tuple[str, ...]) -> dict[str, str] | None:
    try:
        files = committed_tree(commit)
    except HandoutError:
        return None
    shown = [lab for lab in committed_labs(files) if lab.slug in released]
    tree = learner_tree(files, shown, commit)
    return {path: blob_id(entry.data) for path, entry in tree.files.items()
            if not path.startswith("labs/")}
