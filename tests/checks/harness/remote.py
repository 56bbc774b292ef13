"""A lab's ASGI app served from a process of its own, called from the check's process as if it
were in it: the ASGI exchange (scope, each `receive`, each `send`, how the call ended) crosses a
Unix socket as JSON lines.

Class grading uses it (harness.sandbox): there the lab's code must never run in the process that
decides the verdicts, yet the in-process checks keep their exact semantics (the lifespan driven
as uvicorn drives it, each body message, what escapes the app). Either side may call an app of
the other's: a check that puts its own routes behind the lab's middleware (`with_routes_of_its_
own`) has the lab's process call those routes back in the check's process.

Nothing the lab's process sends is trusted beyond being ASGI messages: JSON, with bytes tagged.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from harness import sandbox
from harness.forked import ForkedProcess, can_fork, die_with_parent, fork_main, is_runner_marker

HANDSHAKE_TIMEOUT = 30.0
MAX_LINE = 64 * 1024 * 1024  # one message: a large streamed body arrives in chunks anyway

Asgi = Callable[[Any, Any, Any], Awaitable[None]]


class LabError(Exception):
    """An exception that escaped the lab's app in its own process; `described` is how
    harness.labs.describe_exception put it there (type, message, deepest line of lab code)."""

    def __init__(self, kind: str, described: str) -> None:
        super().__init__(described)
        self.kind = kind
        self.described = described


class ChannelClosed(Exception):
    """The lab's process ended (or broke the channel) while a call was under way."""


def encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return {"$r": repr(value)}


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if value.keys() == {"$b"} and isinstance(value["$b"], str):
            return base64.b64decode(value["$b"])
        if value.keys() == {"$r"}:
            return value["$r"]
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


class Peer:
    """One end of the channel: serves calls to its own `apps`, makes calls to the other's."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 apps: dict[str, Asgi], on_message: Callable[[dict[str, Any]], None] | None = None,
                 ) -> None:
        self.reader, self.writer = reader, writer
        self.apps = apps
        self.on_message = on_message
        self.ids = itertools.count(1)
        self.replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.calls: dict[int, asyncio.Future[dict[str, Any]]] = {}  # ours, until they end
        self.callers: dict[int, tuple[Any, Any]] = {}  # ours: (receive, send)
        self.served: dict[int, asyncio.Task[None]] = {}  # theirs
        self.tasks: set[asyncio.Future[None]] = set()  # kept from the collector until done
        self.closed = False

    def keep(self, task: asyncio.Future[None]) -> None:
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def write(self, message: dict[str, Any]) -> None:
        if self.closed:
            raise ChannelClosed("the lab's process is gone")
        self.writer.write(json.dumps(message).encode() + b"\n")
        await self.writer.drain()

    async def run(self) -> None:
        try:
            while line := await self.reader.readline():
                message = json.loads(line)
                if not isinstance(message, dict):
                    raise ValueError("not a message")
                await self._dispatch(message)
        except (ValueError, KeyError, TypeError, OSError, asyncio.LimitOverrunError):
            pass  # a broken channel ends every call under way, below
        finally:
            self.closed = True
            for waiting in [*self.replies.values(), *self.calls.values()]:
                if not waiting.done():
                    waiting.set_exception(ChannelClosed("the lab's process ended the channel"))
            for task in self.served.values():
                task.cancel()
            with contextlib.suppress(OSError):
                self.writer.close()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        op = message["op"]
        if op == "reply":
            waiting = self.replies.pop(int(message["rid"]), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(message)
        elif op == "end":
            ending = self.calls.pop(int(message["cid"]), None)
            if ending is not None and not ending.done():
                ending.set_result(message)
        elif op in ("recv", "send"):
            self.keep(asyncio.ensure_future(self._on_callback(message)))
        elif op == "call":
            cid = int(message["cid"])
            self.served[cid] = asyncio.ensure_future(self._serve(cid, message))
        elif op == "cancel":
            task = self.served.get(int(message["cid"]))
            if task is not None:
                task.cancel()
        elif self.on_message is not None:
            self.on_message(message)

    async def _on_callback(self, message: dict[str, Any]) -> None:
        """The other side's app, in a call we made, awaits our receive() or send()."""
        rid = int(message["rid"])
        receive, send = self.callers.get(int(message["cid"]), (None, None))
        try:
            if receive is None:
                raise ChannelClosed("that call has ended")
            if message["op"] == "recv":
                answer = {"op": "reply", "rid": rid, "message": encode(await receive())}
            else:
                await send(decode(message["message"]))
                answer = {"op": "reply", "rid": rid}
        except Exception as exc:
            answer = {"op": "reply", "rid": rid, "error": f"{type(exc).__name__}: {exc}"}
        with contextlib.suppress(ChannelClosed, OSError):
            await self.write(answer)

    async def _serve(self, cid: int, message: dict[str, Any]) -> None:
        """A call the other side made to one of our apps."""
        app = self.apps.get(str(message["app"]))
        ended: dict[str, Any] = {"op": "end", "cid": cid}
        try:
            if app is None:
                raise LookupError(f"no app {message['app']!r} here")
            await app(decode(message["scope"]), lambda: self._ask(cid, "recv"),
                      lambda sent: self._ask(cid, "send", sent))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            ended["error"] = {"kind": type(exc).__name__, "described": _described(exc)}
        finally:
            self.served.pop(cid, None)
        with contextlib.suppress(ChannelClosed, OSError):
            await self.write(ended)

    async def _ask(self, cid: int, op: str, sent: Any = None) -> Any:
        rid = next(self.ids)
        waiting = self.replies[rid] = asyncio.get_running_loop().create_future()
        request: dict[str, Any] = {"op": op, "cid": cid, "rid": rid}
        if op == "send":
            request["message"] = encode(sent)
        await self.write(request)
        answer = await waiting
        if "error" in answer:
            raise OSError(str(answer["error"]))
        return decode(answer.get("message"))

    def remote(self, name: str) -> Asgi:
        """An ASGI callable that runs the other side's app `name`."""

        async def call(scope: Any, receive: Any, send: Any) -> None:
            cid = next(self.ids)
            self.callers[cid] = (receive, send)
            ending = self.calls[cid] = asyncio.get_running_loop().create_future()
            try:
                await self.write({"op": "call", "cid": cid, "app": name, "scope": encode(scope)})
                ended = await ending
            except asyncio.CancelledError:
                with contextlib.suppress(ChannelClosed, OSError):
                    await self.write({"op": "cancel", "cid": cid})
                raise
            finally:
                self.callers.pop(cid, None)
                self.calls.pop(cid, None)
            error = ended.get("error")
            if isinstance(error, dict):
                raise LabError(str(error.get("kind", "Exception")),
                               str(error.get("described", "")))

        return call


def _described(exc: BaseException) -> str:
    from harness.labs import describe_exception

    return describe_exception(exc, Path.cwd())


# ------------------------------------------------------------------ the check's side


class RemoteApp:
    """The lab's `module:name`, imported and served by a process of its own (in the sandbox when
    grading). Callable as an ASGI app from any event loop of the check's process; each loop gets
    a connection of its own, as each in-process run gets a fresh start of the same app object."""

    def __init__(self, lab_dir: Path, target: str, env: dict[str, str]) -> None:
        self.lab_dir = lab_dir
        self.target = target
        self.folder = Path(env.get("TMPDIR") or "/tmp")
        self.socket = self.folder / f"course-lab-{os.getpid()}-{id(self)}.sock"
        checks_dir = Path(__file__).resolve().parents[1]
        command = [sys.executable, "-m", "harness.remote", str(self.socket), target]
        env = {**{k: v for k, v in env.items() if not is_runner_marker(k)},
               "PYTHONPATH": os.pathsep.join([str(lab_dir), str(checks_dir)]),
               "PYTHONUNBUFFERED": "1"}
        self.output = sandbox.OutputFile(self.socket.with_suffix(".log"))
        self.process: subprocess.Popen[bytes] | ForkedProcess
        if can_fork():  # FastAPI and the rest are imported here already: a fork starts warm
            socket_path = str(self.socket)

            def serve() -> None:
                sys.path.insert(0, str(lab_dir))
                asyncio.run(_host(socket_path, target))

            self.process = fork_main(serve, cwd=lab_dir, env={"PYTHONUNBUFFERED": "1"},
                                     on_start=die_with_parent, output=self.output.file)
        else:
            self.process = subprocess.Popen(
                sandbox.lab_command(command, lab_dir), cwd=lab_dir, env=env,
                stdin=subprocess.DEVNULL, stdout=self.output.file, stderr=subprocess.STDOUT)
        self.hello = self._handshake()
        self.inner: dict[str, Asgi] = {}
        self.twin_of: RemoteApp | None = None
        self._peers: dict[int, Peer] = {}

    def _handshake(self) -> dict[str, Any]:
        deadline = time.monotonic() + HANDSHAKE_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return {"ok": False, "error": "the lab's process ended before it served "
                        f"(exit code {self.process.returncode}): {self.output.tail()}"}
            try:
                with socket.socket(socket.AF_UNIX) as connection:
                    connection.settimeout(max(0.1, deadline - time.monotonic()))
                    connection.connect(str(self.socket))
                    connection.sendall(b'{"op": "hello"}\n')
                    answer = connection.makefile("rb").readline(MAX_LINE)
                    hello = json.loads(answer) if answer else None
                    if isinstance(hello, dict):
                        return hello
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.02)
            except (OSError, ValueError):
                break
        return {"ok": False, "error": f"the lab's process did not answer: {self.output.tail()}"}

    @property
    def starlette(self) -> bool:
        return bool(self.hello.get("starlette"))

    def with_inner(self, routes_app: Asgi) -> RemoteApp:
        """The lab's app with its router (but not its lifespan) replaced by `routes_app`, which
        runs here: see asgi.with_routes_of_its_own."""
        twin = object.__new__(RemoteApp)
        twin.__dict__.update(self.__dict__)
        twin.inner = {f"inner-{id(routes_app)}": routes_app}
        twin.twin_of = self
        twin._peers = {}
        return twin

    async def _peer(self) -> Peer:
        loop = asyncio.get_running_loop()
        peer = self._peers.get(id(loop))
        if peer is None or peer.closed:
            reader, writer = await asyncio.open_unix_connection(str(self.socket), limit=MAX_LINE)
            peer = Peer(reader, writer, dict(self.inner))
            self._peers[id(loop)] = peer
            peer.keep(asyncio.ensure_future(peer.run()))
            for name in self.inner:
                await peer.write({"op": "twin", "name": name})
        return peer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            peer = await self._peer()
        except OSError as exc:
            raise ChannelClosed(f"the lab's process does not serve ({exc}): "
                                f"{self.output.tail()}") from None
        name = next(iter(self.inner), "lab")
        try:
            await peer.remote(name)(scope, receive, send)
        except ChannelClosed:
            raise ChannelClosed(f"the lab's process ended the call: {self.output.tail()}") from None

    def stop(self) -> None:
        if self.twin_of is not None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self.output.close()
        with contextlib.suppress(OSError):
            self.socket.unlink()


# ------------------------------------------------------------------ the lab's side


class Host:
    """In the lab's process: the lab's app, and per connection the lifespan state it made."""

    def __init__(self, target: str) -> None:
        self.app: Any = None
        self.hello: dict[str, Any] = {"ok": True}
        module, _, name = target.partition(":")
        try:
            from harness.labs import Lab

            self.app = Lab("", Path.cwd()).attribute(module, name)
        except BaseException as exc:  # pytest.fail's outcome, or anything the lab raised
            self.hello = {"ok": False, "error": str(exc) or type(exc).__name__}
            return
        from starlette.applications import Starlette

        self.hello["starlette"] = isinstance(self.app, Starlette)

    async def connected(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        state: dict[str, Any] = {}
        apps: dict[str, Asgi] = {}

        def control(message: dict[str, Any]) -> None:
            if message.get("op") == "hello":
                writer.write(json.dumps(self.hello).encode() + b"\n")
            elif message.get("op") == "twin" and self.app is not None:
                name = str(message["name"])
                apps[name] = _with_state(self._twin(peer.remote(name)), state)

        if self.app is not None:
            apps["lab"] = _with_state(self.app, state)
        peer = Peer(reader, writer, apps, on_message=control)
        await peer.run()

    def _twin(self, inner: Asgi) -> Asgi:
        """The lab's app with the other side's routes in place of its router; its lifespan
        still runs through the lab's own."""
        import copy

        from starlette.routing import Router

        twin = copy.copy(self.app)
        lifespan_router = Router(routes=[], lifespan=self.app.router.lifespan_context)

        async def routes(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                await lifespan_router(scope, receive, send)
            else:
                await inner(scope, receive, send)

        twin.router = routes
        twin.middleware_stack = None
        return twin


def _with_state(app: Asgi, state: dict[str, Any]) -> Asgi:
    """The lifespan's state lives here, in the lab's process: each request gets a copy of it,
    as uvicorn gives (the check's side only knows that a lifespan ran)."""

    async def served(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "lifespan":
            state.clear()
            scope["state"] = state
        elif "state" in scope:
            scope["state"] = dict(state)
        await app(scope, receive, send)

    return served


async def _host(path: str, target: str) -> None:
    os.environ.pop(sandbox.VARIABLE, None)  # this is the lab's process: it imports the lab
    host = Host(target)
    server = await asyncio.start_unix_server(host.connected, path, limit=MAX_LINE)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    asyncio.run(_host(sys.argv[1], sys.argv[2]))
