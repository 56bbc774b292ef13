"""The site: both builders (Material for MkDocs, and Zensical) build it with --strict from the same
generated pages, every chapter page shows its playground executed, nothing is fetched from the
network, and in a real headless Chromium the pages render with no console errors, mermaid diagrams
become SVG and search finds a lesson."""

from __future__ import annotations

import contextlib
import html
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn

from copies import run_course
from course.engine import ports
from course.engine.paths import LESSONS_DIR, PLAYGROUND_RENDERS_DIR
from course.engine.registry import all_labs
from course.engine.state import StateStore
from course.engine.variants import wrong_turns
from course.instructor.schedule import TRACKS, clock, plan_track
from course.instructor.schedule_page import chapter_blocks
from course.learner.server import create_app
from course.website.playgrounds import notebooks, render_path
from course.website.site_build import build_site, build_zensical
from programs import chromium

CHAPTER_PAGES = sorted(p.parent.name for p in LESSONS_DIR.glob("[0-9][0-9]-*/index.md"))
# Material renders mermaid into a *closed* shadow root; opening it lets the test see the SVG.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, {...init, mode: "open"}); };
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def zensical_site() -> Iterator[Path]:
    # Zensical writes only inside the project: a folder of its own under build/.
    PLAYGROUND_RENDERS_DIR.parent.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="site-zensical-test-", dir=PLAYGROUND_RENDERS_DIR.parent))
    try:
        yield build_zensical(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", params=["material", "zensical"])
def built(request: pytest.FixtureRequest) -> Path:
    """The site as each builder makes it."""
    return request.getfixturevalue("site" if request.param == "material" else "zensical_site")


def test_generated_pages_list_every_lab(built: Path) -> None:
    labs_html = (built / "labs" / "index.html").read_text()
    coverage_html = (built / "coverage" / "index.html").read_text()
    for lab in all_labs():
        assert lab.title in labs_html
        for check in lab.mapped_checks:
            assert f"{lab.id}:{check}" in coverage_html


def test_the_instructors_page_shows_the_schedule_and_the_wrong_turns(built: Path) -> None:
    """Every track's start times as lab.toml's minutes lay them, and every rejected variant's
    why, on the Instructors page and at the end of its chapter's page."""
    page = visible_text((built / "instructors" / "index.html").read_text())
    for track in TRACKS:
        assert track.name in page
        for day in plan_track(track, chapter_blocks(all_labs())).days:
            for slot in day.slots:
                assert f"{clock(slot.start)}" in page, f"{track.name}: no row at {slot.start}"
    for lab in all_labs():
        chapter = visible_text((built / lab.slug / "index.html").read_text())
        for turn in wrong_turns(lab):
            assert turn.why in page, f"Instructors page: no wrong turn {lab.id}:{turn.name}"
            assert turn.why in chapter, f"{lab.slug}: no wrong turn {turn.name}"


def test_nothing_is_fetched_from_another_host(built: Path) -> None:
    remote = re.compile(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    pages = list(built.rglob("*.html"))
    assert len(pages) > len(CHAPTER_PAGES)
    for page in pages:
        text = page.read_text()
        found = [m.group(0) for m in remote.finditer(text) if 'rel="canonical"' not in m.group(0)]
        assert not found, f"{page.relative_to(built)} loads from the network: {found[:2]}"
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text


def test_mermaid_is_vendored_with_the_site(built: Path) -> None:
    assert (built / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: p.parent.name)
def test_a_chapter_page_shows_its_playground_executed(built: Path, notebook: Path) -> None:
    """Every code cell of the notebook, and every output of the run the render recorded."""
    import nbformat

    page = (built / notebook.parent.name / "index.html").read_text()
    start = page.index('<details class="example playground-run"')
    block = page[start:page.index("</details>", start)]
    render = render_path(notebook).read_text(encoding="utf-8")
    outputs = render.count('title="output"')
    assert outputs and block.count('<span class="filename">output</span>') == outputs
    text = visible_text(block)
    for cell in nbformat.read(notebook, as_version=4).cells:
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        if cell.cell_type == "code" and first:
            assert first.strip() in text, f"{notebook.parent.name}: cell missing: {first}"
    for output in re.findall(r'title="output"\n {4}(.+)', render):
        assert output.strip() in text, f"{notebook.parent.name}: output missing: {output}"


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """The course server on 127.0.0.1 in a thread, for as long as the block runs."""
    port = ports.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the course server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def served(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(create_app(site_dir=site, store=StateStore(tmp_path_factory.mktemp("s")))) as url:
        yield url


@pytest.fixture(scope="module")
def served_zensical(zensical_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = StateStore(tmp_path_factory.mktemp("z"))
    with serving(create_app(site_dir=zensical_site, store=store)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


class PageVisit:
    """A page opened in Chromium, remembering console errors and requests to other hosts."""

    def __init__(self, browser, base: str, viewport: dict[str, int] | None = None) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.context.add_init_script(OPEN_SHADOW_ROOTS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", self._request)
        self.base = base

    def _request(self, request) -> None:
        host = urlparse(request.url).hostname
        if host not in (None, "127.0.0.1", "localhost") and not request.url.startswith("data:"):
            self.remote.append(request.url)

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def close(self) -> None:
        self.context.close()


MATERIAL_PAGES = ["/", "/labs/", "/coverage/", "/instructors/", *[f"/{n}/" for n in CHAPTER_PAGES]]
ZENSICAL_PAGES = ["/", "/labs/", *[f"/{n}/" for n in CHAPTER_PAGES]]


@pytest.mark.browser
@pytest.mark.parametrize(("built_by", "path"), [*[("served", path) for path in MATERIAL_PAGES],
                                                *[("served_zensical", path) for path in ZENSICAL_PAGES]])
def test_pages_render_offline_without_console_errors(browser, request: pytest.FixtureRequest,
                                                      built_by: str, path: str) -> None:
    visit = PageVisit(browser, request.getfixturevalue(built_by))
    try:
        visit.open(path)
        visit.page.wait_for_selector("article h1")
        visit.page.wait_for_load_state("networkidle")
        assert not visit.remote, f"{path}: requests left the machine: {visit.remote[:3]}"
        assert not visit.errors, f"{path}: console errors: {visit.errors[:3]}"
    finally:
        visit.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_mermaid_diagrams_render_to_svg(browser, served: str, name: str) -> None:
    visit = PageVisit(browser, served)
    try:
        visit.open(f"/{name}/")
        visit.page.wait_for_selector("div.mermaid svg", timeout=15_000)
        diagrams = visit.page.locator("div.mermaid")
        assert diagrams.count() >= 1
        assert not visit.errors, f"{name}: console errors: {visit.errors[:3]}"
    finally:
        visit.close()


@pytest.mark.browser
def test_search_finds_a_lesson(browser, served: str) -> None:
    visit = PageVisit(browser, served)
    try:
        visit.open("/")
        visit.page.locator("label.md-search__icon, .md-search__input").first.click()
        # Typed key by key: material's search listens to key events, not to a pasted value.
        visit.page.locator("input.md-search__input").press_sequentially("uvicorn", delay=20)
        results = visit.page.locator(".md-search-result__item a")
        results.first.wait_for(timeout=15_000)
        hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
        assert any("asgi-uvicorn" in href for href in hrefs), f"search for uvicorn found {hrefs}"
        assert not visit.errors, f"console errors: {visit.errors[:3]}"
    finally:
        visit.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_lab_status_panel_follows_the_checks_without_a_reload(
        browser, site: Path, course_copy: Path) -> None:
    """1. the starter is checked 2. the lab page shows failing checks 3. the lab is fixed and
    checked again 4. the same page, never reloaded, shows every check passing."""
    lab = course_copy / "labs" / "01-asgi-uvicorn"
    assert run_course(course_copy, "check", "01").returncode == 1
    app = create_app(site_dir=site, store=StateStore(course_copy / ".course"))
    with serving(app) as url:
        visit = PageVisit(browser, url)
        try:
            visit.open("/01-asgi-uvicorn/")
            panel = visit.page.locator(".lab-status[data-lab='01']")
            panel.wait_for(state="visible", timeout=10_000)
            assert panel.get_attribute("data-passing") != panel.get_attribute("data-total")
            assert "✗" in panel.inner_text()
            visit.page.evaluate("window.notReloaded = true")
            shutil.rmtree(lab / "app")
            shutil.copytree(course_copy / "solutions" / "01-asgi-uvicorn" / "app", lab / "app")
            assert run_course(course_copy, "check", "01").returncode == 0
            visit.page.wait_for_function(
                "() => { const p = document.querySelector(\".lab-status[data-lab='01']\");"
                " return p && p.dataset.passing === p.dataset.total; }", timeout=10_000)
            assert visit.page.evaluate("window.notReloaded") is True
            assert not visit.errors, visit.errors[:3]
        finally:
            visit.close()


# A reader's laptop: at 1280 px Material shows the navigation, the content column and the toc.
READING_VIEWPORT = {"width": 1280, "height": 800}
SMALLEST_DIAGRAM_TEXT_PX = 10
# Every code block (collapsed details opened first) that scrolls sideways, and every piece of
# diagram text with the size it is drawn at: font size times the SVG's scale on the screen.
MEASURE_PAGE = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const headings = [...document.querySelectorAll("article h1, article h2")];
  const section = (el) => {
    const before = headings.filter((h) => h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    return before.length ? (before[before.length - 1].id || before[before.length - 1].innerText) : "";
  };
  const wide = [...document.querySelectorAll("article pre > code")]
    .filter((code) => code.scrollWidth > code.clientWidth)
    .map((code) => ({section: section(code), overflow: code.scrollWidth - code.clientWidth,
                     line: code.innerText.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "")}));
  const texts = [];
  document.querySelectorAll("div.mermaid").forEach((host, index) => {
    const root = host.shadowRoot || host;
    root.querySelectorAll("text, tspan, foreignObject *").forEach((el) => {
      const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
      if (!own.length) return;
      let graphic = el;
      while (graphic && !(graphic instanceof SVGGraphicsElement)) graphic = graphic.parentElement;
      const matrix = graphic.getScreenCTM();
      const scale = Math.hypot(matrix.a, matrix.b);
      texts.push({diagram: index, section: section(host), text: own.map((n) => n.data.trim()).join(" "),
                  px: parseFloat(getComputedStyle(el).fontSize) * scale});
    });
  });
  return {wide, texts, diagrams: document.querySelectorAll("div.mermaid").length};
}"""
ALL_DIAGRAMS_DRAWN = """() => [...document.querySelectorAll("div.mermaid")]
  .every((host) => (host.shadowRoot || host).querySelector("svg"))"""


@pytest.fixture(scope="module")
def measured_pages(browser, served: str, site: Path) -> dict[str, dict]:
    """Every page of the built site, opened at 1280 px and measured once for both tests below."""
    measured = {}
    for page in sorted(site.rglob("index.html")):
        folder = page.parent.relative_to(site).as_posix()
        path = "/" if folder == "." else f"/{folder}/"
        visit = PageVisit(browser, served, viewport=READING_VIEWPORT)
        try:
            visit.open(path)
            visit.page.wait_for_selector("article h1")
            visit.page.wait_for_function(ALL_DIAGRAMS_DRAWN, timeout=15_000)
            measured[path] = visit.page.evaluate(MEASURE_PAGE)
        finally:
            visit.close()
    return measured


@pytest.mark.browser
def test_no_code_block_scrolls_sideways_at_1280_px(measured_pages: dict[str, dict]) -> None:
    assert len(measured_pages) >= 7, sorted(measured_pages)
    cut = [f"{path}#{block['section']}: {block['overflow']} px too wide: {block['line']!r}"
           for path, found in measured_pages.items() for block in found["wide"]]
    assert not cut, "code blocks wider than the content column:\n" + "\n".join(cut)


@pytest.mark.browser
def test_diagram_text_is_at_least_10_px(measured_pages: dict[str, dict]) -> None:
    drawn = {path: found for path, found in measured_pages.items() if found["diagrams"]}
    assert "/" in drawn and all(found["texts"] for found in drawn.values()), sorted(drawn)
    small = [f"{path}#{text['section']} diagram {text['diagram'] + 1}: {text['text']!r} at "
             f"{text['px']:.1f} px" for path, found in drawn.items() for text in found["texts"]
             if text["px"] < SMALLEST_DIAGRAM_TEXT_PX]
    assert not small, "diagram text too small to read:\n" + "\n".join(small)
