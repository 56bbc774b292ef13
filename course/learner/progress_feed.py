"""A live feed of lab progress for the local site: one task (owned by the server's lifespan)
watches `.course/state.json` and fans each change out to every open status stream.

It polls the file's stat instead of relying on file events, which do not arrive on every file
system a learner may use (see course/learner/watch.py); a stat every few hundred ms costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from course.engine.state import State, StateStore

POLL_SECONDS = 0.25


class ProgressFeed:
    def __init__(self, store: StateStore, interval: float = POLL_SECONDS) -> None:
        self.store = store
        self.interval = interval
        self.version = 0
        self._subscribers: set[asyncio.Queue[int]] = set()
        self._task: asyncio.Task[None] | None = None

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.store.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def _watch(self) -> None:
        seen = self._signature()
        while True:
            await asyncio.sleep(self.interval)
            current = self._signature()
            if current != seen:
                seen = current
                self.version += 1
                for queue in self._subscribers:
                    if queue.full():  # a slow reader only needs the newest version
                        queue.get_nowait()
                    queue.put_nowait(self.version)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="progress-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[int]]:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def events(self, render: Callable[[State], str], heartbeat: float = 15.0
                     ) -> AsyncIterator[str]:
        """Server-sent events: the current status at once, then one event per change."""
        async with self.subscribe() as queue:
            yield f"retry: 1000\nid: {self.version}\ndata: {render(self.store.load())}\n\n"
            while True:
                try:
                    version = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield ": still here\n\n"  # keeps proxies from closing an idle stream
                    continue
                yield f"id: {version}\ndata: {render(self.store.load())}\n\n"
