"""The clinic as the checks drive it: staff of this run, their tokens, each request with the tally
of what the database saw during it (probe.py), and the database file itself."""

from __future__ import annotations

import contextlib
import http.client
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.labs import Lab
from harness.servers import HttpAnswer, HttpClient, UvicornProcess

from .notifier import NotifierStandIn
from .probe import PREFIX, TAG

API = "/api/v1"


def token() -> str:
    return secrets.token_hex(4)


def json_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def shown(response: Any) -> str:
    kind = response.headers.get("content-type", "no content-type").split(";")[0]
    return f"{response.status_code} ({kind}) {response.text[:160]!r}"


def error_code(response: Any) -> str | None:
    body = json_of(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


@dataclass
class Staff:
    full_name: str
    specialty: str
    email: str
    password: str
    role: str = "clinician"
    id: int = 0
    token: str = ""

    @classmethod
    def of_this_run(cls, role: str = "clinician") -> Staff:
        word = token()
        return cls(f"Dr {word.title()} {token()}", f"cardiology {token()}",
                   f"{role}-{word}@staff-{token()}.example", f"pw-{secrets.token_hex(8)}", role)

    def created(self) -> dict[str, str]:
        return {"full_name": self.full_name, "specialty": self.specialty, "email": self.email,
                "password": self.password, "role": self.role}


@dataclass
class Call:
    response: Any
    tally: dict[str, int]

    @property
    def status(self) -> int:
        return self.response.status_code


class Http:
    """HTTP to the lab's uvicorn on one kept-alive connection; a request it does not answer
    fails the check with the server's last output."""

    def __init__(self, server: UvicornProcess) -> None:
        self.server = server
        self.client = HttpClient(server.base_url)

    def request(self, method: str, url: str, *, json: Any = None,
                headers: dict[str, str] | None = None) -> HttpAnswer:
        try:
            answer = self.client.request(method, url, json=json, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            failed(f"{method} {url} got no answer from uvicorn ({type(exc).__name__}); its last "
                   f"output: {self.server.tail()}")
            raise  # pytest.fail raised already
        if answer.status_code >= 500:
            # uvicorn closes a connection whose request raised after its answer went out (a
            # last-resort handler re-raises): the next request goes on a new one.
            self.client.close()
            self.client = HttpClient(self.server.base_url)
        return answer

    def get(self, url: str) -> HttpAnswer:
        return self.request("GET", url)

    def close(self) -> None:
        self.client.close()


@dataclass
class Clinic:
    client: Http  # to the lab's uvicorn, which serves the probe around the app
    lab: Lab
    db: Path
    notifier: NotifierStandIn
    admin: Staff
    settings: dict[str, str]  # the environment the app started with
    ttl_minutes: int
    _spec: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, url: str, *, token: str = "", json: Any = None,
             headers: dict[str, str] | None = None, tally: bool = False) -> Call:
        """One request, answered once it is over (its dependencies closed, its commit done: for
        a request-scoped dependency after its answer was sent); with `tally`, what the database
        saw during it (probe.py)."""
        tag = secrets.token_hex(8)
        sent = {TAG: tag, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = self.client.request(method, url, json=json, headers=sent)
        if not tally:
            return Call(response, {})
        seen = self.client.get(f"{PREFIX}/tally/{tag}")
        if seen.status_code == 504:
            failed(f"{method} {url} answered {response.status_code}, and the request did not end "
                   "within seconds after its answer")
        return Call(response, seen.json() if seen.status_code == 200 else {})

    def spec(self) -> dict[str, Any]:
        if not self._spec:
            answer = self.client.get("/openapi.json")
            assert answer.status_code == 200, (
                f"GET /openapi.json answered {shown(answer)}; the API's document was expected")
            self._spec = answer.json()
        return self._spec

    def login(self, email: str, password: str) -> Call:
        return self.call("POST", f"{API}/auth/token", json={"email": email, "password": password})

    def sign_in(self, staff: Staff) -> Staff:
        done = self.login(staff.email, staff.password)
        body = json_of(done.response)
        assert done.status == 200 and isinstance(body, dict) and body.get("access_token"), (
            f"POST {API}/auth/token for {staff.email}, an active account, answered "
            f"{shown(done.response)}; a bearer token was expected")
        staff.token = str(body["access_token"])
        account = body.get("staff")
        if not staff.id and isinstance(account, dict) and isinstance(account.get("id"), int):
            staff.id = account["id"]
        return staff

    def add_staff(self, role: str = "clinician", signed_in: bool = True) -> Staff:
        """A member of staff of this run, created by the admin (and signed in)."""
        staff = Staff.of_this_run(role)
        done = self.call("POST", f"{API}/admin/staff", token=self.admin.token,
                         json=staff.created())
        body = json_of(done.response)
        assert done.status == 201 and isinstance(body, dict) and "id" in body, (
            f"POST {API}/admin/staff (as an admin) answered {shown(done.response)}; the "
            "new account was expected (201)")
        staff.id = int(body["id"])
        return self.sign_in(staff) if signed_in else staff

    def deactivate(self, staff: Staff) -> None:
        done = self.call("POST", f"{API}/admin/staff/{staff.id}/deactivate",
                         token=self.admin.token)
        assert done.status == 200, (
            f"POST {API}/admin/staff/{{id}}/deactivate (as an admin) answered "
            f"{shown(done.response)}; 200 was expected")

    def change_role(self, staff: Staff, role: str) -> None:
        done = self.call("PATCH", f"{API}/admin/staff/{staff.id}", token=self.admin.token,
                         json={"role": role})
        assert done.status == 200 and json_of(done.response).get("role") == role, (
            f"PATCH {API}/admin/staff/{{id}} with role {role!r} (as an admin) answered "
            f"{shown(done.response)}; the account with its new role was expected")

    def read_staff(self, staff_id: int) -> dict[str, Any]:
        done = self.call("GET", f"{API}/admin/staff/{staff_id}", token=self.admin.token)
        assert done.status == 200, (
            f"GET {API}/admin/staff/{staff_id} (as an admin) answered "
            f"{shown(done.response)}; that account was expected")
        return json_of(done.response)

    def listed_emails(self) -> list[str]:
        done = self.call("GET", f"{API}/admin/staff", token=self.admin.token)
        listed = json_of(done.response)
        assert done.status == 200 and isinstance(listed, list), (
            f"GET {API}/admin/staff (as an admin) answered {shown(done.response)}")
        return [str(item.get("email")) for item in listed if isinstance(item, dict)]

    @contextlib.contextmanager
    def notifier_failing(self, how: str = "refuse") -> Iterator[None]:
        """The notifier refuses every message (503), or hangs up without an answer."""
        self.notifier.failing = how
        try:
            yield
        finally:
            self.notifier.failing = ""


def tables_of(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


def committed_rows(db: Path) -> dict[str, list[tuple[Any, ...]]] | None:
    """Every row the database holds for everyone, table by table (what another connection
    reads: nothing a transaction still open has written); None while a writer locks it out,
    which is no commit either."""
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=0.2)) as connection:
            return {table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(),
                                  key=repr)
                    for table in tables_of(connection)}
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return None
        raise


def rows_holding(db: Path, text: str, only: str = "") -> int:
    """How many rows of any table (or of table `only`) hold `text` in a column: what really is
    in the database."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        found = 0
        for name in [only] if only else tables_of(connection):
            columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{name}")')]
            where = " OR ".join(f'CAST("{c}" AS TEXT) LIKE ?' for c in columns)
            found += connection.execute(f'SELECT count(*) FROM "{name}" WHERE {where}',
                                        [f"%{text}%"] * len(columns)).fetchone()[0]
        return found


def failed(message: str) -> None:
    pytest.fail(message, pytrace=False)
