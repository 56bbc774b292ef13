"""The workshop schedule: each chapter is one block (live demo, talk, lab), laid on the days of a
track with an opening, breaks and lunch. Pure: it takes the blocks and the shape of the days and
says when every part runs and whether the track fits its days.

Times are minutes since midnight. A pause is taken at the part boundary nearest its due time,
never inside a part, so a 75-minute lab is not cut in two by lunch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SlotKind = Literal["opening", "demo", "talk", "lab", "pause"]


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class ChapterBlock:
    chapter: int
    slug: str
    title: str
    lab_title: str
    talk: int
    demo: int
    lab: int

    @property
    def id(self) -> str:
        return f"{self.chapter:02d}"

    @property
    def minutes(self) -> int:
        return self.talk + self.demo + self.lab


@dataclass(frozen=True)
class Pause:
    label: str
    minutes: int
    due: int


@dataclass(frozen=True)
class DayShape:
    opening: str
    opening_minutes: int
    start: int = 9 * 60
    end: int = 17 * 60
    pauses: tuple[Pause, ...] = (
        Pause("Break", 15, 10 * 60 + 30),
        Pause("Lunch", 60, 12 * 60 + 30),
        Pause("Break", 15, 15 * 60),
    )


@dataclass(frozen=True)
class TrackShape:
    name: str
    days: tuple[DayShape, ...]
    chapters: range  # the chapters the track is meant to cover, written or planned


@dataclass(frozen=True)
class Slot:
    start: int
    minutes: int
    kind: SlotKind
    label: str
    block: ChapterBlock | None = None

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class Day:
    shape: DayShape
    blocks: tuple[ChapterBlock, ...]
    slots: tuple[Slot, ...]

    @property
    def end(self) -> int:
        return self.slots[-1].end if self.slots else self.shape.start

    @property
    def overrun(self) -> int:
        """Minutes past the end of the day; 0 when it fits."""
        return max(0, self.end - self.shape.end)

    @property
    def fits(self) -> bool:
        return self.overrun == 0


@dataclass(frozen=True)
class TrackPlan:
    shape: TrackShape
    days: tuple[Day, ...]
    planned: tuple[int, ...]  # chapters of the track with no block yet

    @property
    def blocks(self) -> tuple[ChapterBlock, ...]:
        return tuple(block for day in self.days for block in day.blocks)

    @property
    def fits(self) -> bool:
        return all(day.fits for day in self.days)


def _parts(block: ChapterBlock) -> list[tuple[SlotKind, int, str]]:
    parts: list[tuple[SlotKind, int, str]] = [
        ("demo", block.demo, "Live demo: the starter's symptoms"),
        ("talk", block.talk, "Talk and playground"),
        ("lab", block.lab, f"Lab {block.id}: {block.lab_title}"),
    ]
    return [part for part in parts if part[1] > 0]


def lay_day(shape: DayShape, blocks: tuple[ChapterBlock, ...]) -> Day:
    """The blocks in order from the day's start; a day without a block has no slot."""
    if not blocks:
        return Day(shape, blocks, ())
    now = shape.start
    slots = [Slot(now, shape.opening_minutes, "opening", shape.opening)]
    now += shape.opening_minutes
    pending = sorted(shape.pauses, key=lambda pause: pause.due)
    for block in blocks:
        for kind, minutes, label in _parts(block):
            # Now or after this part, whichever lies nearer the pause's due time; never before
            # the day's first part, which would only lengthen the opening.
            due = [pause for pause in pending if pause.due <= now + minutes / 2]
            if due and slots[-1].kind != "opening":
                pause = due[-1]  # a lunch that is due swallows a break that is overdue
                pending = [other for other in pending if other.due > pause.due]
                slots.append(Slot(now, pause.minutes, "pause", pause.label))
                now += pause.minutes
            slots.append(Slot(now, minutes, kind, label, block))
            now += minutes
    return Day(shape, blocks, tuple(slots))


def plan_track(shape: TrackShape, blocks: list[ChapterBlock]) -> TrackPlan:
    """The track's chapters in order; each starts on the first day it finishes in. What fits in
    no day goes on the last one, which then overruns."""
    remaining = sorted((block for block in blocks if block.chapter in shape.chapters),
                       key=lambda block: block.chapter)
    written = {block.chapter for block in remaining}
    days = []
    for index, day_shape in enumerate(shape.days):
        last = index == len(shape.days) - 1
        taken: tuple[ChapterBlock, ...] = ()
        while remaining:
            trial = (*taken, remaining[0])
            if not (last or not taken or lay_day(day_shape, trial).fits):
                break
            taken = trial
            remaining.pop(0)
        days.append(lay_day(day_shape, taken))
    planned = tuple(chapter for chapter in shape.chapters if chapter not in written)
    return TrackPlan(shape, tuple(days), planned)


FIRST_DAY = DayShape("Welcome: `course list` on every laptop, the loop on the projector", 15)
NEXT_DAY = DayShape("Recap; `course catch-up NN` for anyone behind", 10)
# The curriculum's split: one day of foundations (server, structure, wiring, contracts,
# security, lifecycle), or the whole course over two days.
TRACKS = (
    TrackShape("One-day track", (FIRST_DAY,), range(1, 7)),
    TrackShape("Two-day track", (FIRST_DAY, NEXT_DAY), range(1, 15)),
)
