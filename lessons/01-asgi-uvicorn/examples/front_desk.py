from fastapi import FastAPI

app = FastAPI(title="Front desk")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
