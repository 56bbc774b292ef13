"""What becomes of a task: dropped, kept, failing unread or read, pending at the end."""

import asyncio
import gc
import logging

log = logging.getLogger("clinic.followups")


# --8<-- [start:collected]
async def wait_for_answer() -> None:
    answer = asyncio.get_running_loop().create_future()
    await answer  # only this task can reach the future, and only the future the task


async def dropped() -> None:
    asyncio.create_task(wait_for_answer())  # noqa: RUF006 (the Task is thrown away)
    await asyncio.sleep(0)  # the task starts, and waits
    gc.collect()  # what the collector does whenever it runs: the task is destroyed


# --8<-- [end:collected]


# --8<-- [start:kept]
running: set[asyncio.Task] = set()


def start(coroutine) -> asyncio.Task:
    task = asyncio.create_task(coroutine)
    running.add(task)  # a strong reference, for as long as the task runs
    task.add_done_callback(finished)
    return task


def finished(task: asyncio.Task) -> None:
    running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("follow-up %s failed", task.get_name(), exc_info=task.exception())


# --8<-- [end:kept]


async def kept() -> asyncio.Task:
    task = start(wait_for_answer())
    await asyncio.sleep(0)
    gc.collect()
    return task  # still pending: `running` holds it


# --8<-- [start:unread]
async def notify() -> None:
    raise ConnectionError("notifier unreachable")


async def unread() -> list[asyncio.Task]:
    asyncio.create_task(notify())  # noqa: RUF006 (fails; reported once freed)
    hoarded = [asyncio.create_task(notify())]  # fails; kept, so not reported
    await asyncio.sleep(0)
    return hoarded


# --8<-- [end:unread]


async def read() -> None:
    start(notify())  # fails; `finished` logs it at once, with its traceback
    await asyncio.sleep(0)


# --8<-- [start:pending]
async def confirm(outcome: list[str]) -> None:
    try:
        await asyncio.Event().wait()  # stands for a notifier that is slow today
        outcome.append("sent")
    except asyncio.CancelledError:
        outcome.append("cancelled")
        raise


async def main(outcome: list[str]) -> None:
    confirming = asyncio.create_task(confirm(outcome))
    await asyncio.sleep(0)  # it starts, and waits
    outcome.append(f"main returns; confirmation done: {confirming.done()}")
    # and asyncio.run cancels every task still pending


# --8<-- [end:pending]


if __name__ == "__main__":
    logging.basicConfig(format="%(name)s %(levelname)s %(message)s")
    asyncio.run(dropped())
    asyncio.run(kept())
    asyncio.run(unread())
    asyncio.run(read())
    outcome: list[str] = []
    asyncio.run(main(outcome))
    print("pending at the end:", outcome)
