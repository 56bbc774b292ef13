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
import hashlib
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

from course.launch import Launch, ProcessLaunch, check_paths_for, pytest_args
from course.registry import Lab
from course.runner import CheckRun, run_checks
from course.starters import export_committed

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

BOOT = """
import json, os, resource, shutil, sys
slug, args = sys.argv[1], json.loads(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_FSIZE, ({file_bytes}, {file_bytes}))
try:
    shutil.copytree("{source}", "/tmp/labs/" + slug, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".venv", ".git"))
except OSError as exc:
    print("the lab could not be copied into the sandbox:", exc, flush=True)
    os._exit(4)
os.chdir("{inside}")
sys.path[:0] = ["{inside}", "{inside}/tests/checks"]  # the committed course, not the venv's
import pytest
code = pytest.main(args)
full = [path for path in ("/tmp", "/dev/shm")
        if os.statvfs(path).f_bavail * 100 < os.statvfs(path).f_blocks]
with open("{verdict}/limits.json", "w") as out:
    json.dump({{"full": full}}, out)
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
    checkout = Path(__file__).resolve().parents[1]
    probe = [*outer_command(found, checkout, None, None), sys.executable, "-c",
             "import subprocess, sys; sys.path.insert(0, sys.argv[1]);"
             "from harness.sandbox import lab_command; from pathlib import Path;"
             "raise SystemExit(subprocess.run(lab_command(['true'], Path('/tmp'))).returncode)",
             str(INSIDE / "tests" / "checks")]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30,
                              env={**os.environ, "COURSE_LAB_SANDBOX": inner})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run here: {exc}"
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        return f"bubblewrap does not run here: {said[-1] if said else done.returncode}"
    return ""


def outer_command(found: str, pristine: Path | None, lab_source: Path | None,
                  verdict: Path | None) -> list[str]:
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
            *binds, "--chdir", "/", "--"]


class SandboxedLaunch(Launch):
    """One lab of one copy, checked inside the sandbox (a runner.Launch)."""

    def __init__(self, engine: Engine, lab: Lab, lab_dir: Path) -> None:
        self.scratch = tempfile.TemporaryDirectory(prefix="course-grade-")
        folder = Path(self.scratch.name)
        self.verdict = folder / "verdict"
        self.verdict.mkdir()
        self.report = self.verdict / "report.json"
        checks = engine.pristine / "tests" / "checks"
        check_paths = [INSIDE / path.relative_to(engine.pristine)
                       for path in check_paths_for(lab.slug, checks, instructor=True)]
        args = pytest_args(check_paths, "/tmp/labs", VERDICT / "report.json")
        self.limit = ProcessLimit(f"course-grade-{os.getpid()}-{id(self)}")
        inner = {"bwrap": engine.bwrap, "writable": ["/tmp", "/dev/shm"]}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", "TMPDIR": "/tmp",
               "LANG": "C.UTF-8", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "COURSE_LAB_SANDBOX": json.dumps(inner),
               "COURSE_GRADE_FLAGS": str(VERDICT / "flags.txt")}
        boot = BOOT.format(memory=MEMORY_PER_PROCESS, file_bytes=FILE_BYTES, source=LAB_SOURCE,
                           inside=INSIDE, verdict=VERDICT)
        command = [*outer_command(engine.bwrap, engine.pristine, lab_dir, self.verdict),
                   sys.executable, "-c", boot, lab.slug, json.dumps(args)]
        if self.limit.path is not None:
            # Into the cgroup before bubblewrap starts: everything it starts stays in it.
            command = ["sh", "-c", 'echo $$ > "$0" && exec "$@"',
                       str(self.limit.path / "cgroup.procs"), *command]
        self.started = time.monotonic()
        self.args = args
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output = bytearray()
        self.found: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read1(65536):
            self.output += chunk
            del self.output[:-OUTPUT_KEPT]

    def wait(self, timeout: float) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError from None
        self._reader.join(5)
        return code, self.output.decode("utf-8", "replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.found = self.flags()  # before the runner removes the verdict folder
        self.limit.remove()
        self._reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()

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

    def grade(self, copies: Iterable[Path], labs: list[Lab]) -> list[LearnerGrade]:
        copies = [Path(copy).resolve() for copy in copies]
        jobs = [(copy, lab) for copy in copies for lab in labs]
        with ThreadPoolExecutor(self.workers) as pool:
            graded = list(pool.map(lambda job: self.grade_lab(*job), jobs))
        by_copy: dict[Path, list[LabGrade]] = {copy: [] for copy in copies}
        for (copy, _), grade in zip(jobs, graded, strict=True):
            by_copy[copy].append(grade)
        return [LearnerGrade(copy, by_copy[copy], tampered_files(copy, self.course_files),
                             self.sandboxed) for copy in copies]

    def grade_lab(self, copy: Path, lab: Lab) -> LabGrade:
        lab_dir = copy / "labs" / lab.slug
        launched: list[SandboxedLaunch] = []

        def launch(slug: str, target: str, only: tuple[str, ...] = (),
                   instructor: bool = True) -> Launch:
            if not self.sandboxed:
                return ProcessLaunch(slug, target, self.pristine / "tests" / "checks", only,
                                     instructor)
            launched.append(SandboxedLaunch(self, lab, lab_dir))
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


def _blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def committed_files() -> dict[str, str]:
    """Every file of the last commit outside labs/, with its git blob id."""
    from course.paths import REPO_ROOT

    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-tree", "-r", "HEAD"],
                            capture_output=True, text=True, check=True).stdout
    files = {}
    for line in listed.splitlines():
        meta, _, path = line.partition("\t")
        if not path.startswith("labs/") and meta.split()[1] == "blob":
            files[path] = meta.split()[2]
    return files


def tampered_files(copy: Path, committed: dict[str, str]) -> list[str]:
    """Files of the copy outside labs/ that differ from the course's, were added or are gone;
    and `.pth` files in its .venv (each runs code at every start of Python there)."""
    said = []
    seen = set()
    for path in sorted(copy.rglob("*")):
        relative = path.relative_to(copy)
        if relative.parts[0] == "labs" or SKIPPED_IN_COPIES & set(relative.parts) \
                or not path.is_file():
            continue
        name = relative.as_posix()
        seen.add(name)
        if name not in committed:
            said.append(f"added: {name}")
        elif _blob(path.read_bytes()) != committed[name]:
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
