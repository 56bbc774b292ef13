"""`make bench`: the budgets of DESIGN.md, measured as a learner meets them (wall clock, medians).

    course check NN   (each lab, starter and solution, 9 runs)   budget 1.0 s
    course watch NN   save -> verdict (each lab)                  budget 1.0 s
    mkdocs build --strict                                         budget 20 s

The check commands run in rounds (each command once per round), so a machine that slows down
part-way through (a shared VM does) slows every row alike. A reference row, importing pytest
and FastAPI and nothing else, shows what any check of a FastAPI lab pays before it starts:
read the other rows against it when comparing machines.
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

from course.paths import REPO_ROOT
from course.registry import all_labs
from course.sandbox import copy_course

RUNS = 9
CHECK_BUDGET = 1.0
SITE_BUDGET = 20.0
WATCH_BUDGET = 1.0


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def median_wall(command: list[str], runs: int = RUNS) -> float:
    wall(command)  # warm the file cache and bytecode: learners check the same lab many times
    return statistics.median(wall(command) for _ in range(runs))


def median_walls_in_rounds(commands: list[list[str]], runs: int = RUNS) -> list[float]:
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


def main() -> int:
    course = [str(Path(sys.executable).with_name("course"))]
    table = Table(title=f"Budgets (median of {RUNS} runs, wall clock)")
    for column in ("what", "median s", "budget s", ""):
        table.add_column(column)
    over = False
    checks = [(lab, target) for lab in all_labs() for target in ("labs", "solutions")]
    reference = [sys.executable, "-c", "import pytest, fastapi"]
    *medians, floor = median_walls_in_rounds(
        [[*course, "check", lab.id, "--target", target] for lab, target in checks] + [reference])
    for (lab, target), seconds in zip(checks, medians, strict=True):
        ok = seconds <= CHECK_BUDGET
        over |= not ok
        table.add_row(f"course check {lab.id} --target {target}", f"{seconds:.2f}",
                      f"{CHECK_BUDGET:.1f}", "ok" if ok else "OVER")
    table.add_row("reference: python -c 'import pytest, fastapi'", f"{floor:.2f}", "", "",
                  style="dim")
    for lab in all_labs():
        seconds = watch_latency(lab.slug)
        ok = seconds <= WATCH_BUDGET
        over |= not ok
        table.add_row(f"course watch {lab.id}: save -> verdict", f"{seconds:.2f}",
                      f"{WATCH_BUDGET:.1f}", "ok" if ok else "OVER")
    with tempfile.TemporaryDirectory() as scratch:
        seconds = median_wall([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                               "--site-dir", scratch], runs=3)
    ok = seconds <= SITE_BUDGET
    over |= not ok
    table.add_row("mkdocs build --strict (3 runs)", f"{seconds:.2f}", f"{SITE_BUDGET:.0f}",
                  "ok" if ok else "OVER")
    Console().print(table)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
