"""Each chapter's instructor notes, as Markdown: timing from lab.toml, talking points and the
demo script from the chapter's instructor.toml, and the common wrong turns from the lab's
rejected variants, grouped by the bug (or the brief's promise) whose checks catch them. The
same notes end the chapter's page and fill its section of the Instructors page."""

from __future__ import annotations

import html
import re

from course.engine.concepts import CHAPTER_TITLES, heading_titles
from course.engine.paths import LESSONS_DIR
from course.engine.registry import Lab
from course.engine.variants import DeclaredVariant
from course.instructor.instructor_notes import InstructorNotes

MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]])")


def plain(text: str) -> str:
    """Text written as text (a variant's why), shown as written whatever Markdown it resembles."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))


def sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def grouped_turns(lab: Lab, turns: list[DeclaredVariant]) -> list[tuple[str, list[DeclaredVariant]]]:
    """(what the learner was fixing, the wrong turns taken there), in lab.toml's order: a turn
    goes with the first bug whose checks catch it, else the first promise."""
    causes = [(bug.symptom, set(bug.checks)) for bug in lab.bugs]
    causes += [(f"Kept by the brief: {promise.promise}", set(promise.checks))
               for promise in lab.promises]
    groups: dict[str, list[DeclaredVariant]] = {cause: [] for cause, _ in causes}
    for turn in turns:
        cause = next((cause for cause, checks in causes if checks & set(turn.caught_by)),
                     "Elsewhere")
        groups.setdefault(cause, []).append(turn)
    return [(cause, grouped) for cause, grouped in groups.items() if grouped]


def notes_body(lab: Lab, notes: InstructorNotes | None, turns: list[DeclaredVariant],
               page_link: str) -> list[str]:
    """The notes' lines; `page_link` is how a link from where they are shown reaches the
    chapter page ('' on the chapter page itself)."""
    total = lab.demo_minutes + lab.lesson_minutes + lab.minutes
    schedule = "#schedule" if page_link else "../instructors.md#schedule"
    lines = [f"**Timing ({total} min).** Live demo {lab.demo_minutes} min, talk and playground "
             f"{lab.lesson_minutes} min, lab {lab.minutes} min: one block of the "
             f"[workshop schedule]({schedule}).", ""]
    if notes is None:
        lines += ["*This copy of the course has no instructor notes for the chapter "
                  f"(lessons/{lab.slug}/instructor.toml).*", ""]
    else:
        lines += _talk(lab, notes, page_link) + _demo(lab, notes) + _checkpoint(lab, notes)
    lines += _wrong_turns(lab, turns)
    if notes and notes.unblocking:
        lines += ["**Unblocking.**", ""]
        lines += [f"- {point}" for point in notes.unblocking]
        lines.append("")
    return lines


def _talk(lab: Lab, notes: InstructorNotes, page_link: str) -> list[str]:
    titles = heading_titles(LESSONS_DIR / lab.slug / "index.md")
    lines = [f"**Talking points ({lab.lesson_minutes} min).**", ""]
    for part in notes.talk:
        lines.append(f"- {part.minutes} min · [{titles[part.section]}]"
                     f"({page_link}#{part.section})")
        lines += [f"    - {point}" for point in part.points]
    return [*lines, ""]


def _demo(lab: Lab, notes: InstructorNotes) -> list[str]:
    lines = [f"**Live demo ({lab.demo_minutes} min).**", ""]
    for number, step in enumerate(notes.demo, start=1):
        commands = " · ".join(f"`{command}`" for command in step.run)
        lines.append(f"{number}. {step.show}" + (f"<br>{commands}" if commands else ""))
    return [*lines, ""]


def _checkpoint(lab: Lab, notes: InstructorNotes) -> list[str]:
    if notes.checkpoint is None:
        return []
    bugs = [bug for bug in lab.bugs if bug.id in notes.checkpoint.green]
    checks = ", ".join(f"`{check}`" for check in dict.fromkeys(
        check for bug in bugs for check in bug.checks))
    return [f"**Checkpoint.** {notes.checkpoint.after} minutes into the {lab.minutes}-minute lab, "
            f"the room should have these checks green: {checks}. Whoever does not, gets "
            f"`course hint {lab.id}` now.", ""]


def _wrong_turns(lab: Lab, turns: list[DeclaredVariant]) -> list[str]:
    if not turns:
        return []
    lines = [f"**Common wrong turns.** Fixes that look done, each proven to be caught by the "
             f"checks named (the rejected variants of `tests/course/variants/{lab.slug}.toml`).",
             ""]
    for cause, grouped in grouped_turns(lab, turns):
        lines.append(f"- *{plain(sentence(cause))}*")
        for turn in grouped:
            caught = ", ".join(f"`{check}`" for check in turn.caught_by)
            lines.append(f"    - {plain(sentence(turn.why))} Caught by {caught}.")
    return [*lines, ""]


def chapter_page_notes(lab: Lab, notes: InstructorNotes | None,
                       turns: list[DeclaredVariant]) -> str:
    """What the chapter page includes under its Instructor notes heading: folded."""
    body = notes_body(lab, notes, turns, page_link="")
    return "\n".join(['??? note "Instructor notes"', "",
                      *(f"    {line}" if line else "" for line in body)])


def instructors_page_notes(chapters: list[tuple[Lab, InstructorNotes | None,
                                                list[DeclaredVariant]]]) -> str:
    """What the Instructors page includes under its chapters' heading: one section each."""
    lines: list[str] = []
    for lab, notes, turns in chapters:
        title = CHAPTER_TITLES.get(lab.chapter, lab.title)
        lines += [f"### {lab.id} · {title} {{ #notes-{lab.id} }}", "",
                  f"[The chapter]({lab.slug}/index.md) · [its lab]({lab.slug}/index.md#lab) · "
                  f"lab {lab.id}: {plain(lab.title)}", ""]
        lines += notes_body(lab, notes, turns, page_link=f"{lab.slug}/index.md")
    return "\n".join(lines)
