"""The same route with a client made for every request: correct answers, and a new
connection (in production, a TCP and a TLS handshake) each time."""

import httpx2
from fastapi import FastAPI

app = FastAPI()
app.state.insurer_url = "http://127.0.0.1:9"


# --8<-- [start:per-request]
@app.get("/members/{member_id}")
async def member(member_id: str) -> dict:
    async with httpx2.AsyncClient(
        base_url=app.state.insurer_url
    ) as insurer:  # a new pool
        answer = await insurer.get(f"/v1/members/{member_id}")
    return answer.json()  # ...and its connection is closed again


# --8<-- [end:per-request]
