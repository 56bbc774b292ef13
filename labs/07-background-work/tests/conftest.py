"""The suite's fixtures. Every test gets a clinic of its own: a database file in its own
temporary folder and stand-ins it controls for the services the clinic calls (the notifier,
the insurer, the laboratory, the payment processor), swapped in through the app's dependency
overrides (`get_settings`), so that the service runs its real code, lifespan included. Nothing
is patched, and no test sees what another one wrote: the tests pass in any order, and in
parallel."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

# app.main reads the settings once on import (the CORS origins): any values do, each test's
# settings replace them.
os.environ.setdefault("CLINIC_NOTIFIER_URL", "http://127.0.0.1:9")
os.environ.setdefault("CLINIC_INSURER_URL", "http://127.0.0.1:9")
os.environ.setdefault("CLINIC_LAB_RESULTS_URL", "http://127.0.0.1:9")
os.environ.setdefault("CLINIC_PAYMENTS_URL", "http://127.0.0.1:9")

import pytest
from fastapi.testclient import TestClient
from insurer_sandbox import InsurerSandbox
from lab_results_sandbox import LabResultsSandbox
from notifier_sandbox import NotifierSandbox
from payments_sandbox import PaymentsSandbox

from app.core.config import Settings, get_settings
from app.domain.roles import Role
from app.main import app
from app.services import staff

LAB_FOLDER = Path(__file__).resolve().parent.parent


@pytest.fixture
def insurer() -> Iterator[InsurerSandbox]:
    """The insurer, as the clinic will find it when it starts: change its plans or members
    before the test takes `client`, its members or `failing` at any time."""
    with InsurerSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def notifier() -> Iterator[NotifierSandbox]:
    """The notifier: `delivered` lists what it delivered; set `failing` at any time."""
    with NotifierSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def laboratory() -> Iterator[LabResultsSandbox]:
    """The partner laboratory: change its `results` or set `failing` at any time."""
    with LabResultsSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def processor() -> Iterator[PaymentsSandbox]:
    """The payment processor: `charges` lists every charge it made."""
    with PaymentsSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def settings(tmp_path: Path, insurer: InsurerSandbox, notifier: NotifierSandbox,
             laboratory: LabResultsSandbox, processor: PaymentsSandbox) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'clinic.db'}",
                    notifier_url=notifier.url, insurer_url=insurer.url,
                    lab_results_url=laboratory.url, payments_url=processor.url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The clinic, started (its lifespan runs on entering) on this test's settings."""
    app.dependency_overrides[get_settings] = lambda: settings
    try:
        with TestClient(app) as started:
            yield started
    finally:
        app.dependency_overrides.clear()


@dataclass
class SignedUp:
    id: int
    email: str
    password: str
    headers: dict[str, str]


@pytest.fixture
def sign_up(client: TestClient):
    """Registers a patient (any fields given replace the defaults) and signs them in."""
    count = 0

    def register(**fields: object) -> SignedUp:
        nonlocal count
        count += 1
        sent = {"full_name": f"Patient {count}", "email": f"patient{count}@example.org",
                "date_of_birth": "1990-04-02", "password": f"portal-pw-{count}", **fields}
        answer = client.post("/api/v1/patients", json=sent)
        assert answer.status_code == 201, answer.text
        signed_in = client.post("/api/v1/auth/patients/token",
                                json={"email": sent["email"], "password": sent["password"]})
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]
        return SignedUp(answer.json()["id"], str(sent["email"]), str(sent["password"]),
                        {"Authorization": f"Bearer {token}"})

    return register


@pytest.fixture
def admin_headers(client: TestClient) -> dict[str, str]:
    """An admin, made as `python -m app.cli create-admin` makes one, and signed in."""
    email, password = "admin@example.org", "admin-pw-1"

    async def create_admin() -> None:
        async with app.state.sessionmaker() as session:
            await staff.add_staff(session, full_name="Clinic admin", specialty="administration",
                                  email=email, password=password, role=Role.ADMIN)
            await session.commit()

    assert client.portal is not None
    client.portal.call(create_admin)
    signed_in = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


@pytest.fixture
def clinician_id(client: TestClient, admin_headers: dict[str, str]) -> int:
    answer = client.post("/api/v1/admin/staff", headers=admin_headers, json={
        "full_name": "Dr Ada Okafor", "specialty": "general practice",
        "email": "ada@example.org", "password": "clinician-pw-1"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.fixture
def book(client: TestClient, clinician_id: int):
    """Books an appointment for a signed-in patient: `book(patient, "2031-05-05T09:00")`."""

    def booked(patient: SignedUp, starts_at: str) -> dict:
        ends_at = datetime.fromisoformat(starts_at) + timedelta(minutes=30)
        answer = client.post("/api/v1/appointments", headers=patient.headers, json={
            "clinician_id": clinician_id, "starts_at": starts_at,
            "ends_at": ends_at.isoformat()})
        assert answer.status_code == 201, answer.text
        return answer.json()

    return booked


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path):
    """Starts `python -m app.worker` on this test's settings, as operators start it, and waits
    until it says it has started; each is stopped with SIGTERM at the end of the test, and must
    exit cleanly."""
    workers: list[tuple[subprocess.Popen[bytes], Path]] = []
    kept = settings.model_dump(mode="json", exclude={"token_secret", "cors_origins"})
    environment = {**os.environ, **{f"CLINIC_{name.upper()}": str(value)
                                    for name, value in kept.items()}}

    def started() -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        with log.open("wb") as output:
            worker = subprocess.Popen([sys.executable, "-m", "app.worker"], cwd=LAB_FOLDER,
                                      env=environment, stdin=subprocess.DEVNULL,
                                      stdout=output, stderr=output)
        workers.append((worker, log))
        deadline = time.monotonic() + 30
        while " started" not in log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        return worker

    yield started
    for worker, _ in workers:
        worker.send_signal(signal.SIGTERM)
    for worker, log in workers:
        worker.wait(timeout=30)
        assert worker.returncode == 0, log.read_text()[-2000:]
