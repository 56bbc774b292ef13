"""Maintainers: are a lab's verdicts stable with the machine busy? `python -m course.proof.stress NN`

    python -m course.proof.stress 01 --runs 50      # starter and solution, 50 runs each

One other process spins on a core the whole time; the lab's checks run as `course check` runs
them (a fresh pytest each time, instructor-only checks included), the committed starter and
the solution in turn. Every run must give the expected verdicts: the solution passes every
check; the starter fails each bug's checks and passes each promise's. It prints the
unexpected ones and exits 1 if any.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from course.engine.registry import Lab, find_lab
from course.engine.runner import CheckRun, run_checks
from course.engine.starters import export_committed

SPIN = "while True:\n    pass"


def expected(lab: Lab, run: CheckRun, starter: bool) -> list[str]:
    """What is wrong with this run's verdicts; empty when all are as expected."""
    wrong = []
    bug_checks = {check for bug in lab.bugs for check in bug.checks}
    for check in lab.mapped_checks:
        result = run.result(check)
        outcome = result.outcome if result else "missing"
        want = "failed" if starter and check in bug_checks else "passed"
        if outcome != want:
            message = result.message[:160] if result else ""
            wrong.append(f"{check}: {outcome}, expected {want} {message}".rstrip())
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.proof.stress",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("lab", help="lab number, slug or prefix")
    parser.add_argument("--runs", type=int, default=50, help="runs of each (default 50)")
    args = parser.parse_args(argv)
    lab = find_lab(args.lab)
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    unexpected: list[str] = []
    seconds: dict[str, list[float]] = {"starter": [], "solution": []}
    try:
        with tempfile.TemporaryDirectory(prefix="course-stress-") as scratch:
            starter_dir = export_committed(f"labs/{lab.slug}", Path(scratch))
            for number in range(1, args.runs + 1):
                for kind, target in (("starter", str(starter_dir.parent)), ("solution", "solutions")):
                    run = run_checks(lab, target, instructor=True)
                    seconds[kind].append(run.seconds)
                    for problem in expected(lab, run, kind == "starter"):
                        unexpected.append(f"run {number} {kind}: {problem}")
                        print(unexpected[-1], flush=True)
                print(f"run {number}/{args.runs}: {len(unexpected)} unexpected so far", flush=True)
    finally:
        spinner.kill()
        spinner.wait()
    for kind, times in seconds.items():
        print(f"lab {lab.id} {kind}: {len(times)} runs, median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s")
    print(f"unexpected verdicts: {len(unexpected)} of {2 * args.runs} runs")
    return 1 if unexpected else 0


if __name__ == "__main__":
    raise SystemExit(main())
