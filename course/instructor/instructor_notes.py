"""Each chapter's instructor notes (lessons/NN-slug/instructor.toml): what to say in the talk,
section by section, the live demo script, a checkpoint in the lab and how to unblock people.
The minutes are lab.toml's; the talk's sections must add up to its `lesson_minutes`. The wrong
turns are not written here: they come from the lab's rejected variants (course.engine.variants).

    unblocking = ["Point at uvicorn's startup output first."]

    [[talk]]
    section = "asgi-scope-events"       # a heading anchor of the chapter's index.md
    minutes = 10
    points = ["ASGI is one coroutine and a stream of message dictionaries."]

    [[demo]]
    show = "/health hangs while one eligibility lookup waits."
    run = ["curl -i 127.0.0.1:8010/health"]

    [checkpoint]
    after = 20                          # minutes into the lab
    green = ["insurer-lookup-stalls-everyone"]   # bug ids of lab.toml
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from course.engine.concepts import heading_titles
from course.engine.paths import LESSONS_DIR
from course.engine.registry import Lab

Text = Annotated[str, Field(min_length=10)]
NOTES_FILE = "instructor.toml"


class NotesError(Exception):
    """An instructor.toml is malformed or disagrees with its lab; one line naming file and field."""


class TalkPart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    section: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    minutes: Annotated[int, Field(ge=1, le=120)]
    points: Annotated[list[Text], Field(min_length=1, max_length=5)]


class DemoStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    show: Text
    run: list[Annotated[str, Field(min_length=2)]] = []


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after: Annotated[int, Field(ge=5)]
    green: Annotated[list[str], Field(min_length=1)]


class InstructorNotes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    talk: Annotated[list[TalkPart], Field(min_length=1)]
    demo: Annotated[list[DemoStep], Field(min_length=1)]
    checkpoint: Checkpoint | None = None
    unblocking: list[Text] = []


def notes_path(lab: Lab, lessons_dir: Path = LESSONS_DIR) -> Path:
    return lessons_dir / lab.slug / NOTES_FILE


def load_notes(lab: Lab, lessons_dir: Path = LESSONS_DIR) -> InstructorNotes | None:
    """The chapter's notes, checked against its lab and lesson; None when the file is absent
    (a copy without instructor notes still builds its site)."""
    path = notes_path(lab, lessons_dir)
    if not path.is_file():
        return None
    try:
        notes = InstructorNotes.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise NotesError(f"{path}: not valid TOML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise NotesError(f"{path}: field {where}: {first['msg']}") from None
    problem = disagreement(notes, lab, lessons_dir / lab.slug / "index.md")
    if problem:
        raise NotesError(f"{path}: {problem}")
    return notes


def disagreement(notes: InstructorNotes, lab: Lab, lesson: Path) -> str:
    """What in the notes contradicts the lab or the lesson, or ''."""
    talk = sum(part.minutes for part in notes.talk)
    if talk != lab.lesson_minutes:
        return (f"field talk: its minutes add up to {talk}, but lab.toml's lesson_minutes "
                f"is {lab.lesson_minutes}")
    titles = heading_titles(lesson) if lesson.is_file() else {}
    for index, part in enumerate(notes.talk):
        if part.section not in titles:
            return f"field talk.{index}.section: {lesson} has no heading {{ #{part.section} }}"
    if notes.checkpoint:
        if notes.checkpoint.after >= lab.minutes:
            return (f"field checkpoint.after: {notes.checkpoint.after} minutes is not inside "
                    f"the {lab.minutes}-minute lab")
        unknown = set(notes.checkpoint.green) - {bug.id for bug in lab.bugs}
        if unknown:
            return f"field checkpoint.green: {sorted(unknown)} are not bugs of lab.toml"
    return ""
