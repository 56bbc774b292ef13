"""Settings swapped the way a test suite swaps them, `app.dependency_overrides[get_settings]`: what
every request does follows the swap."""

from __future__ import annotations

import secrets

from .clinic import API, Clinic, Staff, failed, json_of, shown, token
from .probe import PREFIX

FIX_SETTINGS = "app.core.config:get_settings"


def swap(clinic: Clinic, settings: dict[str, str]) -> None:
    answer = clinic.client.request("POST", f"{PREFIX}/settings",
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
    said = (f"with app.dependency_overrides[get_settings] returning other settings (a token "
            f"lifetime of {ttl} minutes, another secret, another notifier),")
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
        clinic.client.request("DELETE", f"{PREFIX}/settings")
    assert clinic.call("GET", me, token=fresh).status == 401, (
        f"once the override was removed, GET {me} still accepts a token signed with the "
        "swapped secret")
    assert clinic.call("GET", me, token=staff.token).status == 200, (
        f"once the override was removed, GET {me} refuses a token signed with the secret the "
        "app started with")
