import asyncio
import time


async def ask_insurer(delay: float) -> str:
    await asyncio.sleep(delay)  # stands for a network round trip
    return "covered"


def score_claims(rounds: int) -> int:
    return sum(i * i for i in range(rounds))  # stands for CPU work


async def score_claims_async(rounds: int) -> int:
    return score_claims(rounds)


# --8<-- [start:measure]
async def one_after_another(calls: int, delay: float) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await ask_insurer(delay)
    return time.perf_counter() - started


async def all_at_once(calls: int, delay: float) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(ask_insurer(delay) for _ in range(calls)))
    return time.perf_counter() - started


async def cpu_one_after_another(calls: int, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await score_claims_async(rounds)
    return time.perf_counter() - started


async def cpu_all_at_once(calls: int, rounds: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(score_claims_async(rounds) for _ in range(calls)))
    return time.perf_counter() - started
# --8<-- [end:measure]


if __name__ == "__main__":
    runs = {
        "I/O, one after another": one_after_another(10, 0.1),
        "I/O, all at once": all_at_once(10, 0.1),
        "CPU, one after another": cpu_one_after_another(10, 200_000),
        "CPU, all at once": cpu_all_at_once(10, 200_000),
    }
    for label, run in runs.items():
        print(f"{label + ':':24}{asyncio.run(run):.2f} s")
