"""The local course server: health, progress API, and the built pages."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from course.engine.state import StateStore, record_run
from course.learner.server import create_app


def test_liveness_does_not_depend_on_the_site(tmp_path: Path) -> None:
    with TestClient(create_app(site_dir=tmp_path / "missing", store=StateStore(tmp_path))) as client:
        assert client.get("/health/live").json() == {"status": "ok", "problems": []}
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert "not built" in ready.json()["problems"][0]


def test_pages_and_progress_are_served(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>FastAPI Boundaries</h1>")
    store = StateStore(tmp_path / "state")
    record_run(store, "01", {"one": "passed", "two": "failed"})
    with TestClient(create_app(site_dir=site, store=store)) as client:
        assert client.get("/health/ready").status_code == 200
        assert "FastAPI Boundaries" in client.get("/").text
        labs = {lab["id"]: lab for lab in client.get("/api/labs").json()}
        assert (labs["01"]["passing"], labs["01"]["total"], labs["01"]["checked"]) == (1, 2, True)
        assert labs["02"]["checked"] is False
        assert {c["outcome"] for c in labs["02"]["checks"]} == {"not checked"}
        assert client.get("/api/labs/99").status_code == 404


def test_the_status_stream_sends_the_status_then_every_change(tmp_path: Path) -> None:
    import json
    import threading

    store = StateStore(tmp_path)
    record_run(store, "01", {"one": "failed"})
    app = create_app(site_dir=tmp_path, store=store)
    with TestClient(app) as client, client.stream("GET", "/api/labs/01/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["x-accel-buffering"] == "no"
        events = (line.removeprefix("data: ") for line in stream.iter_lines()
                  if line.startswith("data: "))
        assert json.loads(next(events))["passing"] == 0
        threading.Timer(0.05, record_run, (store, "01", {"one": "passed"})).start()
        assert json.loads(next(events))["passing"] == 1


def test_a_lab_s_status_says_how_to_run_it_and_where(tmp_path: Path) -> None:
    """The panel's lab address comes from the port plan; its links are relative to the site."""
    from course.engine import ports

    with TestClient(create_app(site_dir=tmp_path, store=StateStore(tmp_path))) as client:
        lab = client.get("/api/labs/01").json()
    assert lab["url"] == f"http://127.0.0.1:{ports.lab_port(1)}"
    assert lab["run"].endswith(f"--port {ports.lab_port(1)}")
    assert all(check["lesson"].startswith("/01-") for check in lab["checks"] if check["lesson"])
