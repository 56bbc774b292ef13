"""`make bench`: the budgets of DESIGN.md, measured as a learner meets them (wall clock, medians).

    course check NN   (each lab, starter and solution, 9 runs)   budget: the lab's floor + 1.5 s
    course watch NN   save -> verdict (each lab)                  budget 1.5 s
    site build (generate, then mkdocs build --strict)             budget 20 s
    course grade      30 copies x every lab, sandboxed            budget 0.43 s per lab-check

Every lab's checks start real processes (a uvicorn, import jobs), so each has DESIGN's budget
for such labs: its floor, what importing pytest and the lab's whole stack costs (`import
pytest, app.main` in its solution folder), plus 1.5 s. The floor rows are measured too.

The check commands run in rounds (each command once per round), so a machine that slows down
part-way through (a shared VM does) slows every row alike.

    python -m course.proof.bench --against HEAD~1     # before/after: that commit's checkout too

`--against REF` also measures a checkout of REF (git archive, run with this venv) in the same
rounds, so the two columns share the machine's minutes.
"""

from __future__ import annotations

import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from course.engine.paths import REPO_ROOT
from course.engine.registry import all_labs
from course.proof.sandbox import copy_course

RUNS = 9
OVER_FLOOR = 1.5
SITE_BUDGET = 20.0
WATCH_BUDGET = 1.5
GRADE_BUDGET = 0.43  # s of wall time per lab-check: 30 learners x 14 labs in 3 min on 2 cores
ROSTER = 30


Command = tuple[list[str], Path, dict[str, str]]  # argv, working folder, environment


def wall(command: list[str] | Command) -> float:
    argv, cwd, env = command if isinstance(command, tuple) else (command, REPO_ROOT, dict(os.environ))
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def median_wall(command: list[str], runs: int = RUNS) -> float:
    wall(command)  # warm the file cache and bytecode: learners check the same lab many times
    return statistics.median(wall(command) for _ in range(runs))


def median_walls_in_rounds(commands: list[Command], runs: int = RUNS) -> list[float]:
    """The median wall time of each command, run round-robin after one warm-up round."""
    samples: list[list[float]] = [[] for _ in commands]
    for round_ in range(runs + 1):
        for index, command in enumerate(commands):
            seconds = wall(command)
            if round_:
                samples[index].append(seconds)
    return [statistics.median(times) for times in samples]


def watch_latency(lab_slug: str = "01-asgi-uvicorn", runs: int = RUNS) -> float:
    """Median time from a save in the lab to the watcher's verdict line, in a course copy."""
    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        copy = copy_course(Path(scratch) / "course")
        env = {**os.environ, "PYTHONPATH": str(copy)}
        watcher = subprocess.Popen(
            [sys.executable, "-m", "course", "watch", lab_slug[:2], "--events"], cwd=copy,
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        verdicts: queue.Queue[float] = queue.Queue()

        def read() -> None:
            assert watcher.stdout
            for line in watcher.stdout:
                if line.startswith(f"[watch] lab {lab_slug[:2]}: "):
                    verdicts.put(time.perf_counter())

        threading.Thread(target=read, daemon=True).start()
        try:
            verdicts.get(timeout=60)
            main = copy / "labs" / lab_slug / "app" / "main.py"
            original = main.read_text()
            samples = []
            for number in range(runs + 1):
                time.sleep(0.3)  # let the watcher settle, as between two real saves
                saved = time.perf_counter()
                main.write_text(original + f"\n# save {number}\n")
                samples.append(verdicts.get(timeout=60) - saved)
            return statistics.median(samples[1:])
        finally:
            watcher.send_signal(signal.SIGINT)
            try:
                watcher.wait(10)
            except subprocess.TimeoutExpired:
                watcher.kill()
                watcher.wait()
            if watcher.stdout:
                watcher.stdout.close()


def checkout_of(ref: str, folder: Path) -> Path:
    """REF's tree, exported from git into `folder`, with this checkout's bytecode-free labs."""
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", ref],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def check_command(root: Path, lab_id: str, target: str) -> Command:
    """`course check` of the checkout at `root`, run with this venv's interpreter."""
    return ([sys.executable, "-m", "course", "check", lab_id, "--target", target], root,
            {**os.environ, "PYTHONPATH": str(root)})


def floor_command(lab_solution: Path) -> Command:
    return ([sys.executable, "-c", "import pytest, app.main"], lab_solution, dict(os.environ))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course.proof.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="also measure this commit's checkout")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        roots = {"now": REPO_ROOT}
        if args.against:
            roots[args.against] = checkout_of(args.against, Path(scratch))
        return measure(roots)


def measure(roots: dict[str, Path]) -> int:
    labs = all_labs()
    checks = [(lab, target) for lab in labs for target in ("labs", "solutions")]
    commands = [check_command(root, lab.id, target) for lab, target in checks
                for root in roots.values()]
    commands += [floor_command(lab.solution_dir) for lab in labs]
    medians = median_walls_in_rounds(commands)
    floors = dict(zip([lab.id for lab in labs], medians[-len(labs):], strict=True))
    names = list(roots)
    table = Table(title=f"Budgets (median of {RUNS} runs, wall clock)")
    for column in ("what", *(f"{name} s" for name in names), "budget s", ""):
        table.add_column(column)
    over = False
    for index, (lab, target) in enumerate(checks):
        seconds = medians[index * len(roots):(index + 1) * len(roots)]
        budget = floors[lab.id] + OVER_FLOOR
        ok = seconds[0] <= budget
        over |= not ok
        table.add_row(f"course check {lab.id} --target {target}", *(f"{s:.2f}" for s in seconds),
                      f"{budget:.2f}", "ok" if ok else "OVER")
    for lab in labs:
        table.add_row(f"floor {lab.id}: import pytest, app.main (solution)",
                      f"{floors[lab.id]:.2f}", *[""] * (len(roots) - 1), "", "", style="dim")
    for lab in labs:
        seconds = watch_latency(lab.slug)
        ok = seconds <= WATCH_BUDGET
        over |= not ok
        table.add_row(f"course watch {lab.id}: save -> verdict", f"{seconds:.2f}",
                      *[""] * (len(roots) - 1), f"{WATCH_BUDGET:.1f}", "ok" if ok else "OVER")
    cells, ok = grading_row(labs, len(roots))
    over |= not ok
    table.add_row(*cells)
    with tempfile.TemporaryDirectory() as site:
        seconds = median_wall([sys.executable, "-m", "course.website.site_build", "mkdocs",
                               "--site-dir", site], runs=3)
    ok = seconds <= SITE_BUDGET
    over |= not ok
    table.add_row("site: generate + mkdocs build --strict (3 runs)", f"{seconds:.2f}",
                  *[""] * (len(roots) - 1), f"{SITE_BUDGET:.0f}", "ok" if ok else "OVER")
    Console().print(table)
    return 1 if over else 0


def synthetic_roster(folder: Path, labs: list) -> list[Path]:
    """ROSTER copies of the last commit: a third with the solutions, a third with the starters,
    a third with starters that do not even import. The learners' labs differ from each other (a
    line of their own), as their work would; the starters are untouched, as the labs a learner
    has not reached yet are, and are graded once for all (course.instructor.grade)."""
    import shutil

    from course.engine.starters import export_committed

    copies = []
    for number in range(ROSTER):
        copy = folder / f"learner-{number:02d}"
        export_committed(".", copy)
        for lab in labs:
            if number % 3 == 0:
                shutil.rmtree(copy / "labs" / lab.slug)
                shutil.copytree(lab.solution_dir, copy / "labs" / lab.slug,
                                ignore=shutil.ignore_patterns("__pycache__"))
            main = copy / "labs" / lab.slug / "app" / "main.py"
            if number % 3 == 0:
                main.write_text(main.read_text() + f"\n# finished by learner {number}\n")
            elif number % 3 == 2:
                main.write_text(main.read_text() + f"\nraise RuntimeError('{number}: half-done')\n")
        copies.append(copy)
    return copies


def grading_row(labs: list, columns: int) -> tuple[list[str], bool]:
    """`course grade`'s engine on a synthetic roster, end to end: wall time per lab-check."""
    from course.instructor.grade import Engine
    from course.instructor.grading_sandbox import sandbox_problem

    what = f"course grade: {ROSTER} copies x {len(labs)} labs, per lab-check"
    problem = sandbox_problem()
    if problem:
        return [what, f"no sandbox: {problem}", *[""] * (columns - 1), f"{GRADE_BUDGET}",
                "OVER"], False
    with tempfile.TemporaryDirectory(prefix="course-bench-roster-") as scratch:
        copies = synthetic_roster(Path(scratch), labs)
        with Engine() as engine:
            started = time.perf_counter()
            graded = engine.grade(copies, labs)
            seconds = time.perf_counter() - started
    # A lab-check is one lab of one learner checked, all its checks: 30 x 14 of them in 3 min.
    lab_checks = sum(len(learner.labs) for learner in graded)
    distinct = sum(not lab.same_as for learner in graded for lab in learner.labs)
    per = seconds / max(1, lab_checks)
    ok = per <= GRADE_BUDGET
    return [f"{what} ({seconds:.0f} s for {lab_checks}, {distinct} distinct)", f"{per:.2f}",
            *[""] * (columns - 1),
            f"{GRADE_BUDGET}", "ok" if ok else "OVER"], ok


if __name__ == "__main__":
    raise SystemExit(main())
