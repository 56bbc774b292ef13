"""Bounded retries: exponential backoff with full jitter, a cap, a last attempt, and
a log line for every retry. The sleep and the dice are passed in, for a test to hold."""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx2

log = logging.getLogger("clinic.retries")
T = TypeVar("T")


# --8<-- [start:backoff]
def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, ...): anywhere from 0 to
    base * 2 ** (attempt - 1), never more than `cap`."""
    return rng.uniform(0, min(cap, base * 2 ** (attempt - 1)))


def worth_retrying(exc: Exception) -> bool:
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        return status == 429 or status >= 500  # overloaded or broken, for now
    return isinstance(exc, httpx2.TransportError)  # timeouts, refused, reset


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 8.0,
    rng: random.Random | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    rng = rng or random.Random()
    attempt = 1
    while True:
        try:
            return await call()
        except Exception as exc:
            if attempt == attempts or not worth_retrying(exc):
                log.error("giving up after attempt %d: %r", attempt, exc)
                raise
            delay = backoff(attempt, base, cap, rng)
            log.warning("attempt %d failed (%r); again in %.2f s", attempt, exc, delay)
            await sleep(delay)
            attempt += 1


# --8<-- [end:backoff]


def schedules(clients: int, attempts: int, jitter: bool, seed: int) -> list[list]:
    """When each of `clients` callers, all failing at once, would try again."""
    rng = random.Random(seed)
    plans = []
    for _ in range(clients):
        moment, plan = 0.0, []
        for attempt in range(1, attempts):
            step = min(8.0, 0.5 * 2 ** (attempt - 1))
            moment += backoff(attempt, 0.5, 8.0, rng) if jitter else step
            plan.append(round(moment, 3))
        plans.append(plan)
    return plans


if __name__ == "__main__":
    for jitter in (False, True):
        print("with jitter:" if jitter else "without jitter:")
        for plan in schedules(clients=4, attempts=5, jitter=jitter, seed=7):
            print("   ", plan)
