"""Configuration: what starts and what refuses to (real uvicorn processes), and settings swapped
the way a test suite swaps them (`app.dependency_overrides[get_settings]`)."""

from __future__ import annotations

import secrets

from harness.servers import HttpClient, UvicornProcess

from .clinic import API, Clinic, Staff, failed, json_of, shown, token
from .probe import PREFIX
from .startup import Servers

STARTUP_SECONDS = 8.0
FIX_SETTINGS = "app.core.config:get_settings"


def refused_to_start(server: UvicornProcess, said: str, setting: str) -> None:
    """It exits on its own, non-zero, and its output names the setting (field or variable)."""
    if server.listening(STARTUP_SECONDS):
        failed(f"uvicorn app.main:app started and served {said}; it was expected to stop at "
               f"startup, naming CLINIC_{setting.upper()}: otherwise the first request that "
               "needs the setting is the one that fails")
    code = server.wait_exit(5)
    output = "\n".join(server.output)
    if code is None:
        failed(f"uvicorn app.main:app {said} neither served nor exited within "
               f"{STARTUP_SECONDS:.0f} s; its last output: {server.tail()}")
    assert code != 0, (
        f"uvicorn app.main:app {said} stopped with exit code 0: a deployment would take it for "
        "a clean stop; a failed startup must exit non-zero")
    assert setting in output.lower(), (
        f"uvicorn app.main:app {said} stopped (exit code {code}), but its output never names "
        f"the setting (CLINIC_{setting.upper()}); the operator is left guessing. Its last "
        f"output: {server.tail()}")


def test_missing_or_invalid_setting_stops_startup(servers: Servers) -> None:
    for case in ("notifier_url", "notifier_url invalid"):
        said, server = servers.must_not_start[case]
        refused_to_start(server, said, "notifier_url")


def status_at(server: UvicornProcess, bearer: str) -> int:
    client = HttpClient(server.base_url)
    try:
        return client.request("GET", f"{API}/staff/me",
                              headers={"Authorization": f"Bearer {bearer}"}).status_code
    finally:
        client.close()


def test_production_runs_only_on_its_own_secret(servers: Servers, clinic: Clinic) -> None:
    said, server = servers.must_not_start["token_secret"]
    refused_to_start(server, said, "token_secret")
    production = servers.production
    if production is None or not production.listening(STARTUP_SECONDS):
        failed("production with every setting given (CLINIC_TOKEN_SECRET included) did not "
               f"start: {production.tail() if production else servers.setup_problem}")
    client = HttpClient(production.base_url)
    try:
        answer = client.request("POST", f"{API}/auth/token", json={
            "email": servers.admin.email, "password": servers.admin.password})
    finally:
        client.close()
    body = json_of(answer)
    assert answer.status_code == 200 and isinstance(body, dict) and body.get("access_token"), (
        f"production, with every setting given, answered POST {API}/auth/token for the admin "
        f"with {shown(answer)}; a bearer token was expected")
    own = str(body["access_token"])
    assert status_at(production, own) == 200, (
        f"production did not accept its own token on GET {API}/staff/me")
    other = clinic.admin.token  # signed by a server with another CLINIC_TOKEN_SECRET
    assert status_at(production, other) == 401 and \
        clinic.call("GET", f"{API}/staff/me", token=own).status == 401, (
        f"two servers with different CLINIC_TOKEN_SECRETs accept each other's tokens on GET "
        f"{API}/staff/me: production does not sign with the secret it was given")


def swap(clinic: Clinic, settings: dict[str, str]) -> None:
    answer = clinic.client.post(f"{PREFIX}/settings",
                                json={"dependency": FIX_SETTINGS, "environment": settings})
    error = (json_of(answer) or {}).get("error")
    if answer.status_code != 200 or error:
        failed(f"app.dependency_overrides[get_settings] could not be set, as a test suite "
               f"sets it (get_settings in app/core/config.py): {error or shown(answer)}")


def test_swapped_settings_reach_every_request(clinic: Clinic) -> None:
    staff = clinic.add_staff()
    ttl = clinic.ttl_minutes + 1 + secrets.randbelow(30)
    prefix = f"/swapped-{token()}"
    swapped = {**clinic.settings, "CLINIC_TOKEN_SECRET": secrets.token_urlsafe(24),
               "CLINIC_TOKEN_TTL_MINUTES": str(ttl),
               "CLINIC_NOTIFIER_URL": clinic.notifier.url + prefix}
    said = (f"with app.dependency_overrides[get_settings] returning settings whose token "
            f"lifetime is {ttl} minutes, secret another and notifier elsewhere,")
    me = f"{API}/staff/me"
    swap(clinic, swapped)
    try:
        login = clinic.login(staff.email, staff.password)
        given = (json_of(login.response) or {}).get("expires_in")
        assert login.status == 200 and given == ttl * 60, (
            f"{said} POST {API}/auth/token answered expires_in {given!r} ({shown(login.response)});"
            f" {ttl * 60} was expected: the login still reads the settings it started with")
        fresh = str(json_of(login.response)["access_token"])
        assert clinic.call("GET", me, token=staff.token).status == 401, (
            f"{said} GET {me} still accepts a token signed before, with the old secret")
        assert clinic.call("GET", me, token=fresh).status == 200, (
            f"{said} GET {me} refuses the token the login just issued")
        admin = clinic.sign_in(Staff(**vars(clinic.admin)))
        mark = clinic.notifier.mark()
        newcomer = Staff.of_this_run()
        created = clinic.call("POST", f"{API}/admin/staff", token=admin.token,
                              json=newcomer.created())
        paths = [m.path for m in clinic.notifier.since(mark) if m.to == newcomer.email]
        assert created.status == 201 and paths and all(p.startswith(prefix) for p in paths), (
            f"{said} POST {API}/admin/staff answered {created.status} and the welcome went "
            f"to {paths or 'nowhere'}; it was expected under the swapped notifier ({prefix}/...)")
    finally:
        clinic.client.delete(f"{PREFIX}/settings")
    assert clinic.call("GET", me, token=fresh).status == 401, (
        f"once the override was removed, GET {me} still accepts a token signed with the "
        "swapped secret")
    assert clinic.call("GET", me, token=staff.token).status == 200, (
        f"once the override was removed, GET {me} refuses a token signed with the secret the "
        "app started with")
