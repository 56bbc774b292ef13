"""Lab 01 · The front desk stalls: the instructor-only checks (see instructor/__init__.py).

The learner-side module streams five responses of its own through the lab's middleware, with
paths, sizes, chunk sizes and media types anyone can read there. Here the responses are made
when the room is graded: paths nobody can guess, sizes from a few bytes to well above any
buffer a middleware might keep, chunks of random sizes with empty ones among them, media types
the learner-side module never sends, with and without a declared length.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import test_01_asgi_uvicorn as learner_side

from harness import asgi
from harness.labs import Lab

MEDIA_TYPES = ("application/json", "text/html; charset=utf-8", "image/png", "application/zip",
               "text/event-stream", "audio/mpeg", "application/xml", "text/markdown")
MOST_CHUNKS = 250  # a stream's messages each cross the sandbox's channel: enough to split it
# No chunk is larger: a stream that grows past a 64 KiB buffer always has several chunks held
# in it by then (a middleware that loses what it held must show it on every run).
LARGEST_CHUNK = 16_384
SIZES = ((3, 40), (1_000, 40_000), (70_000, 400_000))  # tiny, mid, past a 64 KiB buffer


@pytest.fixture(scope="module")
def clinic_app(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("clinic") / "clinicians.json"
    directory.write_text(json.dumps(learner_side.clinicians_of_this_run(["Hazel", "Ivy"])))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLINIC_DIRECTORY_FILE", str(directory))
        patch.setenv("CLINIC_INSURER_URL", "http://127.0.0.1:9")  # no check here asks it
        yield lab.asgi_app("app.main:app")


@dataclass
class Shape:
    """A response of this run's own, streamed through the lab's middleware."""

    path: str
    chunks: list[bytes]
    media_type: str
    declares_length: bool

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def __str__(self) -> str:
        length = "with" if self.declares_length else "without"
        return (f"a {len(self.body):,}-byte {self.media_type.split(';')[0]} response streamed "
                f"in {sum(1 for chunk in self.chunks if chunk)} chunks ({length} Content-Length)")


def shape_of_this_run(size: int, declares_length: bool) -> Shape:
    random = secrets.SystemRandom()
    media_type = random.choice(MEDIA_TYPES)
    if media_type.startswith(("text/", "application/json", "application/xml")):
        body = secrets.token_urlsafe(size)[:size].encode()
    else:
        body = secrets.token_bytes(size)
    smallest = math.ceil(size / MOST_CHUNKS)
    chunks: list[bytes] = []
    at = 0
    while at < size:
        if random.random() < 0.15:
            chunks.append(b"")  # an empty chunk in the middle is still part of a stream
        step = min(LARGEST_CHUNK,
                   max(smallest, random.randint(1, max(1, size // random.choice((2, 5, 17))))))
        chunks.append(body[at:at + step])
        at += step
    if len([chunk for chunk in chunks if chunk]) < 2:  # a stream: at least two messages
        chunks = [body[:1], body[1:]]
    path = f"/{secrets.token_hex(3)}/{secrets.token_urlsafe(6)}"
    return Shape(path, chunks, media_type, declares_length)


def shapes_of_this_run() -> list[Shape]:
    random = secrets.SystemRandom()
    sizes = [random.randint(*bounds) for bounds in SIZES]
    sizes += [int(10 ** random.uniform(0.5, math.log10(SIZES[-1][1]))) for _ in range(2)]
    lengths = [True, False] + [random.random() < 0.5 for _ in sizes[2:]]
    random.shuffle(lengths)
    shapes = [shape_of_this_run(max(size, 3), declares) for size, declares in zip(sizes, lengths,
                                                                                  strict=True)]
    random.shuffle(shapes)
    return shapes


def routes_for(shapes: list[Shape]) -> list[Any]:
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    def endpoint(shape: Shape) -> Callable[[Any], Awaitable[Any]]:
        async def serve(request: Any) -> Any:
            async def produce() -> AsyncIterator[bytes]:
                for chunk in shape.chunks:
                    yield chunk

            headers = {"content-length": str(len(shape.body))} if shape.declares_length else {}
            return StreamingResponse(produce(), media_type=shape.media_type, headers=headers)

        return serve

    return [Route(shape.path, endpoint(shape)) for shape in shapes]


def test_streams_of_any_shape_arrive_whole(clinic_app: Any) -> None:
    shapes = shapes_of_this_run()
    twin = asgi.with_routes_of_its_own(clinic_app, routes_for(shapes))
    if twin is None:
        pytest.fail("app.main:app is no longer a FastAPI application; the brief keeps "
                    "`uvicorn app.main:app`", pytrace=False)

    async def script(client: Any) -> None:
        for shape in shapes:
            request_id = f"room-{secrets.token_hex(4)}"
            answer = await learner_side.call(client, "GET", shape.path, label=str(shape),
                                             headers={"X-Request-ID": request_id})
            body = shape.body
            assert answer.status_code == 200, (
                f"{shape}, sent through the app's middleware, answered {answer.status_code}; "
                "200 was expected")
            assert answer.content == body, (
                f"{shape}, sent through the app's middleware, reached the client with "
                f"{len(answer.content):,} bytes" + ("" if len(answer.content) != len(body)
                                                    else " of other content")
                + "; every byte was expected to arrive")
            declared = answer.headers.get("content-length")
            assert declared is None or declared == str(len(body)), (
                f"{shape} reached the client with Content-Length {declared}; its "
                f"{len(body):,} bytes were expected")
            kind = shape.media_type.split(";")[0]
            assert answer.headers.get("content-type", "").startswith(kind), (
                f"{shape} reached the client as {answer.headers.get('content-type')!r}")
            assert answer.headers.get("x-request-id") == request_id, (
                f"{shape} came back without the caller's X-Request-ID; the brief says every "
                "HTTP answer keeps its request id")

    learner_side.in_process(twin, script)
