"""An outbound call with a deadline: httpx2's timeouts, each of which bounds one wait,
a deadline around the whole call, and cancellation, which closes the connection."""

import asyncio

import httpx2


# --8<-- [start:client]
def partner_client(base_url: str, seconds: float = 3.0) -> httpx2.AsyncClient:
    timeout = httpx2.Timeout(seconds, connect=1.0)  # read, write and pool: `seconds`
    return httpx2.AsyncClient(base_url=base_url, timeout=timeout)


async def lab_results(partner: httpx2.AsyncClient, member: str) -> list[dict]:
    answer = await partner.get("/v1/results", params={"member": member})
    answer.raise_for_status()
    return answer.json()["results"]


# --8<-- [end:client]


# --8<-- [start:deadline]
async def lab_results_within(
    partner: httpx2.AsyncClient, member: str, seconds: float
) -> list[dict]:
    async with asyncio.timeout(seconds):  # the whole call, however slowly bytes arrive
        return await lab_results(partner, member)


# --8<-- [end:deadline]


# --8<-- [start:shielded]
async def lab_results_shielded(partner: httpx2.AsyncClient, member: str) -> list[dict]:
    # cancelling the caller leaves the call running: nothing stops it but the partner
    return await asyncio.shield(lab_results(partner, member))


# --8<-- [end:shielded]
