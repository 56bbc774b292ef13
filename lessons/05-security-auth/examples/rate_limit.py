import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import FastAPI, HTTPException, Request
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel

hasher = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))
PASSWORD_HASHES = {"ada@example.org": hasher.hash("portal-pw-1")}
DUMMY_HASH = hasher.hash("a password nobody has")


def password_matches(email: str, password: str) -> bool:
    stored = PASSWORD_HASHES.get(email)
    valid = hasher.verify(password, stored or DUMMY_HASH)
    return stored is not None and valid


# --8<-- [start:window]
class SlidingWindow:
    def __init__(self, limit: int, seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, key: str) -> float | None:
        now = self.clock()
        hits = self.hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.seconds - now
        hits.append(now)
        return None
# --8<-- [end:window]


class SignIn(BaseModel):
    email: str
    password: str


app = FastAPI()
limiter = SlidingWindow(limit=5, seconds=60)


# --8<-- [start:route]
@app.post("/auth/token")
def sign_in(body: SignIn, request: Request) -> dict:
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(f"{client}|{body.email.casefold()}")
    if wait is not None:
        raise HTTPException(429, "Too many sign-in attempts; try again later.",
                            headers={"Retry-After": str(math.ceil(wait))})
    if not password_matches(body.email, body.password):
        raise HTTPException(401, "Not authenticated",
                            headers={"WWW-Authenticate": "Bearer"})
    return {"access_token": "...", "token_type": "bearer"}
# --8<-- [end:route]
