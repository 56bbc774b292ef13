"""The workshop schedule as a pure function of made-up chapters: parts follow each other from the
day's start, pauses fall between parts nearest their time, a chapter moves to the next day when
it would overrun, and the page warns exactly when a track does not fit its days."""

from __future__ import annotations

from course.instructor.schedule import (
    ChapterBlock,
    DayShape,
    TrackPlan,
    TrackShape,
    clock,
    lay_day,
    plan_track,
)
from course.instructor.schedule_page import duration, schedule_fragment, span

FIRST = DayShape("Welcome", 15)
NEXT = DayShape("Recap", 10)
ONE_DAY = TrackShape("One-day track", (FIRST,), range(1, 7))
TWO_DAYS = TrackShape("Two-day track", (FIRST, NEXT), range(1, 15))


def block(chapter: int, demo: int = 10, talk: int = 40, lab: int = 50) -> ChapterBlock:
    return ChapterBlock(chapter=chapter, slug=f"{chapter:02d}-made-up", title=f"Chapter {chapter}",
                        lab_title=f"Lab of chapter {chapter}", talk=talk, demo=demo, lab=lab)


def rows(plan: TrackPlan, day: int = 0) -> list[tuple[str, str, str]]:
    return [(clock(slot.start), slot.kind, slot.block.id if slot.block else "")
            for slot in plan.days[day].slots]


def test_a_day_is_laid_part_after_part_with_pauses_between_parts() -> None:
    """1. opening at 09:00 2. each chapter: demo, talk, lab 3. the break due at 10:30 is taken at
    10:10, nearer than after the lab (10:55) 4. lunch due at 12:30 at 11:55, before a 75-minute
    lab rather than after it 5. the 15:00 break is never reached."""
    plan = plan_track(ONE_DAY, [block(1, 10, 45, 45), block(2, 10, 35, 75)])
    assert rows(plan) == [
        ("09:00", "opening", ""),
        ("09:15", "demo", "01"), ("09:25", "talk", "01"), ("10:10", "pause", ""),
        ("10:25", "lab", "01"),
        ("11:10", "demo", "02"), ("11:20", "talk", "02"), ("11:55", "pause", ""),
        ("12:55", "lab", "02"),
    ]
    day = plan.days[0]
    assert [slot.label for slot in day.slots if slot.kind == "pause"] == ["Break", "Lunch"]
    assert all(a.end == b.start for a, b in zip(day.slots, day.slots[1:], strict=False))
    assert clock(day.end) == "14:10" and day.fits and plan.fits


def test_every_part_lasts_what_its_chapter_says() -> None:
    chapters = [block(1, 5, 30, 40), block(2, 0, 25, 90), block(3, 15, 20, 35)]
    day = plan_track(ONE_DAY, chapters).days[0]
    for chapter in chapters:
        parts = {slot.kind: slot.minutes for slot in day.slots if slot.block == chapter}
        expected = {"demo": chapter.demo, "talk": chapter.talk, "lab": chapter.lab}
        assert parts == {kind: minutes for kind, minutes in expected.items() if minutes}


def test_an_overdue_break_gives_way_to_lunch() -> None:
    """A part that runs through both the 10:30 break and 12:30 lunch is followed by lunch only."""
    day = lay_day(FIRST, (block(1, 0, 225, 30),))
    pauses = [(clock(slot.start), slot.label) for slot in day.slots if slot.kind == "pause"]
    assert pauses == [("13:00", "Lunch")]


def test_a_track_that_fits_shows_no_warning() -> None:
    chapters = [block(1), block(2), block(3)]
    plan = plan_track(ONE_DAY, chapters)
    assert plan.fits
    page = schedule_fragment(chapters, (ONE_DAY,))
    assert "does not fit" not in page and "!!! warning" not in page
    assert f"| {clock(plan.days[0].end)} | | End of the day | |" in page


def test_a_track_that_does_not_fit_warns_with_its_overrun() -> None:
    chapters = [block(number, 15, 60, 75) for number in range(1, 5)]
    plan = plan_track(ONE_DAY, chapters)
    day = plan.days[0]
    assert not plan.fits and day.overrun == day.end - FIRST.end > 0
    page = schedule_fragment(chapters, (ONE_DAY,))
    assert '!!! warning "The one-day track does not fit its day"' in page
    assert f"Day one ends at {clock(day.end)}, {day.overrun} minutes after 17:00." in page


def test_a_chapter_starts_on_the_first_day_it_finishes_in() -> None:
    chapters = [block(number, 10, 60, 80) for number in range(1, 5)]
    plan = plan_track(TWO_DAYS, chapters)
    assert [[b.chapter for b in day.blocks] for day in plan.days] == [[1, 2], [3, 4]]
    assert plan.fits
    assert lay_day(FIRST, tuple(chapters[:3])).overrun > 0, "three would not fit day one"
    assert rows(plan, 1)[0] == ("09:00", "opening", "")
    assert plan.days[1].slots[0].label == "Recap"
    assert "!!! warning" not in schedule_fragment(chapters, (TWO_DAYS,))


def test_what_fits_no_day_overruns_the_last_one() -> None:
    chapters = [block(number, 10, 60, 80) for number in range(1, 8)]
    plan = plan_track(TWO_DAYS, chapters)
    assert plan.days[0].fits and not plan.days[1].fits
    assert sum(len(day.blocks) for day in plan.days) == len(chapters)
    page = schedule_fragment(chapters, (TWO_DAYS,))
    assert '!!! warning "The two-day track does not fit its days"' in page
    assert "Day two ends at" in page and "Day one ends at" not in page


def test_a_track_covers_its_chapters_and_names_the_planned_ones() -> None:
    plan = plan_track(ONE_DAY, [block(8), block(2), block(1)])
    assert [b.chapter for b in plan.blocks] == [1, 2]
    assert plan.planned == (3, 4, 5, 6)
    page = schedule_fragment([block(1), block(2), block(8)], (ONE_DAY,))
    assert "Written, and scheduled below: 01–02. Planned, not written yet: 03–06." in page


def test_a_day_without_a_chapter_says_so() -> None:
    plan = plan_track(TWO_DAYS, [block(1)])
    assert plan.days[1].slots == () and plan.fits
    assert "**Day two**: no chapter written for it yet." in schedule_fragment([block(1)],
                                                                             (TWO_DAYS,))


def test_spans_and_durations_read_as_people_write_them() -> None:
    assert span([1, 2, 3, 6]) == "01–03 and 06"
    assert span([5]) == "05"
    assert span([1, 3, 5, 6, 7]) == "01, 03 and 05–07"
    assert [duration(m) for m in (45, 60, 100, 135)] == ["45 min", "1 h", "1 h 40", "2 h 15"]
