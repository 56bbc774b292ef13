import os

import uvicorn


# --8<-- [start:options]
def uvicorn_options(environment: str) -> dict[str, object]:
    if environment == "development":
        return {"reload": True, "reload_dirs": ["app"], "log_level": "debug"}
    return {"workers": int(os.environ.get("WEB_CONCURRENCY", "2")), "log_level": "info",
            "proxy_headers": True, "timeout_graceful_shutdown": 20}


def main() -> None:
    environment = os.environ.get("CLINIC_ENV", "production")
    uvicorn.run("app.main:app", host="0.0.0.0", port=8000,
                **uvicorn_options(environment))
# --8<-- [end:options]


if __name__ == "__main__":
    main()
