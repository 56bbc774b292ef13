"""The package's fixtures, shared by its check modules: the lab, a scratch folder, the admin job
forked at the start, the partners' stand-ins, and the in-process clinic, each made once.

`lab` and `scratch` stand in for tests/checks/conftest.py's module-scoped ones (same meaning,
package scope): the clinic serves checks in several modules.
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

from .clinic import (
    Clinic,
    Insurer,
    LabPartner,
    Notifier,
    Processor,
    Staff,
    open_clinic,
    settings_for,
    start_create_admin,
)

LAB_ID = "07"
CHECKS_DIR = Path(__file__).resolve().parents[1]
# Every check here signs accounts in (each sign-in costs what the lab's password hash costs)
# and starts real uvicorns and workers, several times over: seconds on an idle machine, several
# times that on a busy one. A correct lab gets the time it needs; a hung one is still stopped.
CHECK_TIMEOUT = 90


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).parent == Path(__file__).parent \
                and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(CHECK_TIMEOUT))


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
    insurer: Insurer
    partner: LabPartner
    processor: Processor
    admin_job: Any = None

    def stop(self) -> None:
        job = self.admin_job
        if job is not None and job.poll() is None:
            with contextlib.suppress(OSError):
                job.kill()
            with contextlib.suppress(Exception):
                job.communicate(timeout=5)
        for stand_in in (self.notifier, self.insurer, self.partner, self.processor):
            stand_in.stop()


@pytest.fixture(scope="package")
def started(lab: Lab, scratch: Path) -> Iterator[Started]:
    """The admin job, forked now, before the first thread starts here (the stand-ins')."""
    notifier, insurer = Notifier(), Insurer()  # bound now, serving once every process is forked
    partner, processor = LabPartner(), Processor()
    admin = Staff.of_this_run("admin")
    settings = settings_for(scratch / "clinic.db", notifier.url, insurer.url, partner.url,
                            processor.url)
    run = Started(admin, settings, notifier, insurer, partner, processor)
    try:
        run.admin_job = start_create_admin(lab, scratch / "admin", settings, admin)
        yield run
    finally:
        run.stop()


@pytest.fixture(scope="package")
def clinic(lab: Lab, started: Started) -> Iterator[Clinic]:
    for stand_in in (started.insurer, started.partner, started.processor):
        stand_in.start()  # the lifespan reads the insurer's catalogue
    with open_clinic(lab, started.admin_job, started.admin, started.settings,
                     started.notifier) as found:
        yield found
