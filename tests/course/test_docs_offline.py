"""The interactive API docs work with no network: every lab's `/docs` (the committed starter and
the solution) and the course server's `/api/docs`, each served by a real uvicorn, list every
operation of their OpenAPI document in Chromium while every request to another host is blocked.
A page that loads Swagger UI from a CDN stays blank, and fails here. ReDoc's script always
fetches a logo from the web, so `/redoc` is off everywhere."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from lab_sandboxes import insurer_sandbox, ships_insurer_sandbox

from course.engine.paths import CHECKS_DIR, REPO_ROOT
from course.engine.registry import all_labs
from course.engine.starters import export_committed
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
    found.append(Docs("course server", REPO_ROOT, app="course.learner.server:create_app", factory=True,
                      swagger="/api/docs", openapi="/api/openapi.json"))
    return found


NAMES = [docs.name for docs in every_docs(Path())]


@dataclass(frozen=True)
class Served:
    """A server of `every_docs`, started: its docs and its uvicorn process."""

    docs: Docs
    process: Any  # harness.servers.UvicornProcess (the harness is imported by the fixture)

    @property
    def base(self) -> str:
        return self.process.base_url

    def state(self) -> str:
        """'' while it serves; else why not, for a failure message."""
        if self.process.process is not None and self.process.process.poll() is None:
            return ""
        return f" (its uvicorn is not running; its last output: {self.process.tail()})"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    """Every server at once, each a real uvicorn on a free port, by name. Starters come from
    git, so a learner's edits to labs/ do not change what is tested."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(CHECKS_DIR))
        from harness.servers import UvicornProcess

    committed = tmp_path_factory.mktemp("committed")
    for lab in all_labs():
        export_committed(f"labs/{lab.slug}", committed)
    def environment(docs: Docs, sandboxes: contextlib.ExitStack) -> dict[str, str]:
        # The lab's development configuration (its .env.example, as the brief has it copied),
        # and one database file per server: two labs creating their tables in one new file at
        # the same moment race, and the loser's startup fails ("table already exists"). A lab
        # that reads its insurer at startup gets the sandbox it ships, as the brief starts it.
        lab = next((lab for lab in all_labs() if docs.folder.name == lab.slug), None)
        example = example_environment(lab.starter_dir) if lab else {}
        if ships_insurer_sandbox(docs.folder):
            example["CLINIC_INSURER_URL"] = sandboxes.enter_context(insurer_sandbox(docs.folder))
        return {**example, "CLINIC_DATABASE_URL":
                f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/clinic.db"}

    sandboxes = contextlib.ExitStack()
    started = {docs.name: Served(docs, UvicornProcess(
        docs.folder, docs.app, fork=True, env=environment(docs, sandboxes),
        extra_args=("--factory",) if docs.factory else ()))
        for docs in every_docs(committed)}
    try:
        for served in started.values():  # forked all at once, before any thread runs here
            served.process.start()
        for served in started.values():
            served.process.listening()  # a server that does not start fails its own tests
        yield started
    finally:
        for served in started.values():
            served.process.stop()
        sandboxes.close()


@pytest.fixture(scope="module")
def pages(servers: dict[str, Served]) -> Iterator[dict[str, OfflinePage]]:
    """One Chromium, one page per server's docs, all loading at once, by name."""
    with chromium() as browser:
        opened: dict[str, OfflinePage] = {}
        try:
            for name, served in servers.items():
                opened[name] = OfflinePage(browser)
                opened[name].open(served.base + served.docs.swagger)
            yield opened
        finally:
            for page in opened.values():
                page.close()


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

    def open(self, url: str) -> None:
        """Starts loading `url` and returns: every page loads at once, while the others wait."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            self.page.goto(url, wait_until="commit")
        except PlaywrightError as exc:
            self.errors.append(exc.message.splitlines()[0])

    def operations(self, count: int) -> set[tuple[str, str]]:
        """The (method, path) of every operation the docs list, once they list `count` (or the
        wait ran out: then what they list by then)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        with contextlib.suppress(PlaywrightTimeout):
            self.page.wait_for_function("n => document.querySelectorAll('.opblock').length >= n",
                                        arg=count, timeout=RENDER_TIMEOUT_MS)
        shown = self.page.eval_on_selector_all(".opblock", SHOWN_OPERATIONS)
        return {(method.strip().upper(), path.strip()) for method, path in shown}

    def close(self) -> None:
        self.context.close()


def example_environment(lab_dir: Path) -> dict[str, str]:
    """The variables a lab's `.env.example` sets (the brief copies it to `.env`), if it has one."""
    example = lab_dir / ".env.example"
    if not example.is_file():
        return {}
    found = {}
    for line in example.read_text(encoding="utf-8").splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.lstrip().startswith("#"):
            found[name.strip()] = value.strip()
    return found


def get(url: str) -> tuple[int, str, str]:
    """status, media type, body"""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode()


def documented(served: Served) -> set[tuple[str, str]]:
    docs = served.docs
    assert not served.state(), f"{docs.name} does not serve{served.state()}"
    status, _, body = get(served.base + docs.openapi)
    assert status == 200, f"{docs.name}: GET {docs.openapi} answered {status}"
    found = {(method.upper(), path) for path, item in json.loads(body)["paths"].items()
             for method in METHODS if method in item}
    assert found, f"{docs.name}: {docs.openapi} lists no operation"
    return found


@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_docs_list_every_operation_with_the_network_blocked(
        pages: dict[str, OfflinePage], servers: dict[str, Served], name: str) -> None:
    served, page = servers[name], pages[name]
    url = served.docs.swagger
    shown = page.operations(len(expected := documented(served)))
    assert not page.blocked, f"{name}: {url} tried to leave the machine: {page.blocked[:3]}"
    assert not page.errors, f"{name}: {url} failed in the browser: {page.errors[:3]}{served.state()}"
    assert shown == expected, (f"{name}: {url} listed {len(shown & expected)} of the "
                               f"{len(expected)} operations; missing {sorted(expected - shown)[:3]}, "
                               f"unexpected {sorted(shown - expected)[:3]}{served.state()}")


@pytest.mark.parametrize("name", NAMES)
def test_oauth2_redirect_is_served_and_redoc_is_off(servers: dict[str, Served], name: str) -> None:
    served = servers[name]
    redirect = served.docs.oauth2_redirect
    assert not served.state(), f"{name} does not serve{served.state()}"
    status, media_type, body = get(served.base + redirect)
    assert (status, media_type) == (200, "text/html") and "oauth2" in body, (
        f"{name}: GET {redirect} answered {status} {media_type}{served.state()}")
    status, _, body = get(served.base + "/redoc")
    assert not (status == 200 and "redoc" in body.lower()), f"{name}: GET /redoc serves ReDoc"
