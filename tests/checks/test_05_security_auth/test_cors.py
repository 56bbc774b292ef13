"""Only the portal calls from a browser: a CORS preflight from the configured origin (made up
for this run) is allowed with credentials, for the methods and headers the portal sends; one
from any other origin, however like the portal's, is not; no answer allows `*` with
credentials."""

from __future__ import annotations

import json
from typing import Any

from .clinic import API, Clinic, failed, hexed

ME = f"{API}/patients/me"


def preflight(clinic: Clinic, origin: str, method: str, headers: str, url: str = ME) -> Any:
    return clinic.call("OPTIONS", url, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers})


def allows(answer: Any, origin: str) -> bool:
    allowed = answer.headers.get("access-control-allow-origin")
    return allowed in (origin, "*") and 200 <= answer.status_code < 300


def listed(answer: Any, header: str) -> set[str]:
    return {item.strip().lower() for item in answer.headers.get(header, "").split(",")
            if item.strip()}


def test_only_the_portal_origin_may_call_with_credentials(clinic: Clinic) -> None:
    portal = json.loads(clinic.settings["CLINIC_CORS_ORIGINS"])[0]
    scheme, _, rest = portal.partition("://")
    host, _, port = rest.partition(":")
    others = [f"https://evil-{hexed()}.example", f"{portal}.evil-{hexed()}.example",
              f"{scheme}://{host}:{int(port) + 1}", f"https://{rest}", f"{scheme}://x{rest}",
              "null"]
    for method, headers, url in (("GET", "authorization", ME),
                                 ("PATCH", "authorization,content-type", f"{API}/patients/1"),
                                 ("POST", "authorization,content-type", f"{API}/appointments"),
                                 ("DELETE", "authorization", f"{API}/patients/1")):
        answer = preflight(clinic, portal, method, headers, url)
        if answer.headers.get("access-control-allow-origin") != portal \
                or answer.headers.get("access-control-allow-credentials") != "true" \
                or not 200 <= answer.status_code < 300:
            failed(f"a preflight for {method} {url} from the portal's origin {portal} (the one "
                   f"configured) answered {answer.status_code} with Access-Control-Allow-Origin "
                   f"{answer.headers.get('access-control-allow-origin')!r} and -Credentials "
                   f"{answer.headers.get('access-control-allow-credentials')!r}; it was to be "
                   "allowed, credentials included")
        methods, sent = listed(answer, "access-control-allow-methods"), set(headers.split(","))
        if method.lower() not in methods or not sent <= listed(
                answer, "access-control-allow-headers"):
            failed(f"a preflight for {method} {url} with {headers} from the portal's origin "
                   f"allowed the methods {sorted(methods)} and the headers "
                   f"{sorted(listed(answer, 'access-control-allow-headers'))}; {method} with "
                   f"{headers} was to be allowed")
    for origin in others:
        answer = preflight(clinic, origin, "GET", "authorization")
        if allows(answer, origin):
            failed(f"a preflight for GET {ME} with a token, from {origin} (not the portal's "
                   f"origin {portal}), answered {answer.status_code} with "
                   f"Access-Control-Allow-Origin {answer.headers.get('access-control-allow-origin')!r}"
                   "; only the configured origins were to be allowed")
        simple = clinic.call("GET", f"{API}/clinicians", headers={"Origin": origin})
        allowed = simple.headers.get("access-control-allow-origin")
        if allowed == origin or (allowed == "*" and simple.headers.get(
                "access-control-allow-credentials") == "true"):
            failed(f"GET {API}/clinicians from the origin {origin} answered "
                   f"Access-Control-Allow-Origin {allowed!r}; only the portal's origin "
                   f"{portal} was to read answers from a browser")
    for answer in (preflight(clinic, portal, "GET", "authorization"),
                   clinic.call("GET", f"{API}/clinicians", headers={"Origin": portal})):
        if answer.headers.get("access-control-allow-origin") == "*" and \
                answer.headers.get("access-control-allow-credentials") == "true":
            failed("an answer allows every origin (*) along with credentials")
