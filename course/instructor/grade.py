"""The engine of `course grade`: every lab of every learner copy graded by the instructor's
pristine checks, where the lab's code can neither forge nor break a verdict.

For each (copy, lab) one run, in a sandbox of its own (bubblewrap):

- the checks and their harness are the last commit's `tests/checks` and `course` (never the
  copy's, nor the instructor's working tree), read-only, run by the instructor's Python,
  read-only;
- the run has no network but its own loopback, its own process namespace, and writes only to
  two small memory filesystems (its /tmp and /dev/shm) and to its verdict folder;
- the learner's lab is copied into that /tmp; every process that runs the lab's code is
  sandboxed once more (tests/checks/harness/sandbox.py): an unprivileged user, no capabilities,
  a process namespace of its own, nothing writable but the two scratch filesystems. The lab's
  in-process checks talk to the lab's app in such a process (harness/remote.py), so the process
  that decides and writes the verdicts never runs the lab's code;
- time, memory per process, file size and the number of processes (a cgroup's `pids.max`)
  are limited; when the time is up, the whole sandbox goes.

Where no such sandbox can be made, grading is refused unless asked for `unsandboxed`, and each
result then says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from course.engine.launch import Launch, check_paths_for, pytest_args
from course.engine.namespaces import Holder
from course.engine.registry import Lab
from course.engine.runner import CheckRun, run_checks
from course.engine.starters import export_committed
from course.engine.warm import WarmPool
from course.instructor.expected_copy import Expectations, blob_id

SCRATCH_BYTES = 512 * 2**20  # each of the run's /tmp and /dev/shm
PIDS_MAX = 512  # tasks (processes and threads) of one run, checks included
MEMORY_PER_PROCESS = 4 * 2**30  # address space
FILE_BYTES = 256 * 2**20
OUTPUT_KEPT = 64 * 1024
INSIDE = Path("/run/course")  # the pristine checks, in the sandbox
VERDICT = Path("/run/verdict")  # where the checks' process writes, in the sandbox
LAB_SOURCE = Path("/run/lab-source")
SKIPPED_IN_COPIES = {".git", ".venv", ".course", "__pycache__", ".pytest_cache", ".ruff_cache",
                     "node_modules", "site", ".ipynb_checkpoints"}
# What a lab's code has no business naming: the grader's own machinery.
GRADER_WORDS = ("pytest", "conftest", "harness", "--course-report", "course-report",
                "COURSE_LAB_SANDBOX", "/run/verdict", "os.kill", "killpg", "os.fork")

# The run of one lab, in a child of the warm interpreter (course.engine.warm): it moves into the sandbox
# its holder keeps open, forgets the instructor's `course` (the sandbox's is the committed
# one), and runs the checks in a child born in the sandbox's process namespace.
GRADE_RUN = """
import json, os, resource, shutil, sys
given = request["grade"]
if given["cgroup"]:
    with open(given["cgroup"], "w") as procs:
        procs.write(str(os.getpid()))
from course.engine import namespaces
namespaces.join(given["holder"])  # with what bubblewrap leaves its own program
for name in [name for name in sys.modules if name.partition(".")[0] == "course"]:
    del sys.modules[name]
os.environ.clear()
os.environ.update(given["env"])
relay()
resource.setrlimit(resource.RLIMIT_AS, (given["memory"], given["memory"]))
resource.setrlimit(resource.RLIMIT_FSIZE, (given["file_bytes"], given["file_bytes"]))
try:
    shutil.copytree(given["source"], "/tmp/labs/" + given["slug"], symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".venv", ".git"))
except OSError as exc:
    print("the lab could not be copied into the sandbox:", exc, flush=True)
    os._exit(4)
os.chdir(given["inside"])
sys.path[:0] = [given["inside"], given["inside"] + "/tests/checks"]
import pytest
code = pytest.main(request["args"])
full = [path for path in ("/tmp", "/dev/shm")
        if os.statvfs(path).f_bavail * 100 < os.statvfs(path).f_blocks]
with open(given["verdict"] + "/limits.json", "w") as out:
    json.dump({"full": full}, out)
sys.stdout.flush()
os._exit(int(code))  # not waiting for what the lab's code may have left running
"""


@dataclass
class LabGrade:
    lab: Lab
    run: CheckRun
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {**self.run.to_json(), "flags": self.flags}


@dataclass
class LearnerGrade:
    copy: Path
    labs: list[LabGrade]
    tampered: list[str]  # files outside labs/ that differ from the course, or were added
    sandboxed: bool

    @property
    def name(self) -> str:
        return self.copy.name

    def to_json(self) -> dict:
        return {"learner": self.name, "copy": str(self.copy), "sandboxed": self.sandboxed,
                "tampered": self.tampered, "labs": [lab.to_json() for lab in self.labs]}


class NoSandbox(Exception):
    """No sandbox can be made here: grading would let the labs' code reach the verdicts."""


def bwrap() -> str | None:
    return shutil.which("bwrap")


class ProcessLimit:
    """A cgroup whose `pids.max` holds one run's processes and threads (cgroup v1 or v2)."""

    ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))

    def __init__(self, name: str) -> None:
        self.path: Path | None = None
        for root in self.ROOTS:
            if not (root / "cgroup.procs").exists() or not os.access(root, os.W_OK):
                continue
            with contextlib.suppress(OSError):
                folder = root / name
                folder.mkdir()
                (folder / "pids.max").write_text(str(PIDS_MAX))
                self.path = folder
                return

    @property
    def hit(self) -> bool:
        """Did the run try to exceed it?"""
        if self.path is None:
            return False
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.path / "pids.events").read_text().split()[1]) > 0
        return False

    def remove(self) -> None:
        if self.path is None:
            return
        for _ in range(200):
            with contextlib.suppress(OSError):
                procs = (self.path / "cgroup.procs").read_text().split()
                if not procs:
                    self.path.rmdir()
                    return
                for pid in procs:
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), 9)
            threading.Event().wait(0.01)


def sandbox_problem() -> str:
    """Why no sandbox can be made here ("" when one can): bubblewrap runs both layers, and the
    number of processes can be limited."""
    found = bwrap()
    if found is None:
        return "bubblewrap (bwrap) is not installed"
    limit = ProcessLimit(f"course-grade-probe-{os.getpid()}")
    try:
        if limit.path is None:
            return "no cgroup can limit the number of processes (run as root, or delegate one)"
    finally:
        limit.remove()
    inner = json.dumps({"bwrap": found, "writable": ["/tmp"]})
    checkout = Path(__file__).resolve().parents[2]
    try:
        holder = Holder(outer_command(found, checkout, None, None))
    except OSError as exc:
        return f"bubblewrap does not run here: {exc}"
    try:  # what a run does: into the holder's sandbox, and a lab's process from there
        done = subprocess.run([sys.executable, "-c", PROBE, str(holder.pid),
                               str(INSIDE / "tests" / "checks")], cwd=checkout,
                              capture_output=True, text=True, timeout=30,
                              env={**os.environ, "COURSE_LAB_SANDBOX": inner})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run here: {exc}"
    finally:
        holder.stop()
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        return f"bubblewrap does not run here: {said[-1] if said else done.returncode}"
    return ""


PROBE = """
import subprocess, sys
from pathlib import Path
from course.engine import namespaces
namespaces.join(int(sys.argv[1]))
sys.path.insert(0, sys.argv[2])
from harness.sandbox import lab_command
raise SystemExit(subprocess.run(lab_command(["true"], Path("/tmp"))).returncode)
"""


def outer_command(found: str, pristine: Path | None, lab_source: Path | None,
                  verdict: Path | None) -> list[str]:
    """bubblewrap's arguments for the sandbox of one run (its program comes from Holder)."""
    binds = []
    if pristine is not None:
        binds += ["--ro-bind", str(pristine), str(INSIDE)]
    if lab_source is not None:
        binds += ["--ro-bind", str(lab_source), str(LAB_SOURCE)]
    if verdict is not None:
        binds += ["--bind", str(verdict), str(VERDICT)]
    # The Python that runs the checks, seen again where the scratch filesystems cover it (a
    # venv in /tmp): read-only, as everything else.
    python = sorted({str(Path(folder).resolve()) for folder in
                     (sys.prefix, sys.base_prefix, Path(sys.executable).resolve().parent)})
    again = [arg for folder in python if folder.startswith(("/tmp/", "/dev/shm/", "/run/"))
             for arg in ("--ro-bind", folder, folder)]
    return [found, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--unshare-ipc",
            "--unshare-uts", "--die-with-parent", "--new-session", "--proc", "/proc",
            "--dev", "/dev", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp",
            "--size", str(SCRATCH_BYTES), "--tmpfs", "/dev/shm", "--tmpfs", "/run", *again,
            *binds, "--chdir", "/"]


def tail(path: Path, size: int) -> str:
    with contextlib.suppress(OSError), path.open("rb") as output:
        output.seek(max(0, output.seek(0, os.SEEK_END) - size))
        return output.read().decode("utf-8", "replace")
    return ""


class SandboxedLaunch(Launch):
    """One lab of one copy, checked inside the sandbox (a runner.Launch): a holder keeps the
    sandbox open, and a fork of the warm interpreter moves in to run the checks."""

    def __init__(self, engine: Engine, lab: Lab, lab_dir: Path, pool: WarmPool) -> None:
        self.scratch = tempfile.TemporaryDirectory(prefix="course-grade-")
        folder = Path(self.scratch.name)
        self.verdict = folder / "verdict"
        self.verdict.mkdir()
        self.report = self.verdict / "report.json"
        self.output = folder / "output.txt"
        checks = engine.pristine / "tests" / "checks"
        check_paths = [INSIDE / path.relative_to(engine.pristine)
                       for path in check_paths_for(lab.slug, checks, instructor=True)]
        self.args = pytest_args(check_paths, "/tmp/labs", VERDICT / "report.json")
        self.limit = ProcessLimit(f"course-grade-{os.getpid()}-{id(self)}")
        inner = {"bwrap": engine.bwrap, "writable": ["/tmp", "/dev/shm"]}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", "TMPDIR": "/tmp",
               "LANG": "C.UTF-8", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "COURSE_LAB_SANDBOX": json.dumps(inner),
               "COURSE_GRADE_FLAGS": str(VERDICT / "flags.txt")}
        # Into the cgroup before bubblewrap starts: everything it starts stays in it.
        prefix = ([] if self.limit.path is None else
                  ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.limit.path / "cgroup.procs")])
        self.started = time.monotonic()
        self.holder = Holder(outer_command(engine.bwrap, engine.pristine, lab_dir, self.verdict),
                             prefix)
        given = {"holder": self.holder.pid, "env": env, "slug": lab.slug,
                 "cgroup": None if self.limit.path is None else str(self.limit.path / "cgroup.procs"),
                 "memory": MEMORY_PER_PROCESS, "file_bytes": FILE_BYTES, "source": str(LAB_SOURCE),
                 "inside": str(INSIDE), "verdict": str(VERDICT)}
        self.pool = pool
        self.warm = pool.acquire()
        try:
            self.pid = self.warm.fork(self.args, self.output, GRADE_RUN, grade=given)
        except BaseException:
            self.holder.stop()
            self.pool.release(self.warm)
            raise
        self.code: int | None = None
        self.found: list[str] = []
        self._waiter = threading.Thread(target=self._await_exit, daemon=True)
        self._waiter.start()

    def _await_exit(self) -> None:
        with self.warm._lock:  # the interpreter's next answer is this run's end
            self.code = self.warm._read()["code"]

    def wait(self, timeout: float) -> tuple[int, str]:
        self._waiter.join(timeout)
        if self._waiter.is_alive():
            raise TimeoutError
        assert self.code is not None
        return self.code, tail(self.output, OUTPUT_KEPT)

    def kill(self) -> None:
        self.holder.stop()  # the sandbox's process namespace ends, with all that ran in it
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)
        self._waiter.join(10)
        if not self._waiter.is_alive():  # its answer read: the interpreter can serve again
            self.pool.release(self.warm)
        self.found = self.flags()  # before the runner removes the verdict folder
        self.limit.remove()

    def flags(self) -> list[str]:
        said = []
        if self.limit.hit:
            said.append(f"it tried to run more than {PIDS_MAX} processes and threads")
        with contextlib.suppress(OSError, ValueError):
            full = json.loads((self.verdict / "limits.json").read_text()).get("full", [])
            if full:
                said.append(f"it filled its scratch space ({', '.join(full)})")
        with contextlib.suppress(OSError):
            said += [line for line in (self.verdict / "flags.txt").read_text().splitlines()
                     if line][:5]
        return said


class Engine:
    """Grades copies with the last commit's checks. `sandboxed=False` runs them in a plain
    process (only where no sandbox can be made, and said in every result)."""

    def __init__(self, *, sandboxed: bool = True, workers: int | None = None) -> None:
        self.sandboxed = sandboxed
        if sandboxed:
            problem = sandbox_problem()
            if problem:
                raise NoSandbox(problem)
        self.bwrap = bwrap() or "bwrap"
        self.workers = workers or os.cpu_count() or 1
        self._scratch = tempfile.TemporaryDirectory(prefix="course-pristine-")
        self.pristine = Path(self._scratch.name)
        export_committed("tests/checks", self.pristine)
        export_committed("course", self.pristine)  # the harness reads the port plan from it
        self.course_files = committed_files()
        self.expected = Expectations(self.course_files)
        self.pool = WarmPool()  # pre-imported interpreters, each forking one run at a time
        self._tampered: dict[Path, list[str]] = {}
        self._lock = threading.Lock()

    def grade(self, copies: Iterable[Path], labs: list[Lab]) -> list[LearnerGrade]:
        copies = [Path(copy).resolve() for copy in copies]
        jobs = [(copy, lab) for copy in copies for lab in labs]
        with ThreadPoolExecutor(self.workers) as pool:
            graded = list(pool.map(lambda job: self.grade_lab(*job), jobs))
        by_copy: dict[Path, list[LabGrade]] = {copy: [] for copy in copies}
        for (copy, _), grade in zip(jobs, graded, strict=True):
            by_copy[copy].append(grade)
        return [LearnerGrade(copy, by_copy[copy], self.tampered(copy), self.sandboxed)
                for copy in copies]

    def tampered(self, copy: Path) -> list[str]:
        """What the copy changed outside labs/: read once per copy, however many calls grade
        its labs."""
        with self._lock:
            if copy not in self._tampered:
                self._tampered[copy] = tampered_files(copy, *self.expected.for_copy(copy))
            return self._tampered[copy]

    def grade_lab(self, copy: Path, lab: Lab) -> LabGrade:
        lab_dir = copy / "labs" / lab.slug
        launched: list[SandboxedLaunch] = []

        def launch(slug: str, target: str, only: tuple[str, ...] = (),
                   instructor: bool = True) -> Launch:
            if not self.sandboxed:
                return self.pool.launch(slug, target, only, self.pristine / "tests" / "checks",
                                        instructor)
            launched.append(SandboxedLaunch(self, lab, lab_dir, self.pool))
            return launched[-1]

        if not lab_dir.is_dir():
            run = CheckRun(lab, str(lab_dir), [], 0.0, "the copy has no folder for this lab")
            return LabGrade(lab, run, [])
        run = run_checks(lab, str(lab_dir), launcher=launch, instructor=True)
        flags = list(dict.fromkeys([*(launched[0].found if launched else []),
                                    *grader_words(lab_dir)]))
        if not self.sandboxed:
            flags.append("graded without a sandbox: the lab's code could reach the verdict")
        return LabGrade(lab, run, flags)

    def close(self) -> None:
        self.pool.close()
        self._scratch.cleanup()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def grader_words(lab_dir: Path) -> list[str]:
    """Where the lab's own code names the grader's machinery (a flag, not a verdict)."""
    found = []
    for path in sorted(lab_dir.rglob("*.py")):
        if SKIPPED_IN_COPIES & set(path.relative_to(lab_dir).parts):
            continue
        with contextlib.suppress(OSError):
            text = path.read_text(errors="replace")
            named = [word for word in GRADER_WORDS if word in text]
            if named:
                found.append(f"{path.relative_to(lab_dir)} names the grader's machinery: "
                             f"{', '.join(named)}")
    return found[:5]


def committed_files() -> dict[str, str]:
    """Every file of the last commit outside labs/, with its git blob id."""
    from course.engine.paths import REPO_ROOT

    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-tree", "-r", "HEAD"],
                            capture_output=True, text=True, check=True).stdout
    files = {}
    for line in listed.splitlines():
        meta, _, path = line.partition("\t")
        if not path.startswith("labs/") and meta.split()[1] == "blob":
            files[path] = meta.split()[2]
    return files


def tampered_files(copy: Path, committed: dict[str, str], not_compared: tuple[str, ...] = ()
                   ) -> list[str]:
    """Files of the copy outside labs/ that differ from what it should hold (`committed`), were
    added or are gone; and `.pth` files in its .venv (each runs code at every start of Python
    there). Paths under `not_compared` are left alone."""
    said = []
    seen = set()
    for path in sorted(copy.rglob("*")):
        relative = path.relative_to(copy)
        if relative.parts[0] == "labs" or SKIPPED_IN_COPIES & set(relative.parts) \
                or not path.is_file() or relative.as_posix().startswith(not_compared):
            continue
        name = relative.as_posix()
        seen.add(name)
        if name not in committed:
            said.append(f"added: {name}")
        elif blob_id(path.read_bytes()) != committed[name]:
            said.append(f"changed: {name}")
    said += [f"missing: {name}" for name in sorted(set(committed) - seen)
             if not SKIPPED_IN_COPIES & set(Path(name).parts)]
    venv = copy / ".venv"
    if venv.is_dir():
        ours = {path.name for path in Path(sys.prefix).glob("lib/python*/site-packages/*.pth")}
        said += [f"added to .venv: {path.relative_to(copy).as_posix()}"
                 for path in sorted(venv.glob("lib/python*/site-packages/*.pth"))
                 if path.name not in ours]
    return said
