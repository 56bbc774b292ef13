"""The sandbox of one graded run (bubblewrap, a cgroup, rlimits), as `course grade`'s engine
(course/instructor/grade.py) makes it: see that module for what the lab's code can and cannot
reach. A fork of the warm interpreter moves into the sandbox a holder keeps open
(course/engine/namespaces.py) and runs the instructor's pristine checks there."""

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
from pathlib import Path
from typing import TYPE_CHECKING

from course.engine.check_command import check_paths_for, pytest_args
from course.engine.launch import Launch
from course.engine.namespaces import Holder
from course.engine.paths import REPO_ROOT
from course.engine.registry import Lab
from course.engine.warm import WarmPool

if TYPE_CHECKING:
    from course.instructor.grade import Engine

SCRATCH_BYTES = 512 * 2**20  # each of the run's /tmp and /dev/shm
PIDS_MAX = 512  # tasks (processes and threads) of one run, checks included
MEMORY_PER_PROCESS = 4 * 2**30  # address space
FILE_BYTES = 256 * 2**20
OUTPUT_KEPT = 64 * 1024
INSIDE = Path("/run/course")  # the pristine checks, in the sandbox
VERDICT = Path("/run/verdict")  # where the checks' process writes, in the sandbox
LAB_SOURCE = Path("/run/lab-source")
SKIPPED = frozenset({"__pycache__", ".venv", ".git"})  # of the lab, not copied into the sandbox

# The run of one lab, in a child of the warm interpreter (course.engine.warm): it moves into the
# sandbox its holder keeps open, forgets the instructor's `course` (the sandbox's is the committed
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
                    ignore=shutil.ignore_patterns(*given["skipped"]))
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
    checkout = REPO_ROOT
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
               "COURSE_LAB_SANDBOX": json.dumps(inner),
               "COURSE_GRADE_FLAGS": str(VERDICT / "flags.txt")}
        # Into the cgroup before bubblewrap starts: everything it starts stays in it.
        prefix = ([] if self.limit.path is None else
                  ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.limit.path / "cgroup.procs")])
        self.started = time.monotonic()
        self.holder = Holder(outer_command(engine.bwrap, engine.pristine, lab_dir, self.verdict),
                             prefix)
        given = {"holder": self.holder.pid, "env": env, "slug": lab.slug,
                 "cgroup": None if self.limit.path is None else str(self.limit.path / "cgroup.procs"),
                 "skipped": sorted(SKIPPED), "memory": MEMORY_PER_PROCESS,
                 "file_bytes": FILE_BYTES, "source": str(LAB_SOURCE),
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
