"""Lab 06 · Nobody closes the door: the instructor-only check (see instructor/__init__.py).

The learner-side check plants the mistakes of test_06_lifespan_testing/mistakes.toml, which
every learner can read: a suite written to catch exactly those edits, and nothing like them,
passes it. Here the grading run plants mistakes of the same kinds that no learner's copy
holds, in the same files, and the lab's tests must fail against each.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_06_lifespan_testing.suite import LearnerSuite, Mistake
from test_06_lifespan_testing.test_suite import judge_mistakes, runs_read

from harness.labs import Lab

# The lab's tests run once against the lab and once per mistake, each in a fresh interpreter.
pytestmark = pytest.mark.timeout(180)

UNSEEN = [
    Mistake("plan-named-by-code", "a coverage answer naming its plan by its code",
            "app/api/v1/patients.py", "name=found.plan.name", "name=found.plan.code"),
    Mistake("member-id-rewritten", "a coverage answer with the member id changed",
            "app/api/v1/patients.py", "member_id=found.member_id", "member_id=found.member_id.lower()"),
    Mistake("catalogue-copay-off", "a copay in the catalogue one cent off",
            "app/api/v1/plans.py", "copay_cents=plan.copay_cents)", "copay_cents=plan.copay_cents + 1)"),
    Mistake("unlisted-plan-as-another", "a plan the catalogue does not list shown as another plan",
            "app/domain/plans.py", "            return self._plans[code]\n",
            "            return self._plans.get(code) or next(iter(self._plans.values()))\n"),
]


def test_your_tests_catch_mistakes_of_the_grading_run(lab: Lab, scratch: Path) -> None:
    suite = LearnerSuite(lab, scratch, UNSEEN).start(runs_read(["test_your_tests_catch_the_mistakes"]))
    try:
        judge_mistakes(suite, "made up for this grading run")
    finally:
        suite.close()
