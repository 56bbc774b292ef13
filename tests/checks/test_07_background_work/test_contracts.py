"""Every status the brief gives a route is documented in /openapi.json, so /docs shows what each
can answer: the routes this chapter adds (reminders, jobs, lab results, payments) and, as
chapter 05 left them, the others."""

from __future__ import annotations

from test_05_security_auth.test_contracts import promised as promised_before

from harness.openapi import Operation

from .clinic import API, Clinic, failed

# The routes this chapter adds, at a URL each answers: the success the brief gives each, and
# the failures it gives it besides those every route of the API can answer (promised below).
ADDED = {("POST", f"{API}/admin/reminders"): (202, set()),
         ("GET", f"{API}/admin/jobs"): (200, set()),
         ("GET", f"{API}/admin/jobs/1"): (200, {404}),
         ("GET", f"{API}/patients/me/lab-results"): (200, {404, 502, 504}),
         ("POST", f"{API}/payments"): (201, {404, 409, 422, 502})}
# Chapter 06's catalogue, which anyone may read: chapter 05's rules would take it for private.
PUBLIC_SINCE = (("GET", f"{API}/plans"),)


def promised(operation: Operation, extra: set[int]) -> set[int]:
    """A route of this chapter: a body it cannot read (400) or validate (422), a caller who is
    not signed in (401) or may not (403), the server's own failure (500), and what the brief
    adds for it."""
    return {401, 403, 422, 500} | ({400} if operation.body is not None else set()) | extra


def test_every_answer_is_documented(clinic: Clinic) -> None:
    operations = clinic.operations()
    added: set[str] = set()
    for (method, url), (success, extra) in ADDED.items():
        operation = next((op for op in operations if op.matches(method, url)), None)
        if operation is None:
            failed(f"/openapi.json has no operation for {method} {url}, a route the brief adds")
        added.add(str(operation))
        successes = sorted(key for key in operation.responses if key.startswith("2"))
        if successes != [str(success)]:
            failed(f"{operation} answers {success} when it succeeds (the brief says so); its "
                   f"entry in /openapi.json documents {', '.join(successes) or 'no success'}")
        missing = sorted(s for s in promised(operation, extra) if not operation.documents(s))
        if missing:
            failed(f"{operation} answers {', '.join(map(str, missing))} (the brief says so), "
                   "which its entry in /openapi.json does not document; /docs was to show every "
                   "status")
    for operation in operations:
        if str(operation) in added or any(operation.matches(*route) for route in PUBLIC_SINCE):
            continue
        missing = sorted(s for s in promised_before(operation) if not operation.documents(s))
        if missing:
            failed(f"{operation} answers {', '.join(map(str, missing))}, which its entry in "
                   "/openapi.json no longer documents (chapter 05's did)")
