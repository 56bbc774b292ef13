"""Idempotency keys, Stripe's way: the first request with a key does the work and its
answer is kept; a retry gets that answer again; a retry while the first still runs gets
409; the key sent again with another body gets 422."""

import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Protocol

import aiosqlite
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,  -- of the request's body
    status_code INTEGER,        -- NULL while the first request is in flight
    body TEXT,
    PRIMARY KEY (owner, key)
)"""


class Processor(Protocol):
    async def charge(self, amount_cents: int, reference: str) -> str: ...


class PaymentIn(BaseModel):
    appointment_id: int
    amount_cents: int = Field(gt=0)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status)


# --8<-- [start:store]
CLAIM = """INSERT INTO idempotency_keys (owner, key, fingerprint) VALUES (?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING key"""
FIRST = """SELECT fingerprint, status_code, body FROM idempotency_keys
           WHERE owner = ? AND key = ?"""


async def claim_key(db: aiosqlite.Connection, owner: str, key: str,
                    fingerprint: str) -> aiosqlite.Row | None:
    """None when this request is the first with the key, and owns it now; else the row
    of the request that came first. The primary key decides, in one statement."""
    while True:
        async with db.execute(CLAIM, (owner, key, fingerprint)) as inserted:
            if await inserted.fetchone() is not None:
                return None
        async with db.execute(FIRST, (owner, key)) as found:
            first = await found.fetchone()
        if first is not None:
            return first
        # the first request failed and let go of the key in between: claim it again


def replay_or_refuse(first: aiosqlite.Row, fingerprint: str) -> JSONResponse:
    fingerprint_then, status_code, body = first
    if fingerprint_then != fingerprint:
        return error(422, "idempotency_key_reused", "This key came with another body.")
    if status_code is None:
        return error(409, "idempotency_key_in_use", "The first request still runs.")
    return JSONResponse(json.loads(body), status_code)  # its answer, once more


# --8<-- [end:store]


def create_app(processor: Processor, database: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with aiosqlite.connect(database, isolation_level=None) as db:
            await db.execute(SCHEMA)
            app.state.keys = db
            yield

    app = FastAPI(lifespan=lifespan)

    # --8<-- [start:route]
    @app.post("/payments", status_code=201)
    async def pay(
        payment: PaymentIn,
        request: Request,
        x_patient: Annotated[str, Header()],  # stands for chapter 05's principal
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        if idempotency_key is None or not KEY.fullmatch(idempotency_key):
            return error(400, "idempotency_key_required", "Send an Idempotency-Key.")
        db, owner, key = request.app.state.keys, x_patient, idempotency_key
        fingerprint = hashlib.sha256(payment.model_dump_json().encode()).hexdigest()
        first = await claim_key(db, owner, key, fingerprint)
        if first is not None:
            return replay_or_refuse(first, fingerprint)
        try:
            reference = f"{owner}/{key}"  # for a processor that deduplicates, too
            charge_id = await processor.charge(payment.amount_cents, reference)
        except Exception:
            await db.execute("DELETE FROM idempotency_keys WHERE owner = ? AND key = ?",
                             (owner, key))  # forgotten: a retry may charge again
            return error(502, "payment_failed", "The payment processor failed.")
        body = {**payment.model_dump(), "charge_id": charge_id}
        await db.execute(
            "UPDATE idempotency_keys SET status_code = 201, body = ?"
            " WHERE owner = ? AND key = ?",
            (json.dumps(body), owner, key),
        )
        return JSONResponse(body, 201)

    # --8<-- [end:route]
    return app
