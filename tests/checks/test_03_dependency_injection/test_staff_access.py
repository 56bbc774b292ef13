"""Who gets in: every admin route (every operation under /api/v1/admin in the lab's own OpenAPI
document) is for active admins only, and every staff route for active staff."""

from __future__ import annotations

import secrets
from typing import Any

from harness import reproduce
from harness.openapi import Operation, example, operations

from .clinic import API, Call, Clinic, Staff, shown

LAST = ("/deactivate",)


def request_of(clinic: Clinic, operation: Operation, target: Staff, bearer: str) -> Call:
    fields: dict[str, Any] = {**Staff.of_this_run().created(), "staff_id": target.id,
                              "clinician_id": target.id}
    body = example(operation.body, clinic.spec(), fields) if operation.body else None
    url = operation.url(**{name: fields[name] for name in operation.path_params})
    return clinic.call(operation.method, url, token=bearer, json=body)


def refused(call: Call, status: int) -> bool:
    if call.status != status:
        return False
    return status != 401 or "bearer" in call.response.headers.get("www-authenticate", "").lower()


def test_admin_routes_refuse_everyone_but_active_admins(clinic: Clinic) -> None:
    target = clinic.add_staff(signed_in=False)
    clinician = clinic.add_staff()
    fallen = clinic.add_staff("admin")
    clinic.deactivate(fallen)
    demoted = clinic.add_staff("admin")
    clinic.change_role(demoted, "clinician")
    forged = f"{secrets.token_urlsafe(24)}.{secrets.token_urlsafe(32)}"
    callers = [("no token", "", 401), ("a token the clinic never issued", forged, 401),
               ("an admin deactivated since their token was issued", fallen.token, 401),
               ("a clinician's token", clinician.token, 403),
               ("the token of an admin made a clinician since it was issued", demoted.token,
                403)]
    spec = clinic.spec()
    admin_routes = sorted((op for op in operations(spec) if op.path.startswith(f"{API}/admin")),
                          key=lambda op: op.path.endswith(LAST))
    staff_routes = [op for op in operations(spec) if op.path.startswith(f"{API}/staff")]
    assert len(admin_routes) >= 4 and staff_routes, (
        f"the OpenAPI document lists {len(admin_routes)} operations under {API}/admin and "
        f"{len(staff_routes)} under {API}/staff")
    for operation in admin_routes:
        for who, bearer, status in callers:
            call = request_of(clinic, operation, target, bearer)
            see = reproduce.request(clinic.lab, "GET", f"{API}/admin/staff") \
                if not bearer else ""
            assert refused(call, status), (
                f"{operation} with {who} answered {shown(call.response)}; {status} was expected"
                f"{' with WWW-Authenticate: Bearer' if status == 401 else ''}: admin routes are "
                "for active admins only" + see)
    for operation in staff_routes:
        for who, bearer, status in callers[:3]:
            call = request_of(clinic, operation, target, bearer)
            assert refused(call, status), (
                f"{operation} with {who} answered {shown(call.response)}; {status} with "
                "WWW-Authenticate: Bearer was expected: staff routes are for active staff only")
        assert request_of(clinic, operation, target, clinician.token).status == 200, (
            f"{operation} refused an active clinician's token")
    for operation in admin_routes:
        call = request_of(clinic, operation, target, clinic.admin.token)
        assert 200 <= call.status < 300, (
            f"{operation} with an active admin's token answered {shown(call.response)}; the "
            "admin was expected to be let through")
