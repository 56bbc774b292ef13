"""The package's fixtures, shared by its check modules: the lab, a scratch folder, the processes
forked at the start (the admin job, the fuzzer), the in-process clinic and, for the leak checks,
the same clinic served by a real uvicorn, each made once.

`lab` and `scratch` stand in for tests/checks/conftest.py's module-scoped ones (same meaning,
package scope): the clinic and the fuzzer serve checks in several modules.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness import sandbox
from harness.labs import Lab, find_lab_dir, forget_app_modules
from harness.servers import UvicornProcess

from .clinic import Clinic, Notifier, Staff, open_clinic, settings_for, start_create_admin
from .fuzzing import start_fuzzer

LAB_ID = "04"
FUZZ_MODULE = "test_whole_document.py"
# The leak checks read what the brief's curl lines would: answers of a real uvicorn in an
# interpreter of its own, which nothing of the checks' process (pytest, a test client's host
# name) is in; a lab that leaks unless it is under test is seen there.
SERVED_MODULE = "test_leaks.py"
# The leak checks start a uvicorn and sweep every operation, the patch checks write and read
# back each field: a few seconds on an idle machine, three times that on a busy one (CI grades
# two labs at once). A correct lab gets that time; a hung one is still stopped.
SWEEPING_TIMEOUT = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).parent == Path(__file__).parent \
                and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SWEEPING_TIMEOUT))


@pytest.fixture(scope="package")
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    try:
        path = find_lab_dir(request.config.getoption("--target"), LAB_ID)
    except LookupError as exc:
        pytest.fail(str(exc), pytrace=False)
    root = sys.modules.get("conftest")  # tests/checks/conftest.py: the verdicts name lab lines
    lab_dirs = getattr(root, "LAB_DIRS_KEY", None)
    if lab_dirs is not None:
        request.config.stash[lab_dirs][LAB_ID] = path
    forget_app_modules()
    importable = not sandbox.active()
    if importable:
        sys.path.insert(0, str(path))
    under_test = Lab(LAB_ID, path)
    try:
        yield under_test
    finally:
        under_test.close()
        if importable:
            sys.path.remove(str(path))
        forget_app_modules()


@pytest.fixture(scope="package")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    memory = Path("/dev/shm")
    if not memory.is_dir():
        yield tmp_path_factory.mktemp("scratch")
        return
    with tempfile.TemporaryDirectory(dir=memory, prefix="course-check-") as folder:
        yield Path(folder)


@dataclass
class Started:
    admin: Staff
    settings: dict[str, str]
    notifier: Notifier
    admin_job: Any = None
    fuzzer: Any = None
    fuzz_report: Path | None = None
    serve: bool = False  # whether a check of this run reads the clinic through uvicorn
    server: UvicornProcess | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        for job in (self.admin_job, self.fuzzer):
            if job is not None and job.poll() is None:
                with contextlib.suppress(OSError):
                    job.kill()
                with contextlib.suppress(Exception):
                    job.communicate(timeout=5)
        self.notifier.stop()


@pytest.fixture(scope="package")
def started(request: pytest.FixtureRequest, lab: Lab, scratch: Path) -> Iterator[Started]:
    """What the checks selected for this run need, forked now, before the first thread starts
    here (the notifier's): the admin job, and the fuzzer if its check runs."""
    selected = [item for item in request.session.items
                if Path(str(item.path)).parent == Path(__file__).parent]
    notifier = Notifier()  # bound now, serving once every process is forked
    admin = Staff.of_this_run("admin")
    settings = settings_for(scratch / "clinic.db", notifier.url)
    run = Started(admin, settings, notifier,
                  serve=any(Path(str(item.path)).name == SERVED_MODULE for item in selected))
    try:
        if any(Path(str(item.path)).name == FUZZ_MODULE for item in selected):
            fuzz_admin = Staff.of_this_run("admin")
            run.fuzz_report = scratch / "fuzz" / "report.json"
            run.fuzzer = start_fuzzer(lab, scratch / "fuzz", settings, fuzz_admin.email,
                                      fuzz_admin.password)
        if any("clinic" in getattr(item, "fixturenames", ()) for item in selected):
            run.admin_job = start_create_admin(lab, scratch / "admin", settings, admin)
        yield run
    finally:
        run.stop()


@pytest.fixture(scope="package")
def clinic(lab: Lab, scratch: Path, started: Started) -> Iterator[Clinic]:
    if started.admin_job is None:
        pytest.fail("the clinic was not started", pytrace=False)
    with open_clinic(lab, scratch, started.admin_job, started.admin, started.settings,
                     started.notifier) as found:
        if started.serve:  # on the database the admin job made, booting while checks run
            started.server = UvicornProcess(lab.path, env=started.settings).start()
        yield found


@pytest.fixture
def served_clinic(clinic: Clinic, started: Started) -> Iterator[Clinic]:
    """The clinic, its data and its requests answered by the lab under a real uvicorn."""
    if started.server is None:
        pytest.fail("the lab was not started under uvicorn", pytrace=False)
    started.server.wait_ready()
    with clinic.answered_by(started.server.base_url):
        yield clinic
