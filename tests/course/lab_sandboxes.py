"""The sandboxes a lab ships beside its service (`insurer_sandbox.py`, `payments_sandbox.py`,
...), started the way its brief starts them, by their own command line, for a test that serves
the lab: each in a process of its own (no thread here, so servers can still be forked from this
process), on a free port, stopped on exit."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from course.engine.ports import free_port

# Each sandbox a lab may ship, and the setting that tells the lab where it listens.
SANDBOX_SETTINGS = {"insurer_sandbox.py": "CLINIC_INSURER_URL",
                    "lab_results_sandbox.py": "CLINIC_LAB_RESULTS_URL",
                    "payments_sandbox.py": "CLINIC_PAYMENTS_URL"}
INSURER_SANDBOX = "insurer_sandbox.py"
START_TIMEOUT = 30
STOP_TIMEOUT = 5


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ships_insurer_sandbox(lab_folder: Path) -> bool:
    return (lab_folder / INSURER_SANDBOX).is_file()


@contextlib.contextmanager
def lab_sandbox(lab_folder: Path, script: str) -> Iterator[str]:
    """One of the lab's sandboxes (`script`), serving with its defaults; yields its URL."""
    port = free_port()
    # A file, not a pipe: nothing reads what it prints unless it fails to start.
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-I", script, "--port", str(port)], cwd=lab_folder,
            stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise RuntimeError(f"{lab_folder / script} did not listen on {port} "
                                       f"in {START_TIMEOUT} s: {output.read()}")
                time.sleep(0.02)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def insurer_sandbox(lab_folder: Path) -> contextlib.AbstractContextManager[str]:
    """The lab's insurer sandbox (its plans, a few members)."""
    return lab_sandbox(lab_folder, INSURER_SANDBOX)


def lab_sandboxes(lab_folder: Path, stack: contextlib.ExitStack) -> dict[str, str]:
    """Every sandbox of SANDBOX_SETTINGS the lab ships, started on `stack`: the settings that
    point the lab at them."""
    return {setting: stack.enter_context(lab_sandbox(lab_folder, script))
            for script, setting in SANDBOX_SETTINGS.items() if (lab_folder / script).is_file()}
