"""Startup and production, on real uvicorn processes (startup.py): a required setting that is missing
or invalid stops the start, naming it; production needs a secret of its own and signs with it.
These checks come last: their servers boot behind the others meanwhile."""

from __future__ import annotations

from harness import reproduce
from harness.labs import Lab
from harness.servers import HttpClient, UvicornProcess

from .clinic import API, Clinic, failed, json_of, shown
from .startup import Servers, first_admin

STARTUP_SECONDS = 8.0


MEANING = {
    "notifier_url": "otherwise the first request that needs the notifier is the one that fails",
    "token_secret": "otherwise production signs its tokens with a secret nobody gave it",
}
HOW = {
    "notifier_url": "with CLINIC_NOTIFIER_URL taken out of the lab's .env",
    "token_secret": "with CLINIC_ENVIRONMENT=production in the lab's .env and no "
                    "CLINIC_TOKEN_SECRET",
}


def refused_to_start(lab: Lab, server: UvicornProcess, said: str, setting: str) -> None:
    """It exits on its own, non-zero, and its output names the setting (field or variable)."""
    if server.listening(STARTUP_SECONDS):
        failed(f"uvicorn app.main:app started and served {said}; it was expected to stop at "
               f"startup, naming CLINIC_{setting.upper()}: {MEANING[setting]}"
               + reproduce.command(reproduce.uvicorn(lab), note=HOW[setting]))
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


def test_missing_or_invalid_setting_stops_startup(lab: Lab, servers: Servers) -> None:
    for case in ("notifier_url", "notifier_url invalid"):
        said, server = servers.must_not_start[case]
        refused_to_start(lab, server, said, "notifier_url")


def status_at(server: UvicornProcess, bearer: str) -> int:
    client = HttpClient(server.base_url)
    try:
        return client.request("GET", f"{API}/staff/me",
                              headers={"Authorization": f"Bearer {bearer}"}).status_code
    finally:
        client.close()


def test_production_runs_only_on_its_own_secret(lab: Lab, servers: Servers,
                                                clinic: Clinic) -> None:
    for case in ("token_secret", "token_secret empty"):
        said, server = servers.must_not_start[case]
        refused_to_start(lab, server, said, "token_secret")
    production = servers.production
    if production is None or not production.listening(STARTUP_SECONDS):
        failed("production with every setting given (CLINIC_TOKEN_SECRET included, from a .env "
               "file in the folder it starts in) did not start: "
               f"{production.tail() if production else servers.setup_problem}")
    if first_admin(servers, "production"):
        failed(servers.setup_problem)
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
    assert body.get("expires_in") == 3600, (
        f"production, configured without CLINIC_TOKEN_TTL_MINUTES, signs in with expires_in "
        f"{body.get('expires_in')!r}; the default lifetime, 60 minutes (3600), was expected")
    own = str(body["access_token"])
    assert status_at(production, own) == 200, (
        f"production did not accept its own token on GET {API}/staff/me")
    other = clinic.admin.token  # signed by a server with another CLINIC_TOKEN_SECRET
    assert status_at(production, other) == 401 and \
        clinic.call("GET", f"{API}/staff/me", token=own).status == 401, (
        f"two servers with different CLINIC_TOKEN_SECRETs accept each other's tokens on GET "
        f"{API}/staff/me: production does not sign with the secret it was given")
