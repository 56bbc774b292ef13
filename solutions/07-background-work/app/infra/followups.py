"""Follow-up work a request starts and does not wait for, such as a booking's confirmation:
best effort, after the answer, in this process.

The event loop keeps only a weak reference to a task, and an exception nobody retrieves
vanishes with it. So each task is kept here until it ends, its failure is logged with its
traceback the moment it happens, and the lifespan waits for what is still running when the
service stops, for a while, before it cancels the rest.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger("clinic.followups")


class Followups:
    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def start(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        """Runs `work` beside the requests; `what` names it in the logs."""
        task = asyncio.create_task(work, name=what)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if task.cancelled():
            return
        failure = task.exception()
        if failure is not None:
            logger.error("%s failed", task.get_name(), exc_info=failure)

    async def drain(self, seconds: float) -> None:
        """Waits up to `seconds` for the follow-ups still running, then cancels the others."""
        if not self._running:
            return
        _, unfinished = await asyncio.wait(set(self._running), timeout=seconds)
        for task in unfinished:
            logger.error("%s was cancelled: still running %s s after the service began to stop",
                         task.get_name(), seconds)
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
