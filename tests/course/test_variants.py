"""The checks judge behaviour, not our fix: other correct fixes pass, gaming and partial fixes fail.

Each lab's variants (tests/course/variants/NN-slug.toml; their format is in
course/proof/variant_grading.py) are graded by `course verify --variants`, which records every
verdict in tests/course/variant-records/NN-slug.toml with a hash of what it graded. Here, each
record must be current and show every variant judged as declared, and a sample of each lab's
variants is graded again: one accepted and one rejected, drawn from the last commit's id
(course/proof/variant_record.py; `COURSE_VARIANTS=all` grades every one).

The sample is graded in warm interpreters (course.engine.warm) from the end of collection on
(tests/course/conftest.py): one at a time while the other tests run, on the core those leave
idle (most of them wait on servers and subprocesses), then as many at once as the cores allow
once the suite reaches them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from course.engine.paths import REPO_ROOT
from course.engine.registry import all_labs
from course.engine.starters import export_committed, head_commit
from course.proof.variant_grading import Variant, VariantRuns, lab_scopes, lab_variants
from course.proof.variant_record import content_hash, load_record, misrecorded, record_path, sampled
from programs import require_program
from variant_runs import SAMPLED_VARIANT_TEST, VARIANT_RUNS

LABS = all_labs()
VARIANTS = {lab.id: lab_variants(lab) for lab in LABS}
SAMPLE = [variant for lab in LABS
          for variant in sampled(VARIANTS[lab.id], f"{head_commit()}:{lab.slug}")]


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_every_lab_has_accepted_and_rejected_variants(lab) -> None:
    from course.engine.paths import VARIANTS_DIR

    mine = VARIANTS[lab.id]
    assert any(v.accepted for v in mine), f"{lab.slug}: no alternative fix is proven"
    assert any(not v.accepted for v in mine), f"{lab.slug}: no gaming attempt is proven"
    names = [v.name for v in mine]
    assert len(set(names)) == len(names), f"{lab.slug}: two variants share a name"
    for variant in mine:
        assert variant.accepted or variant.caught_by, f"{variant}: says nothing catches it"
        assert bool(variant.patch) != bool(variant.edits), (
            f"{variant}: a variant is either edits of the solution or a patch of the starter")
        unknown = set(variant.caught_by) - set(lab.mapped_checks)
        assert not unknown, f"{variant}: caught_by names unknown checks {unknown}"
    for scope in lab_scopes(lab):
        unknown = set(scope.skips) - set(lab.mapped_checks)
        assert not unknown, f"{lab.slug}: the scope of {scope.under} skips unknown {unknown}"
    patches = {p.name for p in (VARIANTS_DIR / lab.slug).glob("*.patch")}
    unused = patches - {v.patch for v in mine}
    assert not unused, f"{lab.slug}: patches no variant uses: {sorted(unused)}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_variant_record_is_current_and_as_declared(lab, tmp_path) -> None:
    require_program("git", "apt-get install git")
    rerun = (f"run `course verify --variants {lab.id}` and commit "
             f"{record_path(lab).relative_to(REPO_ROOT)}")
    record = load_record(lab)
    assert record is not None, f"{lab.slug} has no variant record; {rerun}"
    starter = export_committed(f"labs/{lab.slug}", tmp_path)
    assert record.content == content_hash(lab, starter), (
        f"{lab.slug}: the solution, the starter, the checks or the variants changed since the "
        f"variants were graded; {rerun}")
    names = [variant.name for variant in VARIANTS[lab.id]]
    extra = [verdict.name for verdict in record.verdicts if verdict.name not in names]
    assert not extra, f"{lab.slug}: the record holds variants no longer declared: {extra}; {rerun}"
    wrong = [problem for variant in VARIANTS[lab.id]
             if (problem := misrecorded(variant, record.verdict(variant.name)))]
    assert not wrong, f"{lab.slug}: {len(wrong)} variant(s) misjudged, first: {wrong[0]}"


def selected_variants(items: list[pytest.Item]) -> list[Variant]:
    return [item.callspec.params["variant"] for item in items
            if getattr(item, "originalname", "") == SAMPLED_VARIANT_TEST]


@pytest.fixture(scope="session")
def variant_runs(request: pytest.FixtureRequest) -> Iterator[VariantRuns]:
    """The runs the conftest started after collection; started here when it did not."""
    started = request.config.stash.get(VARIANT_RUNS, None)
    if started is not None:
        yield started
        return
    # A pytest-xdist worker that may be sent only some of this file's tests grades each variant
    # when its test comes; one given the whole file (--dist loadfile) grades them all at once.
    whole_file = not hasattr(request.config, "workerinput") or (
        request.config.getoption("dist") in ("loadfile", "loadscope"))
    with VariantRuns(selected_variants(request.session.items) if whole_file else []) as runs:
        yield runs


@pytest.mark.slow
@pytest.mark.parametrize("variant", SAMPLE, ids=str)
def test_sampled_variant_is_judged_as_declared(variant: Variant, variant_runs: VariantRuns) -> None:
    verdict = variant_runs.result(variant)
    problem = verdict.misjudged(variant)
    assert not problem, problem


def test_the_sample_is_one_of_each_kind_drawn_from_the_seed(monkeypatch) -> None:
    monkeypatch.delenv("COURSE_VARIANTS", raising=False)
    variants = VARIANTS[LABS[0].id]
    draws = {seed: sampled(variants, seed) for seed in ("a", "b", "c", "d", "e", "f")}
    for seed, sample in draws.items():
        assert [v.accepted for v in sample] in ([True, False], [False, True]), seed
        assert sample == sampled(variants, seed), "the same seed draws the same sample"
    assert len({tuple(v.name for v in sample) for sample in draws.values()}) > 1, (
        "six seeds all drew the same sample")
    monkeypatch.setenv("COURSE_VARIANTS", "all")
    assert sampled(variants, "a") == variants


def test_a_record_that_shows_a_misjudged_variant_is_refused() -> None:
    from course.proof.variant_record import RecordedVerdict

    variants = VARIANTS[LABS[0].id]
    right = next(v for v in variants if v.accepted)
    wrong = next(v for v in variants if not v.accepted)
    assert not misrecorded(right, RecordedVerdict(right.name, True, ()))
    assert "is a correct fix" in misrecorded(right, RecordedVerdict(right.name, True, ("x",)))
    assert "recorded as rejected" in misrecorded(right, RecordedVerdict(right.name, False, ()))
    assert not misrecorded(wrong, RecordedVerdict(wrong.name, False, tuple(wrong.caught_by)))
    assert "was not caught" in misrecorded(wrong, RecordedVerdict(wrong.name, False, ()))
    assert "not in the record" in misrecorded(wrong, None)
