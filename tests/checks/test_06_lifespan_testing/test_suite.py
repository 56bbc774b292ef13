"""The lab's own tests: they pass against the lab however they are run, write nowhere but their
temporary folders, and fail against each mistake a teammate could make in the service."""

from __future__ import annotations

from .clinic import failed
from .suite import RUNS, WORKERS_PER_RUN, LearnerSuite, Run

# The kinds of run each check reads (suite.RUNS), sent off together before the first check runs.
READS = {
    "test_your_tests_pass_against_the_lab_every_time": {"as shipped"},
    "test_your_tests_pass_in_any_order_and_in_parallel": {"random order", "reverse order",
                                                          "parallel"},
    "test_your_tests_write_only_in_their_temp_dirs": {"as shipped"},
    "test_your_tests_catch_the_mistakes": {"as shipped", "mistakes"},
}


def runs_read(check_names: list[str]) -> set[str]:
    """What these checks read; all of RUNS for a check READS does not know."""
    return set().union(*(READS.get(name, set(RUNS)) for name in check_names))


def passes(run: Run, how: str) -> None:
    if not run.passed:
        failed(f"the lab's tests (`pytest` in the lab folder) failed {how}: {run.failures()}")


def test_your_tests_pass_against_the_lab_every_time(suite: LearnerSuite) -> None:
    first, again = suite.as_shipped()
    passes(first, "against the lab")
    passes(again, "when run a second time, in the same folder")


def test_your_tests_pass_in_any_order_and_in_parallel(suite: LearnerSuite) -> None:
    passes(suite.in_random_order(), "in a random order "
           f"(`pytest -p random_order --random-order-seed={suite.seed}`)")
    passes(suite.in_reverse_order(), "in the reverse of the order pytest collects them "
           "(the last test first), so one test depends on what another did or left behind")
    passes(suite.in_parallel(), f"in {WORKERS_PER_RUN} parallel workers "
           f"(`pytest -p xdist -n {WORKERS_PER_RUN}`)")


def test_your_tests_write_only_in_their_temp_dirs(suite: LearnerSuite) -> None:
    first, _ = suite.as_shipped()
    if first.wrote:
        more = f" and {len(first.wrote) - 3} more" if len(first.wrote) > 3 else ""
        failed(f"the lab's tests wrote {', '.join(first.wrote[:3])}{more} outside their temporary "
               "folders; what a test writes belongs in a temporary folder of its own, gone "
               "after the run")


def test_your_tests_catch_the_mistakes(suite: LearnerSuite) -> None:
    judge_mistakes(suite, "a teammate could make in the service")


def judge_mistakes(suite: LearnerSuite, whose: str) -> None:
    first, _ = suite.as_shipped()
    passes(first, "against the lab (a suite must pass against it before it can catch mistakes)")
    runs = suite.against()
    changed = sorted({where for where in runs.values() if isinstance(where, str)})
    if changed:
        failed(f"{', '.join(changed)} is not as the lab shipped it, so the checks cannot plant "
               "their mistakes there; only app/main.py, app/api/deps.py and tests/ are yours "
               "to change (`git checkout -- FILE` brings a file back as shipped)")
    missed = [mistake.kind for mistake in suite.mistakes
              if isinstance(runs[mistake.id], Run) and runs[mistake.id].passed]  # type: ignore[union-attr]
    if missed:
        total = len(suite.mistakes)
        caught = total - len(missed)
        failed(f"the lab's tests caught {caught} of {total} mistakes {whose} "
               f"({caught * 100 // total} %); they still pass with: " + "; ".join(missed))
