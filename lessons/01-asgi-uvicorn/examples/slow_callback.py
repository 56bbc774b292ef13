import asyncio
import logging
import time

import httpx2
from fastapi import FastAPI

app = FastAPI()


@app.get("/eligibility")
async def eligibility() -> dict[str, str]:
    time.sleep(0.2)  # a sync call inside async def: it holds the loop for 200 ms
    return {"coverage": "covered"}


# --8<-- [start:debug]
async def ask_once() -> int:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        return (await client.get("/eligibility")).status_code


if __name__ == "__main__":
    logging.basicConfig()
    asyncio.run(ask_once(), debug=True)
    # WARNING:asyncio:Executing <Task finished name='Task-1' coro=<ask_once() ...>
    #   took 0.203 seconds
# --8<-- [end:debug]
