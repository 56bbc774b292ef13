"""The package's fixtures, shared by its check modules: the lab, a scratch folder, the admin job
forked at the start, the in-process clinic and, for the checks that need another process, the
same clinic served by a real uvicorn, each made once.

`lab` and `scratch` stand in for tests/checks/conftest.py's module-scoped ones (same meaning,
package scope): the clinic serves checks in several modules.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness import sandbox
from harness.labs import Lab, find_lab_dir, forget_app_modules
from harness.servers import UvicornProcess

from .clinic import (
    API,
    Clinic,
    Notifier,
    Staff,
    hexed,
    open_clinic,
    portal_origin,
    settings_for,
    start_create_admin,
)

LAB_ID = "05"
# The checks that read a real uvicorn's answers: forged tokens and a teammate's new routes are
# tried on the service as a client meets it, in an interpreter nothing of the checks' process
# is in (a lab that guards only under test is seen there), and a refresh token spent here is
# tried there. The server runs the clinic with the teammate's routes added (teammate.py).
SERVED_MODULES = ("test_forgeries.py", "test_refresh.py", "test_new_routes.py")
CHECKS_DIR = Path(__file__).resolve().parents[1]
# Every check here signs accounts in, and each sign-in costs what the lab's password hash costs:
# OWASP's minimum is tens of milliseconds, pwdlib's recommended cost several times that, more on
# a busy machine. A correct lab with a costly hash gets the time it needs; a hung one is still
# stopped.
HASHING_TIMEOUT = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).parent == Path(__file__).parent \
                and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(HASHING_TIMEOUT))


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
    serve: bool = False  # whether a check of this run reads the clinic through uvicorn
    server: UvicornProcess | None = None
    # Where the teammate's routes are, on the server, and what the public ones answer.
    new_routes: tuple[str, ...] = field(default_factory=lambda: (
        f"{API}/{hexed()}", f"{API}/clinicians/{hexed()}", f"{API}/auth/{hexed()}",
        f"{API}/patients/{hexed()}", f"/{hexed()}"))
    new_routes_word: str = field(default_factory=lambda: hexed(8))

    def server_env(self) -> dict[str, str]:
        return {**self.settings, "NEW_ROUTES": json.dumps(list(self.new_routes)),
                "NEW_ROUTES_WORD": self.new_routes_word, "PYTHONPATH": str(CHECKS_DIR)}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        job = self.admin_job
        if job is not None and job.poll() is None:
            with contextlib.suppress(OSError):
                job.kill()
            with contextlib.suppress(Exception):
                job.communicate(timeout=5)
        self.notifier.stop()


@pytest.fixture(scope="package")
def started(request: pytest.FixtureRequest, lab: Lab, scratch: Path) -> Iterator[Started]:
    """The admin job, forked now, before the first thread starts here (the notifier's)."""
    selected = [item for item in request.session.items
                if Path(str(item.path)).parent == Path(__file__).parent]
    notifier = Notifier()  # bound now, serving once every process is forked
    admin = Staff.of_this_run("admin")
    settings = settings_for(scratch / "clinic.db", notifier.url, portal_origin())
    run = Started(admin, settings, notifier,
                  serve=any(Path(str(item.path)).name in SERVED_MODULES for item in selected))
    try:
        run.admin_job = start_create_admin(lab, scratch / "admin", settings, admin)
        yield run
    finally:
        run.stop()


@pytest.fixture(scope="package")
def clinic(lab: Lab, started: Started) -> Iterator[Clinic]:
    with open_clinic(lab, started.admin_job, started.admin, started.settings,
                     started.notifier) as found:
        if started.serve:  # on the database the admin job made, booting while checks run
            started.server = UvicornProcess(lab.path, "test_05_security_auth.teammate:app",
                                            env=started.server_env()).start()
        yield found


@pytest.fixture
def served_clinic(clinic: Clinic, started: Started) -> Iterator[Clinic]:
    """The clinic, its data and its requests answered by the lab under a real uvicorn."""
    if started.server is None:
        pytest.fail("the lab was not started under uvicorn", pytrace=False)
    started.server.wait_ready()
    with clinic.answered_by(started.server.base_url):
        yield clinic
