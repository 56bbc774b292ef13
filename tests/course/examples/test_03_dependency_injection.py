"""Runs every example of chapter 03 (lessons/03-dependency-injection/examples)."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "lessons" / "03-dependency-injection" / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_03_{name}", EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def no_clinic_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each example reads its settings from this test's environment only."""
    for name in [name for name in sys.modules["os"].environ if name.startswith("CLINIC_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file here


def test_wiring_reads_like_a_sentence() -> None:
    example = load_example("wiring")
    with TestClient(example.app) as client:
        answer = client.post("/reminders/ada", headers={"X-Staff-Id": "7"})
    assert answer.json() == {"sent_to": "ada"}
    assert example.app.state.outbox == [
        "http://127.0.0.1:8031 <- ada: a reminder from staff member 7"]


def test_a_dependency_with_a_rule_charges_on_every_read() -> None:
    example = load_example("hidden_business")
    with TestClient(example.app) as client:
        for _ in range(2):
            assert client.get("/patients/1").json()["name"] == "Ada Byrne"
        client.get("/patients/2")
    assert example.fees == [(1, 25), (1, 25)]  # two reads, two fees, nobody decided either


@pytest.mark.parametrize(("dependency", "left"), [("half_done_session", 1), ("get_session", 0)])
def test_who_commits_a_half_done_request(dependency: str, left: int) -> None:
    example = load_example("session_dependency")
    app = example.build(getattr(example, dependency))
    with TestClient(app) as client:
        client.portal.call(example.create_tables, app)
        assert client.post("/accounts", params={"email": "ama@example.org"}).status_code == 502
        assert client.get("/accounts/count").json() == {"accounts": left}


@pytest.mark.parametrize(("up", "status", "left"), [(True, 201, 1), (False, 502, 0)])
def test_a_service_can_own_the_transaction(up: bool, status: int, left: int) -> None:
    example = load_example("service_transaction")
    app = example.build(example.Notifier(up))

    @app.exception_handler(example.NotifierDown)
    async def down(request, exc):
        from fastapi.responses import JSONResponse

        return JSONResponse({"error": "notification_failed"}, status_code=502)

    @app.get("/accounts/count")
    async def count() -> dict:
        from sqlalchemy import func, select

        async with app.state.sessions() as session:
            return {"accounts": await session.scalar(select(func.count(example.Account.id)))}

    with TestClient(app) as client:
        client.portal.call(example.create_tables, app)
        assert client.post("/accounts", params={"email": "ama@example.org"}).status_code == status
        assert client.get("/accounts/count").json() == {"accounts": left}


def test_one_session_reads_its_own_write_two_do_not() -> None:
    example = load_example("dedup")
    with TestClient(example.app) as client:  # its database: dedup.db, in this test's folder
        example.opened.clear()
        shared = client.put("/shared/1", params={"email": "ama.osei@example.org"}).json()
        sessions_shared = len(set(example.opened))
        example.opened.clear()
        own = client.put("/own/2", params={"email": "kofi.mensah@example.org"}).json()
        sessions_own = len(set(example.opened))
    assert (shared, sessions_shared) == ({"notice_to": "ama.osei@example.org"}, 1)
    assert (own, sessions_own) == ({"notice_to": "kofi@example.org"}, 2)


def test_the_guard_chain_cannot_be_skipped() -> None:
    example = load_example("guard_chain")
    with TestClient(example.app) as client:
        def status(path: str, token: str | None) -> int:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.get(path, headers=headers).status_code

        assert [status("/chained", t) for t in (None, "t-kofi", "t-old", "t-ama")] == [
            401, 403, 401, 200]
        assert [status("/shortcut", t) for t in (None, "t-kofi", "t-old", "t-ama")] == [
            200, 403, 200, 200]


def test_auth_is_opt_in_per_router() -> None:
    example = load_example("opt_in_auth")
    with TestClient(example.app) as client:
        assert client.get("/clinicians").status_code == 200
        assert client.get("/staff/me").status_code == 401
        assert client.get("/staff/me", headers={"X-Staff": "kofi"}).json() == {"me": "kofi"}
        assert client.post("/admin/staff/2/deactivate",
                           headers={"X-Staff": "kofi"}).status_code == 403
        assert client.post("/admin/staff/2/deactivate",
                           headers={"X-Staff": "admin:ama"}).json() == {"deactivated": 2}


def test_typed_settings_name_every_problem() -> None:
    example = load_example("settings_class")
    assert example.problems({"CLINIC_NOTIFIER_URL": "http://127.0.0.1:8031"}) == []
    found = example.problems({"CLINIC_NOTIFIER_URL": "notifier.internal:8031",
                              "CLINIC_NOTIFIER_TIMEOUT": "soon"})
    assert [problem.split(":")[0] for problem in found] == ["notifier_url", "notifier_timeout"]
    assert example.problems({})[0].startswith("notifier_url: Field required")


def test_a_missing_setting_stops_the_start_not_a_request() -> None:
    example = load_example("fail_fast")
    example.get_settings.cache_clear()
    with TestClient(example.lazy, raise_server_exceptions=False) as client:
        assert client.get("/notifier").status_code == 500  # served, and then the first fails
    example.get_settings.cache_clear()
    with pytest.raises(ValidationError, match="notifier_url"), TestClient(example.eager):
        pass


def test_production_has_no_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example("secret_default")
    monkeypatch.setenv("CLINIC_ENVIRONMENT", "production")
    assert example.Careless().token_secret == example.DEVELOPMENT_SECRET  # silently
    with pytest.raises(ValidationError, match="required in production"):
        example.Careful()
    monkeypatch.setenv("CLINIC_TOKEN_SECRET", "")  # a line left blank: no secret either
    with pytest.raises(ValidationError, match="required in production"):
        example.Careful()
    monkeypatch.setenv("CLINIC_TOKEN_SECRET", example.DEVELOPMENT_SECRET)
    with pytest.raises(ValidationError, match="the development secret"):
        example.Careful()
    monkeypatch.setenv("CLINIC_ENVIRONMENT", "development")
    monkeypatch.delenv("CLINIC_TOKEN_SECRET")
    assert example.Careful().token_secret.get_secret_value() == example.DEVELOPMENT_SECRET


def test_only_the_dependency_can_be_swapped() -> None:
    example = load_example("cached_settings")
    example.app.dependency_overrides[example.get_settings] = (
        lambda: example.Settings(token_ttl_minutes=5))
    try:
        with TestClient(example.app) as client:
            assert client.get("/module-level").json() == {"expires_in": 3600}
            assert client.get("/dependency").json() == {"expires_in": 300}
    finally:
        example.app.dependency_overrides.clear()


def test_overrides_swap_settings_and_clients() -> None:
    example = load_example("overrides")
    example.test_welcome_mentions_the_token_lifetime()
    with TestClient(example.app, raise_server_exceptions=False) as client:
        assert client.post("/welcome/ama@example.org").status_code == 500  # the real one


def test_generated_values_are_read_back_after_the_write() -> None:
    example = load_example("refresh")
    assert asyncio.run(example.demo(refresh=True)) == "version 2"
    with warnings.catch_warnings():
        # the lazy load that could not run leaves SQLAlchemy's coroutine unawaited
        warnings.simplefilter("ignore", RuntimeWarning)
        assert asyncio.run(example.demo(refresh=False)) == "MissingGreenlet"
        gc.collect()
