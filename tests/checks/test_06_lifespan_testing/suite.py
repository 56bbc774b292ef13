"""The lab's own tests (tests/ in the lab folder), run the way their author runs them: `pytest`
in a copy of the lab folder, with a home and a temporary folder of the run's own and none of
the checks' settings, each run forked from a warm interpreter (warm_runs.py). What a run wrote
outside its temporary folder is noted."""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import secrets
import shutil
import threading
import tomllib
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness.labs import Lab

from .warm_runs import WarmRunner

MISTAKES = Path(__file__).with_name("mistakes.toml")
# course_writes: what a run wrote, and where; course_reversed: the tests in the reverse order
PLUGINS = Path(__file__).with_name("plugins")
RUN_TIMEOUT = 90  # seconds for one run of the whole suite
WORKERS = max(1, min(2, os.cpu_count() or 1))  # runs at once
WORKERS_PER_RUN = 2  # the parallel run's xdist workers
LEFT_OUT = ("__pycache__", ".pytest_cache", "*.pyc", "*.db", "*.db-journal", "*.db-wal",
            "*.db-shm", "*.sqlite3")
NOT_WRITTEN = ("__pycache__", ".pytest_cache")  # what pytest and Python keep for themselves
RUNS = ("as shipped", "random order", "reverse order", "parallel", "mistakes")  # kinds of run


@dataclass(frozen=True)
class Mistake:
    id: str
    kind: str
    file: str
    old: str
    new: str


@dataclass
class Run:
    code: int
    output: str
    wrote: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.code == 0

    def failures(self, count: int = 3) -> str:
        """The tests that failed (from pytest's short summary), or the output's last lines."""
        named = re.findall(r"^(?:FAILED|ERROR) (\S+)", self.output, re.MULTILINE)
        if named:
            more = f" and {len(named) - count} more" if len(named) > count else ""
            return ", ".join(named[:count]) + more
        if self.code == 5:
            return "no tests were collected"
        lines = [line for line in self.output.splitlines() if line.strip()]
        return " | ".join(lines[-3:])[:400] or f"exit code {self.code}"


def mistakes() -> list[Mistake]:
    return [Mistake(**entry) for entry in tomllib.loads(MISTAKES.read_text())["mistake"]]


def _shown(path: Path, folder: Path) -> str:
    """A path as the learner knows it: relative to the lab folder when inside it."""
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else str(path)


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part in NOT_WRITTEN for part in relative.parts):
            stat = path.stat()
            found[relative.as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


class LearnerSuite:
    """Runs of the lab's tests, two at a time in the background, each made once however many
    checks read it: `start()` sends them all off at once, a check waits for the ones it reads."""

    def __init__(self, lab: Lab, scratch: Path, chosen: list[Mistake] | None = None) -> None:
        self.lab = lab
        self.root = scratch / "suite"
        self.root.mkdir(exist_ok=True)
        self.mistakes = mistakes() if chosen is None else chosen
        self.seed = secrets.randbelow(10**6)  # the random order tried, one per grading run
        self._runners: queue.Queue[WarmRunner] = queue.Queue()
        self._started: list[WarmRunner] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=WORKERS)
        self._futures: dict[str, Future] = {}
        self._copies = 0
        self._run_numbers = itertools.count(1)  # runs go on in threads: next() is atomic

    # --- what the checks read --------------------------------------------------------------
    def start(self, runs: Collection[str] = RUNS) -> LearnerSuite:
        """Sends off the runs of these kinds (of RUNS) at once, in that order; a run no check
        will read is not made."""
        kinds: dict[str, Callable[[], object]] = {
            "as shipped": self._twice, "random order": self._in_random_order,
            "reverse order": self._in_reverse_order, "parallel": self._in_parallel,
            "mistakes": lambda: [self._against(mistake) for mistake in self.mistakes]}
        for kind in RUNS:
            if kind in runs:
                kinds[kind]()
        return self

    def as_shipped(self) -> tuple[Run, Run]:
        """Twice in the same copy, in the order pytest collects the tests."""
        return self._twice().result()

    def in_random_order(self) -> Run:
        return self._in_random_order().result()

    def in_reverse_order(self) -> Run:
        """The last test first (plugins/course_reversed.py)."""
        return self._in_reverse_order().result()

    def in_parallel(self) -> Run:
        return self._in_parallel().result()

    def against(self) -> dict[str, Run | str]:
        """Each mistake planted in a copy of its own, the suite run against it (stopping at the
        first failure); a mistake whose file is not as shipped names that file instead."""
        return {mistake.id: self._against(mistake).result() for mistake in self.mistakes}

    def close(self) -> None:
        for future in self._futures.values():
            future.cancel()
        self._pool.shutdown(wait=True)
        for runner in self._started:
            runner.close()

    # --- the runs ----------------------------------------------------------------------------
    def _once(self, name: str, make: Callable[[], object]) -> Future:
        with self._lock:
            if name not in self._futures:
                self._futures[name] = self._pool.submit(make)
            return self._futures[name]

    def _twice(self) -> Future:
        def both() -> tuple[Run, Run]:
            folder = self.copy()
            return self.run(folder), self.run(folder)

        return self._once("as shipped", both)

    def _in_random_order(self) -> Future:
        return self._once("random order", lambda: self.run(
            self.copy(), "-p", "random_order", f"--random-order-seed={self.seed}"))

    def _in_reverse_order(self) -> Future:
        return self._once("reverse order", lambda: self.run(self.copy(), "-p", "course_reversed"))

    def _in_parallel(self) -> Future:
        return self._once("parallel", lambda: self.run(self.copy(), "-p", "xdist", "-n",
                                                        str(WORKERS_PER_RUN)))

    def _against(self, mistake: Mistake) -> Future:
        def planted() -> Run | str:
            folder = self.copy()
            target = folder / mistake.file
            text = target.read_text(encoding="utf-8") if target.is_file() else ""
            if text.count(mistake.old) != 1:
                return mistake.file
            target.write_text(text.replace(mistake.old, mistake.new), encoding="utf-8")
            return self.run(folder, "-x")

        return self._once(f"mistake {mistake.id}", planted)

    def copy(self) -> Path:
        with self._lock:
            self._copies += 1
            number = self._copies
        folder = self.root / f"copy-{number}" / self.lab.path.name
        shutil.copytree(self.lab.path, folder, ignore=shutil.ignore_patterns(*LEFT_OUT))
        return folder

    def run(self, folder: Path, *args: str) -> Run:
        home, tmp = folder.parent / "home", folder.parent / f"tmp-{next(self._run_numbers)}"
        reports = tmp / "writes"
        home.mkdir(exist_ok=True)
        reports.mkdir(parents=True)
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("CLINIC_", "PYTEST_", "COURSE_", "COV_"))}
        env.update(HOME=str(home), TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="1",
                   PYTHONPATH=str(PLUGINS), WRITES_REPORT_DIR=str(reports))
        before = _files(folder)
        said = tmp / "output.txt"
        runner = self._runner()
        try:
            # A plugin the warm interpreter imported already (anyio) cannot be rewritten for
            # asserts, and pytest would warn about it in every run.
            code = runner.run(folder, ["-q", "-p", "no:cacheprovider", "-p", "course_writes",
                                       "-W", "ignore::pytest.PytestAssertRewriteWarning", *args],
                              env, [str(PLUGINS)], said, RUN_TIMEOUT)
        finally:
            self._runners.put(runner)
        output = said.read_text(errors="replace") if said.exists() else ""
        if code == -1:
            output += f"\n(still running after {RUN_TIMEOUT} s, stopped)"
        after = _files(folder)
        wrote = {name for name, seen in after.items() if before.get(name) != seen}
        for report in reports.glob("*.json"):
            wrote.update(_shown(Path(path), folder) for path in json.loads(report.read_text()))
        return Run(code, output, sorted(wrote))

    def _runner(self) -> WarmRunner:
        """A warm interpreter free now: one per worker thread, started when first needed."""
        with self._lock:
            if self._runners.empty() and len(self._started) < WORKERS:
                runner = WarmRunner(self.root)
                self._started.append(runner)
                return runner
        return self._runners.get()
