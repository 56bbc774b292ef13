"""`make bench`: the budgets of DESIGN.md, measured as a learner meets them (wall clock, medians).

    course check NN   (each lab, starter and solution, 5 runs)   budget 1.0 s in-process
    mkdocs build --strict                                         budget 20 s
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from course.paths import REPO_ROOT
from course.registry import all_labs

RUNS = 5
CHECK_BUDGET = 1.0
SITE_BUDGET = 20.0


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def median_wall(command: list[str], runs: int = RUNS) -> float:
    wall(command)  # warm the file cache and bytecode: learners check the same lab many times
    return statistics.median(wall(command) for _ in range(runs))


def main() -> int:
    course = [str(Path(sys.executable).with_name("course"))]
    table = Table(title=f"Budgets (median of {RUNS} runs, wall clock)")
    for column in ("what", "median s", "budget s", ""):
        table.add_column(column)
    over = False
    for lab in all_labs():
        for target in ("labs", "solutions"):
            seconds = median_wall([*course, "check", lab.id, "--target", target])
            ok = seconds <= CHECK_BUDGET
            over |= not ok
            table.add_row(f"course check {lab.id} --target {target}", f"{seconds:.2f}",
                          f"{CHECK_BUDGET:.1f}", "ok" if ok else "OVER")
    with tempfile.TemporaryDirectory() as scratch:
        seconds = median_wall([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                               "--site-dir", scratch], runs=3)
    ok = seconds <= SITE_BUDGET
    over |= not ok
    table.add_row("mkdocs build --strict", f"{seconds:.2f}", f"{SITE_BUDGET:.0f}",
                  "ok" if ok else "OVER")
    Console().print(table)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
