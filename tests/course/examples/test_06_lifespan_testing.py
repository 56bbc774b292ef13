"""Runs every example of chapter 06 (lessons/06-lifespan-testing/examples): the resources'
lifespan against a real local server that counts connections, and the example test suites
as their readers run them (pytest, in random orders, in two workers, against a mistake)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import httpx2
import pytest
from fastapi.testclient import TestClient

from course.engine import ports

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "lessons" / "06-lifespan-testing" / "examples"
# The example suites, run as their readers run them, and the app they test.
SUITES = [f"{name}.py" for name in ("test_overrides", "test_async", "test_rollback")]
APP_UNDER_TEST = "clinic"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_06_{name}", EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Insurer:
    """A local insurer: plans, members, and the connections it accepted."""

    def __init__(self) -> None:
        self.connections = 0
        insurer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                insurer.connections += 1

            def do_GET(self) -> None:
                body = {"plans": ["BASIC", "PLUS"]} if self.path == "/v1/plans" \
                    else {"member": self.path.rsplit("/", 1)[-1], "active": True}
                raw = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def insurer() -> Iterator[Insurer]:
    found = Insurer()
    thread = threading.Thread(target=found.server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()
    thread.join(5)


# lifespan-cm, app-state-resources, connection-leak, startup-order

def test_the_lifespan_opens_in_order_shares_one_client_and_closes(insurer: Insurer) -> None:
    example = load_example("resources")
    with TestClient(example.create_app(insurer.url)) as client:
        assert client.get("/plans").json() == ["BASIC", "PLUS"]
        for number in range(5):
            assert client.get(f"/members/M-{number}").json()["active"] is True
        assert example.events == ["insurer client opened", "catalogue read"]
    assert insurer.connections == 1  # the catalogue and five requests, one connection
    assert example.events == ["insurer client opened", "catalogue read",
                              "insurer client closed", "shut down"]


def test_a_startup_that_fails_closes_what_it_had_opened() -> None:
    example = load_example("resources")
    nobody = f"http://{ports.HOST}:{ports.free_port()}"
    with pytest.raises(httpx2.ConnectError), TestClient(example.create_app(nobody)):
        pass
    assert example.events == ["insurer client opened", "insurer client closed"]


def test_a_client_per_request_opens_a_connection_per_request(insurer: Insurer) -> None:
    example = load_example("per_request")
    example.app.state.insurer_url = insurer.url
    with TestClient(example.app) as client:
        for number in range(5):
            assert client.get(f"/members/M-{number}").status_code == 200
    assert insurer.connections == 5


def test_on_event_beside_a_lifespan_is_skipped_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        example = load_example("mixed_events")
    with TestClient(example.app):
        pass
    assert example.ran == ["lifespan startup", "lifespan shutdown"]


# testclient-vs-async, overrides-in-tests, session-per-test, no-mock-no-patch, regression-tests

def run_suites(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-c", "pytest.ini", *SUITES,
                           *args], cwd=folder, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1",
                               "HOME": str(folder)})


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize("how", [(), ("-p", "random_order", "--random-order-seed=7"),
                                 ("-p", "random_order", "--random-order-seed=8"),
                                 ("-p", "reversed_order"), ("-p", "xdist", "-n", "2")],
                         ids=["in order", "random order", "another order", "last first",
                              "two workers"])
def test_the_example_suites_pass_however_they_run(examples: Path, how: tuple[str, ...]) -> None:
    before = sorted(path.name for path in examples.iterdir())
    done = run_suites(examples, *how)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "9 passed" in done.stdout
    assert sorted(path.name for path in examples.iterdir()) == before  # nothing written


ORDER_DEPENDENT = """
seen = []


def test_registers() -> None:
    seen.append("ada")


def test_signs_in() -> None:
    assert seen == ["ada"]  # only if test_registers ran first
"""


def test_the_reverse_order_fails_what_depends_on_the_order(examples: Path) -> None:
    """The pair passes in the order collected and fails last first, whatever the pair."""
    (examples / "test_pair.py").write_text(ORDER_DEPENDENT)
    pair = ["test_pair.py"]
    in_order = subprocess.run([sys.executable, "-m", "pytest", "-q", "-c", "pytest.ini", *pair],
                              cwd=examples, capture_output=True, text=True, timeout=60)
    assert in_order.returncode == 0, in_order.stdout[-2000:]
    last_first = subprocess.run([sys.executable, "-m", "pytest", "-q", "-c", "pytest.ini",
                                 "-p", "reversed_order", *pair],
                                cwd=examples, capture_output=True, text=True, timeout=60)
    assert last_first.returncode == 1 and "1 failed, 1 passed" in last_first.stdout, (
        last_first.stdout[-2000:])


def planted(examples: Path, mistake: str, instead: str) -> None:
    clinic = examples / f"{APP_UNDER_TEST}.py"
    text = clinic.read_text()
    assert text.count(mistake) == 1
    clinic.write_text(text.replace(mistake, instead))


def test_the_example_suite_catches_a_mistake_in_the_route(examples: Path) -> None:
    planted(examples, "row is not None and await insurer.covers(row.member_id)",
            "row is not None")
    done = run_suites(examples)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "FAILED test_overrides.py::test_a_member_without_cover_is_not" in done.stdout


def test_what_the_fake_replaces_no_test_reaches(examples: Path) -> None:
    """The fake insurer stands where the real client stands: a mistake inside the client
    passes every test. Only a test against the client itself (a stand-in server) sees it."""
    planted(examples, 'return answer.status_code == 200 and answer.json()["active"]',
            "return answer.status_code == 200")
    done = run_suites(examples)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "9 passed" in done.stdout
