"""The package's fixtures, shared by its check modules: the lab, a scratch folder, the real
uvicorn processes and the in-process clinic, each started once for the whole package.

`lab` and `scratch` stand in for tests/checks/conftest.py's module-scoped ones (same meaning,
package scope): the servers forked at the start serve checks in several modules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import sandbox
from harness.labs import Lab, find_lab_dir, forget_app_modules

from .clinic import Clinic, Http, Staff, failed
from .notifier import NotifierStandIn
from .startup import Servers, first_admin, start_servers

LAB_ID = "03"


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
    import tempfile

    memory = Path("/dev/shm")
    if not memory.is_dir():
        yield tmp_path_factory.mktemp("scratch")
        return
    with tempfile.TemporaryDirectory(dir=memory, prefix="course-check-") as folder:
        yield Path(folder)


@pytest.fixture(scope="package")
def notifier() -> Iterator[NotifierStandIn]:
    """Bound now; serving once every process is forked (a fork copies no thread)."""
    stand_in = NotifierStandIn()
    try:
        yield stand_in
    finally:
        stand_in.stop()


@pytest.fixture(scope="package")
def servers(request: pytest.FixtureRequest, lab: Lab, scratch: Path,
            notifier: NotifierStandIn) -> Iterator[Servers]:
    """What the checks selected for this run need, and nothing more (`course hint`, a variant
    proven by one check): every process is forked now, before the first thread starts."""
    selected = [item for item in request.session.items
                if Path(str(item.path)).parent == Path(__file__).parent]
    started = start_servers(
        lab, scratch, notifier.url,
        clinic=any("clinic" in getattr(item, "fixturenames", ()) for item in selected),
        startup=any(Path(str(item.path)).name == "test_uvicorn_startup.py" for item in selected))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="package")
def clinic(lab: Lab, notifier: NotifierStandIn, servers: Servers) -> Iterator[Clinic]:
    """The lab's uvicorn behind the probe, on the database the servers share, once its first
    admin exists; the notifier serves from now on (every process is forked)."""
    if servers.clinic is None:
        failed("the clinic was not started")
    notifier.start()
    server = servers.clinic
    if not server.listening():
        failed(f"the API would not start: {server.tail()}")
    if first_admin(servers, "clinic"):
        failed(servers.setup_problem)
    client = Http(server)
    try:
        admin = Staff(**vars(servers.admin))  # its own token, from this server
        clinic = Clinic(client, lab, servers.db, notifier, admin, servers.clinic_settings,
                        servers.ttl_minutes)
        clinic.sign_in(admin)
        yield clinic
    finally:
        client.close()
