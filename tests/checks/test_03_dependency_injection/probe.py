"""The lab's app, wrapped so that a check can see inside a request and swap a dependency.

It runs where the lab's app runs, in the lab's own uvicorn: `uvicorn <this module>:lab_app
--app-dir <lab>`. So it imports nothing of the checks' (no pytest, no harness): the lab cannot
tell it is being checked. The check talks to it over HTTP only, on paths under PREFIX that no
route of the lab's can have; it never adds a route to the lab's app.

- Every request the check tags (header TAG) gets a tally of what SQLAlchemy did during it,
  from SQLAlchemy's own events: the sessions that began a transaction, the connections taken
  from the pool, the commits, and the commits that carried writes. `GET PREFIX/tally/<tag>`
  answers it once the request is over (its dependencies closed, its commit done, which for a
  request-scoped dependency is after its answer went out). The last part of a tagged
  request's answer waits for that end too, so the check sees each request whole.
- `POST PREFIX/settings` swaps a settings dependency as a test suite would,
  `app.dependency_overrides[get_settings] = ...`, with settings the lab's own class reads from
  the environment the check sends; `DELETE PREFIX/settings` removes the swap.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

PREFIX = "/__course_probe__"
TAG = "x-course-probe"
TAG_BYTES = TAG.encode()
KEPT = 500  # tallies kept; the check reads each right after its request
SETTLE_SECONDS = 8.0  # how long a tally waits for its request to end
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@dataclass
class Tally:
    sessions: int = 0  # distinct sessions that began a transaction
    connections: int = 0  # connections checked out of the pool
    commits: int = 0
    write_commits: int = 0  # commits of a transaction that had written something
    _began: set[int] = field(default_factory=set)
    _wrote: set[int] = field(default_factory=set)
    _over: asyncio.Event = field(default_factory=asyncio.Event)

    def shown(self) -> dict[str, int]:
        return {"sessions": self.sessions, "connections": self.connections,
                "commits": self.commits, "write_commits": self.write_commits}


CURRENT: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("probe_tally", default=None)
_listening = False


def _listen() -> None:
    """SQLAlchemy's class-level events: every session and pool of the process, whatever the lab
    calls its engine."""
    global _listening
    if _listening:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import Pool

    def began(session: Any, transaction: Any, connection: Any) -> None:
        tally = CURRENT.get()
        if tally is not None and id(session) not in tally._began:
            tally._began.add(id(session))
            tally.sessions += 1

    def committed(session: Any) -> None:
        tally = CURRENT.get()
        if tally is not None:
            tally.commits += 1

    # Writes are told by the connection, whatever issued them: the ORM's flush, or a statement
    # (`update(...).returning(...)`, raw SQL) executed through the session or the engine.
    def executed(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        tally = CURRENT.get()
        if tally is not None and statement.lstrip()[:7].upper().startswith(WRITES):
            tally._wrote.add(id(connection))

    def connection_committed(connection: Any) -> None:
        tally = CURRENT.get()
        if tally is not None and id(connection) in tally._wrote:
            tally._wrote.discard(id(connection))
            tally.write_commits += 1

    def connection_rolled_back(connection: Any) -> None:
        tally = CURRENT.get()
        if tally is not None:
            tally._wrote.discard(id(connection))

    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        tally = CURRENT.get()
        if tally is not None:
            tally.connections += 1

    event.listen(Session, "after_begin", began)
    event.listen(Session, "after_commit", committed)
    event.listen(Engine, "before_cursor_execute", executed)
    event.listen(Engine, "commit", connection_committed)
    event.listen(Engine, "rollback", connection_rolled_back)
    event.listen(Pool, "checkout", checked_out)
    _listening = True


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Probe:
    """ASGI: the lab's app, with the probe's own paths in front of it."""

    def __init__(self, app: Any) -> None:
        _listen()
        self.app = app
        self.tallies: dict[str, Tally] = {}
        self.swapped: list[Any] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(PREFIX + "/"):
            status, body = await self._control(scope, receive)
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps(body).encode()})
            return
        tag = next((value.decode() for name, value in scope["headers"] if name == TAG_BYTES), "")
        if not tag:
            await self.app(scope, receive, send)
            return
        # The lab never sees the tag: it cannot tell the check's requests from others.
        scope = {**scope, "headers": [(n, v) for n, v in scope["headers"] if n != TAG_BYTES]}
        tally = self.tallies[tag] = Tally()
        while len(self.tallies) > KEPT:
            self.tallies.pop(next(iter(self.tallies)))
        token = CURRENT.set(tally)
        held: list[Any] = []

        async def send_all_but_the_end(message: Any) -> None:
            # The answer's last part waits for the request to end (its dependencies closed, its
            # commit done), so that the client sees the request whole, as the lab left it.
            if message["type"] == "http.response.body" and not message.get("more_body"):
                held.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, receive, send_all_but_the_end)
        finally:
            CURRENT.reset(token)
            tally._over.set()
            for message in held:
                await send(message)

    async def _control(self, scope: Any, receive: Any) -> tuple[int, Any]:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        action = scope["path"][len(PREFIX) + 1:]
        try:
            if scope["method"] == "GET" and action.startswith("tally/"):
                tally = self.tallies.get(action.removeprefix("tally/"))
                if tally is None:
                    return 404, {"error": "no such request"}
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(tally._over.wait(), SETTLE_SECONDS)
                return (200, tally.shown()) if tally._over.is_set() else (
                    504, {"error": "the request did not end"})
            if action == "settings" and scope["method"] == "POST":
                return 200, self._swap_settings(json.loads(body))
            if action == "settings" and scope["method"] == "DELETE":
                for dependency in self.swapped:
                    self.app.dependency_overrides.pop(dependency, None)
                self.swapped.clear()
                return 200, {"ok": True}
        except Exception as exc:  # the lab's code can raise anything
            return 500, {"error": f"{type(exc).__name__}: {exc}"}
        return 404, {"error": f"no probe action {scope['method']} {action}"}

    def _swap_settings(self, request: dict[str, Any]) -> dict[str, Any]:
        module_name, _, name = str(request["dependency"]).partition(":")
        module = importlib.import_module(module_name)
        dependency = getattr(module, name, None)
        if dependency is None:
            return {"error": f"{module_name} has no {name}"}
        if not hasattr(self.app, "dependency_overrides"):
            return {"error": "the lab's app is not a FastAPI application"}
        kind = settings_class(module, dependency)
        with environment(request["environment"]):
            # The lab's own settings class, from this environment only (no .env file).
            made = kind(_env_file=None)
        self.app.dependency_overrides[dependency] = lambda: made
        self.swapped.append(dependency)
        return {"ok": True}


def settings_class(module: Any, dependency: Any) -> type:
    """The lab's settings class, as a test suite would name it: what the dependency says it
    returns, else the one BaseSettings class of its module, else the class of what it returns."""
    import typing

    from pydantic_settings import BaseSettings

    with contextlib.suppress(Exception):  # an annotation that does not resolve names nothing
        named = typing.get_type_hints(dependency).get("return")
        if isinstance(named, type) and issubclass(named, BaseSettings):
            return named
    found = [value for value in vars(module).values() if isinstance(value, type)
             and issubclass(value, BaseSettings) and value is not BaseSettings]
    if len(found) == 1:
        return found[0]
    return type(dependency())


_probes: dict[int, Probe] = {}


def wrap(app: Any) -> Probe:
    """One probe per app object."""
    if id(app) not in _probes:
        _probes[id(app)] = Probe(app)
    return _probes[id(app)]


def __getattr__(name: str) -> Any:
    """`lab_app`: the probe around the lab's `app.main:app`, for uvicorn to serve."""
    if name != "lab_app":
        raise AttributeError(name)
    return wrap(importlib.import_module("app.main").app)
