"""The lab registry: every lab.toml valid, lookups by number, slug and prefix, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.engine.check_command import INSTRUCTOR_FOLDER, check_path_for
from course.engine.concepts import all_concepts, concepts_of
from course.engine.paths import CHECKS_DIR, REPO_ROOT
from course.engine.registry import RegistryError, all_labs, find_lab, load_lab
from programs import IN_CI

LABS = all_labs()
VALID = """
id = "07"
slug = "07-background-work"
title = "Lost follow-ups"
chapter = 7
minutes = 40
lesson_minutes = 30
demo_minutes = 5
run = "uvicorn app.main:app --reload --port 8070"

[[bugs]]
id = "lost-task"
concepts = ["create-task-drop"]
symptom = "Confirmation e-mails silently go missing."
checks = ["confirmation_is_sent"]
hints = ["Look at what happens to the task.", "Who holds a reference to it?"]
"""


def write_lab(tmp_path: Path, text: str, folder: str = "07-background-work") -> Path:
    path = tmp_path / folder / "lab.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_every_lab_has_its_files() -> None:
    assert LABS, "no labs found"
    for lab in LABS:
        assert (lab.starter_dir / "README.md").is_file(), f"{lab.slug} has no README.md"
        assert (lab.starter_dir / "app" / "__init__.py").is_file(), f"{lab.slug} has no app/"
        assert (lab.solution_dir / "app" / "__init__.py").is_file(), f"{lab.slug}: no solution"
        assert lab.check_path.exists(), f"{lab.slug}: no checks at {lab.check_path}"
        assert (REPO_ROOT / "lessons" / lab.slug / "index.md").is_file(), f"{lab.slug}: no lesson"


def test_a_valid_file_loads(tmp_path: Path) -> None:
    lab = load_lab(write_lab(tmp_path, VALID))
    assert (lab.id, lab.name, lab.timeout) == ("07", "background-work", 30)


@pytest.mark.parametrize(("change", "field"), [
    (('minutes = 40', 'minutes = "forty"'), "minutes"),
    (('hints = ["Look at what happens to the task.", "Who holds a reference to it?"]',
      'hints = ["only one"]'), "bugs.0.hints"),
    (('checks = ["confirmation_is_sent"]', 'checks = []'), "bugs.0.checks"),
    (('slug = "07-background-work"', 'slug = "08-background-work"'), "slug"),
    (('minutes = 40', 'minutes = 40\ncolour = "red"'), "colour"),
    (('lesson_minutes = 30\n', ''), "lesson_minutes"),
    (('demo_minutes = 5', 'demo_minutes = 90'), "demo_minutes"),
    (('minutes = 40', 'minutes = 40\ngrows_from = "7"'), "grows_from"),
    (('minutes = 40', 'minutes = 40\ngrows_from = "07"'), "grows_from"),  # not an earlier lab
])
def test_a_malformed_file_names_the_file_and_the_field(tmp_path: Path, change, field) -> None:
    path = write_lab(tmp_path, VALID.replace(*change))
    with pytest.raises(RegistryError) as caught:
        load_lab(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    assert field in message or field.split(".")[-1] in message, message


def test_invalid_toml_is_one_clear_line(tmp_path: Path) -> None:
    path = write_lab(tmp_path, VALID + "\n[[bugs]\n")
    with pytest.raises(RegistryError, match=r"not valid TOML") as caught:
        load_lab(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("key", ["1", "01", "01-asgi-uvicorn", "asgi", "01-as", " 1 "])
def test_labs_are_found_by_number_slug_or_prefix(key: str) -> None:
    assert find_lab(key, LABS).id == "01"


def test_unknown_and_ambiguous_keys_say_what_exists(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="01-asgi-uvicorn"):
        find_lab("nothing-like-it", LABS)
    labs = [load_lab(write_lab(tmp_path, VALID)), load_lab(write_lab(
        tmp_path, VALID.replace("07", "08").replace("background-work", "background-jobs")
        .replace("chapter = 7", "chapter = 8"), "08-background-jobs"))]
    with pytest.raises(RegistryError, match="several labs"):
        find_lab("background", labs)
    assert find_lab("background-j", labs).id == "08"


def test_lab_concepts_exist_and_belong_to_the_chapter() -> None:
    known = {concept.id: concept for concept in all_concepts()}
    for lab in LABS:
        for bug in lab.bugs:
            for concept_id in bug.concepts:
                assert concept_id in known, f"{lab.slug}: unknown concept {concept_id}"
                assert known[concept_id].chapter == lab.chapter, (
                    f"{lab.slug}: {concept_id} belongs to chapter {known[concept_id].chapter}")


def test_every_bug_concept_is_planted_and_checked() -> None:
    for lab in LABS:
        mapped = {concept for bug in lab.bugs for concept in bug.concepts}
        for concept in concepts_of(lab.chapter):
            if concept.kind == "bug":
                assert concept.id in mapped, f"{lab.slug}: bug concept {concept.id} has no check"


def checks_defined(check_path: Path) -> set[str]:
    """The check ids a check module (or package) defines; none where it does not exist."""
    files = [check_path] if check_path.is_file() else sorted(check_path.rglob("*.py"))
    source = "".join(path.read_text() for path in files)
    return set(re.findall(r"^(?:async )?def test_(\w+)", source, re.MULTILINE))


def instructor_path(lab) -> Path:
    return check_path_for(lab.slug, CHECKS_DIR / INSTRUCTOR_FOLDER)


def test_check_names_match_the_check_module() -> None:
    """Each check is where lab.toml says: a learner-side one in tests/checks/test_NN_slug.py,
    an instructor-only one in tests/checks/instructor/test_NN_slug.py (which a handout drops)."""
    for lab in LABS:
        learner_side, instructor = checks_defined(lab.check_path), checks_defined(instructor_path(lab))
        for check in lab.learner_checks:
            assert check in learner_side, (
                f"{lab.slug}: lab.toml names {check}, which is not a check of {lab.check_path.name}")
        for check in lab.instructor_checks:
            assert check in instructor, (
                f"{lab.slug}: lab.toml names {check} instructor-only, which is not a check of "
                f"{instructor_path(lab).relative_to(CHECKS_DIR)}")


def test_every_written_lab_has_an_instructor_only_check() -> None:
    for lab in LABS:
        assert lab.instructor_checks, f"{lab.slug}: no instructor-only check (DESIGN.md)"


def test_the_catalogue_matches_the_commissioned_one() -> None:
    shared = REPO_ROOT.parent / "shared" / "concepts.md"
    if not shared.is_file():
        message = "../shared/concepts.md is not beside this checkout"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    listed = set(re.findall(r"^\| ([a-z0-9-]+) \| (?:bug|lesson) \|", shared.read_text(),
                            re.MULTILINE))
    assert listed == {concept.id for concept in all_concepts()}


def test_every_check_of_a_module_is_mapped() -> None:
    """A check lab.toml does not name would be graded but belong to no bug and no promise."""
    for lab in LABS:
        unmapped = checks_defined(lab.check_path) - set(lab.learner_checks)
        assert not unmapped, f"{lab.slug}: checks in no bug or promise of lab.toml: {unmapped}"
        unmapped = checks_defined(instructor_path(lab)) - set(lab.instructor_checks)
        assert not unmapped, (
            f"{lab.slug}: instructor-only checks lab.toml does not mark instructor-only: {unmapped}")


PROMISE = """
[[promises]]
id = "reminders-keep-their-time"
promise = "A confirmation names the appointment's time, as before."
checks = ["{check}"]
"""


def test_a_promise_loads_and_its_checks_are_mapped(tmp_path: Path) -> None:
    lab = load_lab(write_lab(tmp_path, VALID + PROMISE.format(check="confirmation_names_time")))
    assert lab.promise_checks == ["confirmation_names_time"]
    assert lab.mapped_checks == ["confirmation_is_sent", "confirmation_names_time"]
    assert [p.id for p in lab.promises_held_by("confirmation_names_time")] == [
        "reminders-keep-their-time"]


CHECK_TABLE = """
[checks.confirmation_is_sent]
points = 3

[checks.confirmation_names_time]
instructor = true
"""


def test_points_and_instructor_only_checks_load(tmp_path: Path) -> None:
    text = VALID.replace('checks = ["confirmation_is_sent"]',
                         'checks = ["confirmation_is_sent", "confirmation_names_time"]')
    lab = load_lab(write_lab(tmp_path, text + CHECK_TABLE))
    assert (lab.points_of("confirmation_is_sent"), lab.points_of("confirmation_names_time")) == (3, 1)
    assert lab.learner_checks == ["confirmation_is_sent"]
    assert lab.instructor_checks == ["confirmation_names_time"]
    assert lab.checks_run(instructor=True) == lab.mapped_checks


@pytest.mark.parametrize(("table", "said"), [
    ("[checks.confirmation_is_gone]\npoints = 2\n", "confirmation_is_gone"),
    ("[checks.confirmation_is_sent]\ninstructor = true\n", "only instructor-only checks"),
    ("[checks.confirmation_is_sent]\npoints = 0\n", "checks.confirmation_is_sent.points"),
    ("[checks.confirmation_is_sent]\npoints = 1.5\n", "checks.confirmation_is_sent.points"),
    ("[checks.confirmation_is_sent]\nweight = 2\n", "checks.confirmation_is_sent.weight"),
    ('[checks."Not a check"]\npoints = 2\n', "checks.Not a check"),
])
def test_a_wrong_check_table_is_refused(tmp_path: Path, table: str, said: str) -> None:
    """An unknown check id, a bug the learner would never see fail, points that are no
    whole positive number, a setting that does not exist."""
    path = write_lab(tmp_path, VALID + "\n" + table)
    with pytest.raises(RegistryError) as caught:
        load_lab(path)
    assert str(path) in str(caught.value) and said in str(caught.value), caught.value


def test_a_check_cannot_be_a_bug_and_a_promise(tmp_path: Path) -> None:
    path = write_lab(tmp_path, VALID + PROMISE.format(check="confirmation_is_sent"))
    with pytest.raises(RegistryError, match="mapped to a bug and to a promise"):
        load_lab(path)


@pytest.mark.parametrize("damage", ["broken", "deleted", "folder deleted", "edited"])
def test_lab_toml_is_read_as_committed_so_a_broken_lab_can_be_reset(
        course_copy: Path, damage: str) -> None:
    """lab.toml is the course's: whatever a learner does to it (or to the whole lab folder),
    `course list` shows the course's lab and `course reset` brings it back."""
    import shutil

    from copies import run_course

    folder = course_copy / "labs" / "01-asgi-uvicorn"
    committed = (folder / "lab.toml").read_text()
    title = load_lab(folder / "lab.toml").title
    if damage == "broken":
        (folder / "lab.toml").write_text(committed.replace("[[bugs]]", "[[bugs]", 1))
    elif damage == "deleted":
        (folder / "lab.toml").unlink()
    elif damage == "folder deleted":
        shutil.rmtree(folder)
    else:
        (folder / "lab.toml").write_text(committed.replace(f'"{title}"', '"Mine now"', 1))
    listed = run_course(course_copy, "list")
    assert listed.returncode == 0, listed.stderr
    assert title in listed.stdout and "Mine now" not in listed.stdout, listed.stdout
    reset = run_course(course_copy, "reset", "01")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert (folder / "lab.toml").read_text() == committed
    assert (folder / "app" / "main.py").is_file()


def test_without_git_the_working_copy_is_read(course_copy: Path) -> None:
    """A handout without history has only its files: they are the registry, errors and all."""
    import shutil

    from copies import run_course

    shutil.rmtree(course_copy / ".git")
    listed = run_course(course_copy, "list")
    assert listed.returncode == 0 and all(lab.slug in listed.stdout for lab in LABS), listed.stderr
    toml = course_copy / "labs" / "01-asgi-uvicorn" / "lab.toml"
    toml.write_text(toml.read_text().replace("[[bugs]]", "[[bugs]", 1))
    broken = run_course(course_copy, "list")
    assert broken.returncode == 2 and "not valid TOML" in broken.stderr, broken.stderr
    assert "Traceback" not in broken.stderr
