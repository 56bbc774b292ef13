"""The instructor notes and the schedule say what the course's own files say: every chapter has
notes whose talk adds up to lab.toml's lesson_minutes, the lesson states the same minutes, the
schedule's parts last what lab.toml says, and the wrong turns are the rejected variants, all of
them and only them. A malformed instructor.toml gets one line naming the file and the field."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from course.engine.paths import INSTRUCTOR_RENDERS_DIR, LESSONS_DIR, VARIANTS_DIR
from course.engine.registry import Lab, all_labs
from course.instructor.instructor_notes import NotesError, load_notes, notes_path
from course.instructor.notes_page import plain, sentence
from course.instructor.schedule import TRACKS, clock, plan_track
from course.instructor.schedule_page import chapter_blocks, duration
from course.website.site_build import instructor_renders

LABS = all_labs()
ABSTRACT = re.compile(r'^!!! abstract ".*about (\d+) minutes \((\d+) reading, (\d+) lab\)"$',
                      re.MULTILINE)


def variants_of(lab: Lab) -> list[dict]:
    return tomllib.loads((VARIANTS_DIR / f"{lab.slug}.toml").read_text())["variant"]


@pytest.fixture(scope="module")
def renders() -> dict[Path, str]:
    return instructor_renders(LABS)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_every_chapter_has_notes_that_agree_with_its_lab(lab: Lab) -> None:
    notes = load_notes(lab)
    assert notes is not None, f"{lab.slug}: no {notes_path(lab)}"
    assert sum(part.minutes for part in notes.talk) == lab.lesson_minutes


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_demo_runs_on_the_labs_own_ports(lab: Lab) -> None:
    notes = load_notes(lab)
    assert notes is not None
    ports = {lab.service_port, *lab.ports.values()}
    for step in notes.demo:
        for command in step.run:
            for port in re.findall(r"(?:127\.0\.0\.1:|--port )(\d+)", command):
                assert int(port) in ports, (
                    f"{notes_path(lab)}: {command!r} is off lab {lab.id}'s ports {sorted(ports)}")


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_lesson_states_lab_tomls_minutes(lab: Lab) -> None:
    text = (LESSONS_DIR / lab.slug / "index.md").read_text(encoding="utf-8")
    match = ABSTRACT.search(text)
    assert match, (f"{lab.slug}: the objectives admonition does not read "
                   '"... about N minutes (R reading, L lab)"')
    total, reading, lab_minutes = map(int, match.groups())
    assert (reading, lab_minutes) == (lab.lesson_minutes, lab.minutes), (
        f"{lab.slug}: the lesson says {reading} reading and {lab_minutes} lab, lab.toml says "
        f"lesson_minutes = {lab.lesson_minutes} and minutes = {lab.minutes}")
    assert total == reading + lab_minutes


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_wrong_turns_are_the_rejected_variants(lab: Lab, renders: dict[Path, str]) -> None:
    chapter_notes = renders[INSTRUCTOR_RENDERS_DIR / f"{lab.slug}.md"]
    instructors = renders[INSTRUCTOR_RENDERS_DIR / "chapters.md"]
    section = instructors.split(f"{{ #notes-{lab.id} }}", 1)[1].split("\n### ", 1)[0]
    variants = variants_of(lab)
    assert any(not variant["accepted"] for variant in variants)
    for variant in variants:
        line = f"- {plain(sentence(variant['why']))} Caught by " + ", ".join(
            f"`{check}`" for check in variant.get("caught_by", [])) + "."
        for where, text in (("the chapter page", chapter_notes), ("the Instructors page", section)):
            if variant["accepted"]:
                assert plain(variant["why"]) not in text, (
                    f"{lab.slug}: {where} shows the correct fix {variant['name']} as a wrong turn")
            else:
                assert line in text, f"{lab.slug}: {where} lacks wrong turn {variant['name']}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_notes_show_lab_tomls_minutes(lab: Lab, renders: dict[Path, str]) -> None:
    chapter_notes = renders[INSTRUCTOR_RENDERS_DIR / f"{lab.slug}.md"]
    assert chapter_notes.startswith('??? note "Instructor notes"')
    total = lab.demo_minutes + lab.lesson_minutes + lab.minutes
    assert (f"**Timing ({total} min).** Live demo {lab.demo_minutes} min, talk and playground "
            f"{lab.lesson_minutes} min, lab {lab.minutes} min") in chapter_notes
    row = (f"| {lab.demo_minutes} min | {lab.lesson_minutes} min | {lab.minutes} min | "
           f"{duration(total)} |")
    assert row in renders[INSTRUCTOR_RENDERS_DIR / "schedule.md"]


def test_the_schedule_lays_each_written_chapter_as_lab_toml_times_it(
        renders: dict[Path, str]) -> None:
    page = renders[INSTRUCTOR_RENDERS_DIR / "schedule.md"]
    by_id = {lab.id: lab for lab in LABS}
    for track in TRACKS:
        plan = plan_track(track, chapter_blocks(LABS))
        assert {block.id for block in plan.blocks} == {
            lab.id for lab in LABS if lab.chapter in track.chapters}
        for day in plan.days:
            for slot in day.slots:
                assert f"| {clock(slot.start)} |" in page
                if slot.block:
                    lab = by_id[slot.block.id]
                    expected = {"demo": lab.demo_minutes, "talk": lab.lesson_minutes,
                                "lab": lab.minutes}[slot.kind]
                    assert slot.minutes == expected
        warning = f'!!! warning "The {track.name.lower()} does not fit'
        assert (warning in page) == (not plan.fits)


def test_the_instructors_page_makes_no_claim_of_its_own_about_what_fits() -> None:
    page = (LESSONS_DIR / "instructors.md").read_text(encoding="utf-8")
    assert "--8<-- \"build/instructors/schedule.md\"" in page
    assert "--8<-- \"build/instructors/chapters.md\"" in page
    assert not re.search(r"\bfits chapters\b|\bcovers \d\d[–-]\d\d\b", page), (
        "lessons/instructors.md states by hand which chapters fit; the generated schedule does")


def broken_copy(tmp_path: Path, lab: Lab, old: str, new: str) -> Path:
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR / lab.slug, lessons / lab.slug,
                    ignore=shutil.ignore_patterns("*.ipynb", "examples"))
    path = lessons / lab.slug / "instructor.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return lessons


@pytest.mark.parametrize(("old", "new", "field"), [
    ("minutes = 10", "minutes = 11", "lesson_minutes"),
    ('section = "asgi-scope-events"', 'section = "no-such-section"', "talk.0.section"),
    ("after = 20", "after = 45", "checkpoint.after"),
    ('green = ["insurer-lookup-stalls-everyone"]', 'green = ["no-such-bug"]', "checkpoint.green"),
    ("[[demo]]\nshow =", "[[demo]]\nsay =", "demo.0"),
    ("minutes = 10", 'minutes = "ten"', "talk.0.minutes"),
])
def test_a_malformed_instructor_toml_names_the_file_and_the_field(
        tmp_path: Path, old: str, new: str, field: str) -> None:
    lab = next(lab for lab in LABS if lab.id == "01")
    lessons = broken_copy(tmp_path, lab, old, new)
    with pytest.raises(NotesError) as caught:
        load_notes(lab, lessons)
    message = str(caught.value)
    assert "\n" not in message and str(lessons / lab.slug / "instructor.toml") in message
    assert field in message, message


def test_a_copy_without_notes_still_gets_its_timing(tmp_path: Path) -> None:
    from course.instructor.notes_page import chapter_page_notes

    lab = LABS[0]
    assert load_notes(lab, tmp_path) is None
    text = chapter_page_notes(lab, None, [])
    assert "**Timing (" in text and "no instructor notes" in text
