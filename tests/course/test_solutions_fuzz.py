"""Every reference solution holds against a fuzzer run on its own OpenAPI document.

Learners copy the solutions (`course diff`), so a solution must keep every promise its
document makes: no server error (except a documented 502, 503 or 504 for a dependency
that failed), no status, content type, header or body the document does not declare, and
no request the document forbids accepted as if it were valid.

Schemathesis runs each solution in-process over ASGI (no port), with a fixed seed,
derandomized and a bounded number of examples per operation. Each lab runs in a fresh
interpreter: every lab has a package named `app`, and schemathesis keeps the app's
lifespan and an event-loop thread open until its process exits. A lab whose app talks to
another service gets a stand-in from this test, on 127.0.0.1, stopped when the run ends.

A new chapter joins by itself (every lab in the registry runs); one that needs more than
a temp folder as its working directory adds its environment to SETUPS.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from lab_sandboxes import insurer_sandbox, lab_sandboxes

from course.engine.paths import REPO_ROOT
from course.engine.registry import Lab, all_labs

pytestmark = pytest.mark.slow

SEED = 20260601
MAX_EXAMPLES = 10
RUN_TIMEOUT = 90
TEST_NAME = "test_solution_keeps_what_its_openapi_promises"

SETTINGS = {
    "seed": SEED,
    "workers": 1,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "checks": {
        "enabled": False,
        # A 5xx is a bug, unless it reports a dependency that failed (502, 503, 504); and
        # status_code_conformance then holds the operation to documenting that status.
        "not_a_server_error": {"enabled": True,
                               "expected-statuses": ["2xx", "3xx", "4xx", 502, 503, 504]},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "negative_data_rejection": {"enabled": True},
        "missing_required_header": {"enabled": True},
        "unsupported_method": {"enabled": True},
        "allow_header_conformance": {"enabled": True},
        "allow_names_every_documented_method": {"enabled": True},  # FUZZ_PROGRAM's own
        "use_after_free": {"enabled": True},
        "ensure_resource_availability": {"enabled": True},
        # Not positive_data_acceptance: a rule across fields (an appointment ends after it
        # starts) is the app's to enforce with a 422, and JSON Schema cannot state it.
    },
}

# Runs in the lab's own interpreter: argv is the solution folder, the settings, the report path.
FUZZ_PROGRAM = r"""
import json
import sys
from pathlib import Path

lab_dir, settings, report_path = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
sys.path.insert(0, lab_dir)

import schemathesis
from schemathesis.engine import Status, events, from_schema

from app.main import app

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@schemathesis.check
def allow_names_every_documented_method(ctx, response, case):
    # Schemathesis takes an empty Allow, and compares Allow with the document only for
    # OPTIONS: every 405 must name each method the document lists for the path.
    if response.status_code != 405:
        return None
    sent = ", ".join(response.headers.get("allow", []))
    allowed = {method.strip().lower() for method in sent.split(",")}
    missing = {method for method in case.operation.schema[case.operation.path]
               if method in METHODS} - allowed
    if missing:
        raise AssertionError(f"{response.request.method} answered 405 with Allow: {sent!r}; "
                             f"{case.operation.path} also takes "
                             + ", ".join(sorted(method.upper() for method in missing)))
    return None


schema = schemathesis.openapi.from_asgi(
    "/openapi.json", app, config=schemathesis.Config.from_dict(settings))
operations = sorted(result.ok().label for result in schema.get_all_operations())
problems, fuzzed, cases = {}, set(), 0
for event in from_schema(schema).execute():
    if isinstance(event, events.ScenarioFinished):
        cases += len(event.recorder.cases)
        if event.phase == "fuzzing" and event.recorder.cases:
            fuzzed.add(event.recorder.label)
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    problems.setdefault(
                        f"{failure.operation}: {failure.code} {failure.title}",
                        f"{failure.message.strip()}\n{check.failure_info.code_sample}")
    elif isinstance(event, events.NonFatalError):
        # Mostly an exception that escaped the app, which a server answers with a 500.
        problems.setdefault(f"{event.label}: {type(event.value).__name__} raised",
                            str(event.value))
    elif isinstance(event, events.FatalError):
        problems.setdefault(f"the run stopped: {type(event.exception).__name__}",
                            str(event.exception))
report_path.write_text(json.dumps({
    "cases": cases, "problems": problems, "unfuzzed": sorted(set(operations) - fuzzed)}))
"""


@contextlib.contextmanager
def insurer_stand_in() -> Iterator[str]:
    """The insurer's coverage API, answering at once. Every other lookup fails (503), so the
    fuzzer meets the eligibility route's documented 502 as well as its 200."""
    lookups = 0

    class Coverage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            nonlocal lookups
            if not self.path.startswith("/v1/coverage?"):
                self.send_error(404)
                return
            lookups += 1
            if lookups % 2 == 0:
                self.send_error(503)
                return
            body = json.dumps({"plan": "Silver Family", "active": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    # One request at a time is plenty: the fuzzer sends one at a time.
    server = HTTPServer(("127.0.0.1", 0), Coverage)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def notifier_stand_in() -> Iterator[str]:
    """The notification service, `POST /v1/messages`: it queues every other message (202) and
    fails the rest (503), so the fuzzer meets the staff routes' documented 502 as well."""
    messages = 0

    class Messages(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            nonlocal messages
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            messages += 1
            status = 503 if messages % 2 == 0 else 202
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Messages)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


Setup = Callable[[Path, contextlib.ExitStack], dict[str, str]]


def no_setup(tmp: Path, stack: contextlib.ExitStack) -> dict[str, str]:
    return {}


# Per lab: the environment its app runs with, given a temp folder (also the working directory)
# and an exit stack for whatever it starts. A lab not listed runs with no extra environment.
SETUPS: dict[str, Setup] = {
    "01-asgi-uvicorn": lambda tmp, stack: {
        "CLINIC_INSURER_URL": stack.enter_context(insurer_stand_in()),
    },
    "02-project-structure": lambda tmp, stack: {
        "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'clinic.db'}",
    },
    "03-dependency-injection": lambda tmp, stack: {
        "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'clinic.db'}",
        "CLINIC_NOTIFIER_URL": stack.enter_context(notifier_stand_in()),
    },
    "04-request-response-modeling": lambda tmp, stack: {
        "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'clinic.db'}",
        "CLINIC_NOTIFIER_URL": stack.enter_context(notifier_stand_in()),
    },
    "05-security-auth": lambda tmp, stack: {
        "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'clinic.db'}",
        "CLINIC_NOTIFIER_URL": stack.enter_context(notifier_stand_in()),
    },
    "06-lifespan-testing": lambda tmp, stack: {
        "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'clinic.db'}",
        "CLINIC_NOTIFIER_URL": stack.enter_context(notifier_stand_in()),
        "CLINIC_INSURER_URL": stack.enter_context(
            insurer_sandbox(REPO_ROOT / "solutions" / "06-lifespan-testing")),
    },
    # The insurer, the laboratory and the payment processor: the sandboxes the lab ships.
    "07-background-work": lambda tmp, stack: {
        "CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'clinic.db'}",
        "CLINIC_NOTIFIER_URL": stack.enter_context(notifier_stand_in()),
        **lab_sandboxes(REPO_ROOT / "solutions" / "07-background-work", stack),
    },
}


class FuzzRun:
    """One lab's fuzzer, running in its own interpreter with the environment SETUPS gives it."""

    def __init__(self, lab: Lab, tmp: Path, stack: contextlib.ExitStack) -> None:
        self.lab = lab
        self.report_path, self.output_path = tmp / "report.json", tmp / "output.txt"
        environment = SETUPS.get(lab.slug, no_setup)(tmp, stack)
        with self.output_path.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-W", "error", "-c", FUZZ_PROGRAM,
                 str(lab.solution_dir), json.dumps(SETTINGS), str(self.report_path)],
                cwd=tmp, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                # Nothing but loopback: stand-ins never go through a proxy.
                env={**os.environ, **environment, "NO_PROXY": "127.0.0.1,localhost",
                     "no_proxy": "127.0.0.1,localhost"},
            )
        # Stopped before whatever its setup started, which the stack closes afterwards.
        stack.callback(self.stop)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def report(self) -> dict:
        try:
            code = self.process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the fuzzer did not finish on {self.lab.solution_dir} in {RUN_TIMEOUT} s",
                        pytrace=False)
        output = self.output_path.read_text(errors="replace").strip().splitlines()
        assert code == 0 and self.report_path.is_file(), (
            f"the fuzzer did not finish on {self.lab.solution_dir} (exit {code}):\n"
            + "\n".join(output[-15:]))
        return json.loads(self.report_path.read_text())


@pytest.fixture(scope="module")
def fuzz_runs(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FuzzRun]]:
    """The run of every lab selected here, all started at once so they share the cores;
    each test then waits for its own."""
    selected = [item.callspec.params["lab"] for item in request.session.items
                if getattr(item, "originalname", "") == TEST_NAME]
    with contextlib.ExitStack() as stack:
        yield {lab.slug: FuzzRun(lab, tmp_path_factory.mktemp(lab.slug), stack)
               for lab in selected}


@pytest.mark.parametrize("lab", all_labs(), ids=lambda lab: lab.slug)
def test_solution_keeps_what_its_openapi_promises(lab: Lab, fuzz_runs: dict[str, FuzzRun]) -> None:
    report = fuzz_runs[lab.slug].report()
    problems = report["problems"]
    assert not problems, (
        f"schemathesis (seed {SEED}) found {len(problems)} problem(s) in {lab.slug}'s solution:\n"
        + "\n".join(f"- {where}\n    " + detail.replace("\n", "\n    ")
                    for where, detail in sorted(problems.items())))
    assert not report["unfuzzed"], f"operations the fuzzer never reached: {report['unfuzzed']}"
    assert report["cases"] > 0
