"""The mutation scores of the checks never go stale silently: each lab has a record of its last
`course verify --mutants` run, made from the solution, the committed starter and the checks as
they are now, with a score of at least 90 % and every survivor given a status and a reason.
(The mutation run itself is slow and stays out of `make test`.)"""

from __future__ import annotations

import pytest

from course.engine.mutation_record import SCORE_GOAL, load_record, record_path
from course.engine.paths import REPO_ROOT
from course.engine.registry import all_labs
from course.engine.starters import export_committed
from course.proof.mutants import content_hash
from programs import require_program


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.slug)
def test_the_mutation_record_is_current_and_good(lab, tmp_path) -> None:
    require_program("git", "apt-get install git")
    rerun = f"run `course verify --mutants {lab.id}` and commit {record_path(lab).relative_to(REPO_ROOT)}"
    record = load_record(lab)
    assert record is not None, f"{lab.slug} has no mutation record; {rerun}"
    starter = export_committed(f"labs/{lab.slug}", tmp_path)
    assert record.content == content_hash(lab, starter), (
        f"{lab.slug}: the solution, the starter or the checks changed since the mutation score "
        f"was recorded; {rerun}")
    assert record.score >= SCORE_GOAL, f"{lab.slug}: {record.score_line()}, below the 90 % goal"
    untriaged = record.untriaged()
    assert not untriaged, (
        f"{lab.slug}: {len(untriaged)} surviving mutant(s) without a reason, first "
        f"{untriaged[0].file}:{untriaged[0].line}; kill each with a better check or explain it")
    for entry in record.triage:
        assert entry.status in ("equivalent", "survived"), f"{lab.slug}: status {entry.status!r}"


def test_mutants_are_found_past_a_dotted_exception_in_an_except_tuple(tmp_path) -> None:
    """cosmic-ray's ExceptionReplacer raises on `except (module.Error, ValueError)`; the other
    mutations of the file are still found."""
    from types import SimpleNamespace

    from course.proof.mutants import find_mutants

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "reading.py").write_text(
        "import json\n\n\ndef read(text):\n    try:\n        return json.loads(text) + 1\n"
        "    except (json.JSONDecodeError, ValueError):\n        return None\n")
    found = find_mutants(SimpleNamespace(solution_dir=tmp_path), tmp_path / "session.sqlite")
    assert any(m.before == "return json.loads(text) + 1" for m in found)
    assert {m.file for m in found} == {"app/reading.py"}


def test_a_grown_lab_measures_only_the_lines_it_adds_or_changes(tmp_path) -> None:
    """Lines carried unchanged from the earlier solution, wherever they moved to, are carried;
    a changed, added or moved-apart line is measured."""
    from course.proof.mutants import carried_lines

    earlier, grown = tmp_path / "earlier", tmp_path / "grown"
    for root, text in ((earlier, "a = 1\nb = 2\nc = 3\nd = 4\n"),
                       (grown, "import x\na = 1\nb = 20\nc = 3\nd = 4\ne = 5\n")):
        (root / "app").mkdir(parents=True)
        (root / "app" / "m.py").write_text(text)
    (grown / "app" / "new.py").write_text("a = 1\n")
    assert carried_lines(grown, earlier, "app/m.py") == {2, 4, 5}
    assert carried_lines(grown, earlier, "app/new.py") == set()


@pytest.mark.slow
def test_a_mutant_first_graded_by_its_file_s_killer_alone_gets_the_full_run_s_verdict(
        tmp_path) -> None:
    """A mutant of lab 01 graded by every check, then again once its check is known as its
    file's killer: the same check kills it alone, with no full run."""
    from course.engine.registry import find_lab
    from course.engine.warm import WarmPool
    from course.proof.mutant_grading import Killers, grade_mutant
    from course.proof.mutants import find_mutants

    lab = find_lab("01")
    mutants = find_mutants(lab, tmp_path / "session.sqlite")
    mutant = next(m for m in mutants if m.file == "app/main.py" and "return" in m.before)
    pool = WarmPool()
    try:
        full = grade_mutant(lab, mutant, pool)
        assert full.killed, f"{mutant} survived lab 01's checks: pick another to prove with"
        killers = Killers(lab, pool)
        killers.killed(mutant.file, full.caught_by)
        alone = grade_mutant(lab, mutant, pool, killers)
        assert (alone.killed, alone.caught_by) == (True, full.caught_by)
        assert (killers.asked, killers.caught) == (1, 1)
    finally:
        pool.close()
