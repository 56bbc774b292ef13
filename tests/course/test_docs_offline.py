"""The interactive API docs work with no network: every lab's `/docs` (the committed starter and
the solution) and the course server's `/api/docs`, each served by a real uvicorn, list every
operation of their OpenAPI document in Chromium while every request to another host is blocked.
A page that loads Swagger UI from a CDN stays blank, and fails here. ReDoc cannot run offline
(its script fetches a logo from the web), so `/redoc` is off everywhere."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from course.paths import CHECKS_DIR, REPO_ROOT
from course.registry import all_labs
from course.starters import export_committed
from programs import chromium

LOOPBACK = ("127.0.0.1", "localhost")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
RENDER_TIMEOUT_MS = 20_000
SHOWN_OPERATIONS = """blocks => blocks.map(block => [
    block.querySelector('.opblock-summary-method')?.textContent ?? '',
    block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''])"""


@dataclass(frozen=True)
class Docs:
    """One server's interactive docs: how it is started, where its pages are."""

    name: str
    folder: Path  # the lab folder (committed starter, or solution); the repo for the course server
    app: str = "app.main:app"
    factory: bool = False
    swagger: str = "/docs"
    openapi: str = "/openapi.json"
    oauth2_redirect: str = "/docs/oauth2-redirect"


def every_docs(committed: Path) -> list[Docs]:
    found = []
    for lab in all_labs():
        found.append(Docs(f"{lab.slug} starter", committed / "labs" / lab.slug))
        found.append(Docs(f"{lab.slug} solution", lab.solution_dir))
    found.append(Docs("course server", REPO_ROOT, app="course.server:create_app", factory=True,
                      swagger="/api/docs", openapi="/api/openapi.json"))
    return found


NAMES = [docs.name for docs in every_docs(Path())]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Docs, str]]]:
    """Every server at once, each a real uvicorn on a free port: name -> (its docs, base URL).
    Starters come from git, so a learner's edits to labs/ do not change what is tested."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(CHECKS_DIR))
        from harness.servers import UvicornProcess

    committed = tmp_path_factory.mktemp("committed")
    for lab in all_labs():
        export_committed(f"labs/{lab.slug}", committed)
    env = {"CLINIC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/clinic.db"}
    started = {docs.name: (docs, UvicornProcess(docs.folder, docs.app, fork=True, env=env,
                                                extra_args=("--factory",) if docs.factory else ()))
               for docs in every_docs(committed)}
    try:
        for _, process in started.values():  # forked all at once, before any thread runs here
            process.start()
        yield {name: (docs, process.wait_ready().base_url) for name, (docs, process) in started.items()}
    finally:
        for _, process in started.values():
            process.stop()


@pytest.fixture(scope="module")
def browser(servers: dict[str, tuple[Docs, str]]):
    with chromium() as browser:
        yield browser


class OfflinePage:
    """A Chromium page on which every request to another host is aborted, and remembered."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route) -> None:
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("internetdisconnected")

    def operations(self, url: str, count: int) -> set[tuple[str, str]]:
        """The (method, path) of every operation the docs at `url` list, once they list `count`
        (or the wait ran out: then what they list by then)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.page.goto(url, wait_until="load")
        with contextlib.suppress(PlaywrightTimeout):
            self.page.wait_for_function("n => document.querySelectorAll('.opblock').length >= n",
                                        arg=count, timeout=RENDER_TIMEOUT_MS)
        shown = self.page.eval_on_selector_all(".opblock", SHOWN_OPERATIONS)
        return {(method.strip().upper(), path.strip()) for method, path in shown}

    def close(self) -> None:
        self.context.close()


def get(url: str) -> tuple[int, str, str]:
    """status, media type, body"""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode()


def documented(base: str, docs: Docs) -> set[tuple[str, str]]:
    status, _, body = get(base + docs.openapi)
    assert status == 200, f"{docs.name}: GET {docs.openapi} answered {status}"
    found = {(method.upper(), path) for path, item in json.loads(body)["paths"].items()
             for method in METHODS if method in item}
    assert found, f"{docs.name}: {docs.openapi} lists no operation"
    return found


@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_docs_list_every_operation_with_the_network_blocked(
        browser, servers: dict[str, tuple[Docs, str]], name: str) -> None:
    docs, base = servers[name]
    expected = documented(base, docs)
    page = OfflinePage(browser)
    try:
        shown = page.operations(base + docs.swagger, len(expected))
    finally:
        page.close()
    assert not page.blocked, f"{name}: {docs.swagger} tried to leave the machine: {page.blocked[:3]}"
    assert not page.errors, f"{name}: {docs.swagger} raised in the page: {page.errors[:3]}"
    assert shown == expected, (f"{name}: {docs.swagger} listed {len(shown & expected)} of the "
                               f"{len(expected)} operations; missing {sorted(expected - shown)[:3]}, "
                               f"unexpected {sorted(shown - expected)[:3]}")


@pytest.mark.parametrize("name", NAMES)
def test_oauth2_redirect_is_served_and_redoc_is_off(
        servers: dict[str, tuple[Docs, str]], name: str) -> None:
    docs, base = servers[name]
    status, media_type, body = get(base + docs.oauth2_redirect)
    assert (status, media_type) == (200, "text/html") and "oauth2" in body, (
        f"{name}: GET {docs.oauth2_redirect} answered {status} {media_type}")
    status, _, body = get(base + "/redoc")
    assert not (status == 200 and "redoc" in body.lower()), f"{name}: GET /redoc serves ReDoc"
