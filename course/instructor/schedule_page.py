"""The Instructors page's schedule, as Markdown: the time of each chapter, then each track's
days with their start times, pauses and a warning when a track does not fit. Computed by
course.instructor.schedule from lab.toml, so the page says what the numbers say."""

from __future__ import annotations

from course.engine.concepts import CHAPTER_TITLES
from course.engine.registry import Lab
from course.instructor.schedule import (
    TRACKS,
    ChapterBlock,
    DayShape,
    Slot,
    TrackPlan,
    TrackShape,
    clock,
    plan_track,
)

NUMBERS = ("one", "two", "three", "four")
DAY_NAMES = tuple(f"Day {number}" for number in NUMBERS)


def chapter_blocks(labs: list[Lab]) -> list[ChapterBlock]:
    return [ChapterBlock(chapter=lab.chapter, slug=lab.slug,
                         title=CHAPTER_TITLES.get(lab.chapter, lab.title), lab_title=lab.title,
                         talk=lab.lesson_minutes, demo=lab.demo_minutes, lab=lab.minutes)
            for lab in labs]


def span(chapters: list[int] | tuple[int, ...]) -> str:
    """01–06, or 01 and 03, or 01, 03 and 05–07."""
    runs: list[list[int]] = []
    for chapter in sorted(chapters):
        if runs and chapter == runs[-1][-1] + 1:
            runs[-1].append(chapter)
        else:
            runs.append([chapter])
    names = [f"{run[0]:02d}" if len(run) == 1 else f"{run[0]:02d}–{run[-1]:02d}" for run in runs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{minutes} min" if not hours else f"{hours} h {rest:02d}" if rest else f"{hours} h"


def capacity(shape: DayShape) -> int:
    """The minutes a day holds for chapters, once its opening and pauses are taken."""
    return (shape.end - shape.start - shape.opening_minutes
            - sum(pause.minutes for pause in shape.pauses))


def anchor(track: TrackShape) -> str:
    return track.name.lower().replace(" ", "-")


def _slot_row(slot: Slot) -> str:
    block = slot.block
    chapter = f"[{block.id} · {block.title}]({block.slug}/index.md)" if block else ""
    return f"| {clock(slot.start)} | {chapter} | {slot.label} | {duration(slot.minutes)} |"


def track_section(plan: TrackPlan) -> list[str]:
    track = plan.shape
    written = [block.chapter for block in plan.blocks]
    lines = [f"### {track.name} {{ #{anchor(track)} }}", ""]
    plural = "s" * (len(track.days) > 1)
    scope = f"Chapters {span(list(track.chapters))} in {NUMBERS[len(track.days) - 1]} day{plural}."
    if written:
        scope += f" Written, and scheduled below: {span(written)}."
    if plan.planned:
        scope += f" Planned, not written yet: {span(plan.planned)}."
    lines += [scope, ""]
    late = [(name, day) for name, day in zip(DAY_NAMES, plan.days, strict=False) if not day.fits]
    if late:
        lines += [f'!!! warning "The {track.name.lower()} does not fit its day{plural}"', ""]
        for name, day in late:
            lines.append(f"    {name} ends at {clock(day.end)}, {day.overrun} minutes after "
                         f"{clock(day.shape.end)}.")
        lines += ["    Move a chapter to another day or track, or shorten its parts in lab.toml "
                  "(`demo_minutes`, `lesson_minutes`, `minutes`).", ""]
    for name, day in zip(DAY_NAMES, plan.days, strict=False):
        if not day.slots:
            lines += [f"**{name}**: no chapter written for it yet.", ""]
            continue
        chapters = span([block.chapter for block in day.blocks])
        lines += [f"**{name}** · chapters {chapters} · {clock(day.shape.start)}–"
                  f"{clock(day.end)}", "", "| starts | chapter | part | for |", "|---|---|---|---|"]
        lines += [_slot_row(slot) for slot in day.slots]
        lines += [f"| {clock(day.end)} | | End of the day | |", ""]
    return lines


def chapter_times(blocks: list[ChapterBlock]) -> list[str]:
    lines = ["| chapter | live demo | talk and playground | lab | block |", "|---|---|---|---|---|"]
    for block in blocks:
        lines.append(f"| [{block.id} · {block.title}]({block.slug}/index.md#instructor-notes) | "
                     f"{block.demo} min | {block.talk} min | {block.lab} min | "
                     f"{duration(block.minutes)} |")
    total = sum(block.minutes for block in blocks)
    lines += [f"| all {len(blocks)} written chapters | | | | {duration(total)} |", ""]
    return lines


def planned_note(blocks: list[ChapterBlock], tracks: tuple[TrackShape, ...]) -> list[str]:
    planned = [chapter for chapter in CHAPTER_TITLES if chapter not in {b.chapter for b in blocks}]
    if not planned or not blocks:
        return []
    average = round(sum(block.minutes for block in blocks) / len(blocks))
    widest = max(tracks, key=lambda track: len(track.days))
    room = sum(capacity(day) for day in widest.days)
    whole = average * len(CHAPTER_TITLES)
    return [
        '!!! note "The chapters still to come"', "",
        f"    Chapters {span(planned)} are planned and join the tracks when their lab.toml "
        f"exists. At the written chapters' average block of {duration(average)}, all "
        f"{len(CHAPTER_TITLES)} chapters would take about {duration(whole)}, while the "
        f"{widest.name.lower()}'s days hold {duration(room)} of chapter time between their "
        "openings and pauses.", ""]


def schedule_fragment(blocks: list[ChapterBlock],
                      tracks: tuple[TrackShape, ...] = TRACKS) -> str:
    """What the Instructors page includes under its Schedule heading."""
    shape = tracks[0].days[0]
    pauses = ", ".join(f"{pause.label.lower()} ({pause.minutes} min) nearest {clock(pause.due)}"
                       for pause in shape.pauses)
    lines = [
        "Computed from each lab's `lab.toml` (the [labs page](labs.md) lists their minutes), "
        "so it changes when they do. A chapter is one block: a live demo of the "
        "starter's symptoms (`demo_minutes`), the lesson as a talk with its playground "
        "(`lesson_minutes`), then the lab (`minutes`), debriefed with `course diff NN` as it "
        f"ends. A day runs {clock(shape.start)}–{clock(shape.end)} and opens as its first row "
        "says; a chapter starts on the first day it finishes in, and pauses are taken between "
        f"two parts, never inside one: {pauses}.", "",
        *chapter_times(blocks),
    ]
    for track in tracks:
        lines += track_section(plan_track(track, blocks))
    lines += planned_note(blocks, tracks)
    return "\n".join(lines)
