from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

PORTAL = "https://portal.clinic.example"


def routes(app: FastAPI) -> FastAPI:
    @app.get("/patients/me")
    async def read_me() -> dict:
        return {"id": 1}

    return app


# --8<-- [start:wildcard]
wildcard = routes(FastAPI())
wildcard.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
# --8<-- [end:wildcard]


# --8<-- [start:minimal]
app = routes(FastAPI())
app.add_middleware(
    CORSMiddleware,
    allow_origins=[PORTAL],
    allow_credentials=True,
    allow_methods=["GET", "POST", "PATCH", "DELETE"],
    allow_headers=["Authorization", "Content-Type"],
    max_age=600,
)
# --8<-- [end:minimal]
