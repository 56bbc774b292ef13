"""What makes a copy of the course a learner's handout: `.course-handout.toml` at its root, written
by `course handout`. It names the chapters whose solutions were released with it, and carries the
numbers the Labs page shows about the checks (measured in the course, whose proof files a handout
leaves out). The course's own checkout has no marker: every solution there is released."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from course.engine.paths import REPO_ROOT

MARKER_NAME = ".course-handout.toml"
MARKER_FILE = REPO_ROOT / MARKER_NAME


@dataclass(frozen=True)
class Marker:
    made_from: str  # the course commit the handout was built from
    released: tuple[str, ...]  # lab slugs whose solutions came with it
    strength: dict[str, dict[str, int | str]] = field(default_factory=dict)  # by lab slug


def load() -> Marker | None:
    """This checkout's marker; None in the course's own checkout (or when it cannot be read)."""
    try:
        data = tomllib.loads(MARKER_FILE.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return Marker(str(data.get("made_from", "")), tuple(data.get("released", [])),
                  dict(data.get("strength", {})))


def released(slug: str) -> bool:
    marker = load()
    return marker is None or slug in marker.released


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(marker: Marker) -> str:
    lines = [
        "# This copy of FastAPI Boundaries is a learner's handout, made by `course handout`.",
        "# `course diff NN` shows the solutions of the chapters released with it; for the others",
        "# it says they are not released yet.",
        f"made_from = {_toml_string(marker.made_from)}",
        "released = [" + ", ".join(_toml_string(slug) for slug in marker.released) + "]",
    ]
    for slug, numbers in marker.strength.items():
        lines += ["", f"[strength.{_toml_string(slug)}]  # the Labs page's check strength, as measured "
                  "in the course"]
        lines += [f"{key} = {_toml_string(value) if isinstance(value, str) else value}"
                  for key, value in numbers.items()]
    return "\n".join(lines) + "\n"
