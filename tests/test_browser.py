"""The course in a real browser: the static site, and a widget in JupyterLab.

The browser is Debian's ``chromium`` (``make test`` installs it with
``tools/ensure_chromium.sh``), driven by Playwright for Python through ``executable_path``;
Playwright downloads no browser of its own. Without chromium these tests are skipped, except
when the ``CI`` variable is set: there they fail.

Every page is checked for console errors, page errors, failed requests and requests that
leave the machine (those are also aborted). The header's downloads, the dark theme (with
Playwright's ``color_scheme`` emulation) and the search box on a page opened from the disk
(``file://``) are checked too. Screenshots go to ``test-output/site/``.
Every server and browser is stopped in a fixture's finaliser, and a test checks that a
failing JupyterLab session leaves no process and no open port behind.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest

from course_utils import notebooks
from tools import site

ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = ROOT / "test-output" / "site"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Root needs --no-sandbox; the others stop chromium's own calls to the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
PAGE_TIMEOUT_MS = 60_000
# A notebook with an `interactive` IntSlider (its user explorer) whose output names the value.
LAB_NOTEBOOK = "00_start_here.ipynb"
LAB_START_SECONDS = 120
LAB_RUN_ALL_MS = 180_000
NOTEBOOK_PATHS = notebooks.list_notebooks()
PAGES = [site.INDEX_PAGE] + [f"{path.stem}.html" for path in NOTEBOOK_PATHS]
#: The Chinese edition's pages (tools/translate.py writes notebooks/zh/).
CHINESE_PAGES = [site.ZH_INDEX_PAGE] + [
    f"{path.stem}{site.ZH_SUFFIX}"
    for path in notebooks.list_notebooks(notebooks.NOTEBOOK_DIR / site.ZH_FOLDER)
]
INLINE_MATH = re.compile(r"\$[^$\n]+\$")
# A word that one notebook's markdown holds and no other's: TensorFlow's multi-GPU strategy,
# which only notebook 12 (resources and scale) names. The search test checks this first.
SEARCH_TERM = "MirroredStrategy"
NO_MATCH_TERM = "qzxv-no-such-word"


def _unavailable(reason: str) -> None:
    """Skip a test that cannot run here; under CI, fail it instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


# ---------------------------------------------------------------------------------------
# Processes and ports: nothing may be left behind.


def _process_table() -> dict[int, tuple[int, str]]:
    """Map each pid to its parent pid and state letter, from ``ps`` (Linux and macOS)."""
    result = subprocess.run(
        ["ps", "-A", "-o", "pid=,ppid=,stat="], capture_output=True, text=True, check=True
    )
    table = {}
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            table[int(fields[0])] = (int(fields[1]), fields[2])
    return table


def _descendants(pid: int) -> set[int]:
    """Return the pids of every living process below ``pid``."""
    table = _process_table()
    found, frontier = set(), {pid}
    while frontier:
        children = {
            child
            for child, (parent, state) in table.items()
            if parent in frontier and not state.startswith("Z")
        }
        frontier = children - found
        found |= children
    return found


def _alive(pids: set[int]) -> set[int]:
    """Return the pids that still run (a zombie waiting to be reaped does not run)."""
    table = _process_table()
    return {pid for pid in pids if pid in table and not table[pid][1].startswith("Z")}


def _wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    left = _alive(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _alive(left)
    return left


def _kill(pids: set[int]) -> set[int]:
    """Stop processes: SIGTERM, then SIGKILL; return those still running after both."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        for pid in _alive(pids):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        pids = _wait_gone(pids, grace)
        if not pids:
            break
    return pids


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_is_closed(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module", autouse=True)
def no_leftover_processes() -> Iterator[None]:
    """Fail the module if any process it started outlives it (and stop that process)."""
    before = _descendants(os.getpid())
    yield
    new = _wait_gone(_descendants(os.getpid()) - before, 10.0)
    stubborn = _kill(new)
    assert not new, f"processes left behind by the browser tests (now stopped): {sorted(new)}"
    assert not stubborn, f"processes that survived SIGKILL: {sorted(stubborn)}"


# ---------------------------------------------------------------------------------------
# The browser.


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright; closed even when a test fails."""
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("chromium is not on the PATH; run tools/ensure_chromium.sh (make test does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed; run `make setup`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageLog:
    """What went wrong while a page was open."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    off_machine: list[str] = field(default_factory=list)

    def assert_clean(self, where: str) -> None:
        assert not self.off_machine, f"{where}: requests that leave the machine: {self.off_machine}"
        assert not self.errors, f"{where}: console or page errors: {self.errors}"
        assert not self.failed, f"{where}: failed requests: {self.failed}"


def _leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("file", "data", "blob", "about", "chrome", "devtools"):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


@contextlib.contextmanager
def _open_page(browser: Any, color_scheme: str = "light") -> Iterator[tuple[Any, PageLog]]:
    """A fresh browser context and page that record errors and abort off-machine requests.

    ``color_scheme`` is the system setting the page sees (``prefers-color-scheme``).
    """
    log = PageLog()
    context = browser.new_context(
        viewport=VIEWPORT, service_workers="block", color_scheme=color_scheme
    )

    def guard(route: Any) -> None:
        if _leaves_machine(route.request.url):
            log.off_machine.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    try:
        context.route("**/*", guard)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.on("console", lambda m: m.type == "error" and log.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda error: log.errors.append(f"page error: {error}"))
        page.on(
            "request",
            lambda r: (
                _leaves_machine(r.url)
                and r.url not in log.off_machine
                and log.off_machine.append(r.url)
            ),
        )
        page.on(
            "requestfailed",
            lambda r: r.url not in log.off_machine and log.failed.append(f"{r.url}: {r.failure}"),
        )
        page.on("response", lambda r: r.status >= 400 and log.failed.append(f"{r.url}: {r.status}"))
        yield page, log
    finally:
        context.close()


def _wait_for_mathjax(page: Any) -> None:
    """Wait until MathJax 2 has typeset the page (its queue runs our callback last)."""
    page.wait_for_function("() => window.MathJax && window.MathJax.Hub")
    page.evaluate("() => new Promise(resolve => MathJax.Hub.Queue(resolve))")


# ---------------------------------------------------------------------------------------
# The static site.


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> site.SiteReport:
    """The site, built from the stored notebooks into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "site"
    try:
        return site.build_site(out, log=lambda line: None)
    except site.NpmMissingError as error:
        _unavailable(str(error))
        raise  # pragma: no cover - _unavailable always raises


@pytest.fixture(scope="module")
def site_url(built_site: site.SiteReport) -> Iterator[str]:
    """The site, served by a local HTTP server on a free loopback port, stopped afterwards."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert not thread.is_alive(), "the site's HTTP server thread did not stop"
    assert _port_is_closed(port), f"port {port} is still open after the site server stopped"


def _notebook_for(page_name: str) -> Any:
    if page_name == site.INDEX_PAGE:
        return site.index_notebook()
    return nbformat.read(notebooks.NOTEBOOK_DIR / page_name.replace(".html", ".ipynb"), 4)


def _has_math(notebook: Any) -> bool:
    return any(
        cell.cell_type == "markdown" and ("$$" in cell.source or INLINE_MATH.search(cell.source))
        for cell in notebook.cells
    )


def _stored_outputs(notebook: Any, mime: str) -> int:
    """How many of a notebook's stored outputs hold data of this MIME type."""
    return sum(
        mime in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def _widget_views(notebook: Any) -> int:
    if "widgets" not in notebook.metadata:
        return 0
    return _stored_outputs(notebook, "application/vnd.jupyter.widget-view+json")


def _archive_skipped(report: site.SiteReport) -> bool:
    """Whether the build left out the repository's archive (no git, or not a checkout)."""
    return any("no repository download" in note for note in report.notes)


def test_site_has_a_page_per_notebook_and_an_index(built_site: site.SiteReport) -> None:
    assert built_site.pages == PAGES
    assert len(built_site.pages) == len(NOTEBOOK_PATHS) + 1


def test_site_links_point_to_files_of_the_site(built_site: site.SiteReport) -> None:
    # A link to a notebook that does not exist (yet) would be a dead link for the reader.
    assert not built_site.warnings, "\n".join(built_site.warnings)


def test_some_page_has_a_widget() -> None:
    # The widgets are the course's main interactive feature; the site must show at least one.
    assert any(_widget_views(_notebook_for(page)) for page in PAGES), (
        "no notebook stores widget state; re-execute with `make execute`, which stores it"
    )


@pytest.mark.parametrize("page_name", PAGES)
def test_static_page(browser: Any, site_url: str, page_name: str) -> None:
    notebook = _notebook_for(page_name)
    with _open_page(browser) as (page, log):
        page.goto(site_url + page_name, wait_until="load")
        _wait_for_mathjax(page)
        views = _widget_views(notebook)
        if views:
            # The widget manager draws each stored widget after the page has loaded.
            page.wait_for_function(
                "n => document.querySelectorAll('.jp-OutputArea-output .jupyter-widgets')"
                ".length >= n",
                arg=views,
            )
        page.wait_for_load_state("networkidle")
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT_DIR / page_name.replace(".html", ".png")))
        if views:
            page.locator(".jupyter-widgets").first.scroll_into_view_if_needed()
            page.screenshot(path=str(OUTPUT_DIR / page_name.replace(".html", "-widget.png")))
        typeset = page.locator(".MathJax_CHTML").count()
        math_errors = page.locator(".mjx-merror, .MathJax_Error").all_inner_texts()
        title = page.title()
    log.assert_clean(page_name)
    assert not math_errors, f"{page_name}: MathJax could not typeset: {math_errors}"
    if _has_math(notebook):
        assert typeset > 0, f"{page_name}: its markdown has math, and none was typeset"
    assert site.COURSE_TITLE in title


def test_site_opens_from_disk(browser: Any, built_site: site.SiteReport) -> None:
    # A reader may open index.html straight from the disk (file://): the pages work there too.
    widget_page = next(page for page in PAGES if _widget_views(_notebook_for(page)))
    for page_name in (site.INDEX_PAGE, widget_page):
        with _open_page(browser) as (page, log):
            page.goto((built_site.out / page_name).as_uri(), wait_until="load")
            _wait_for_mathjax(page)
            if page_name == widget_page:
                page.wait_for_selector(".jp-OutputArea-output .jupyter-widgets")
            typeset = page.locator(".MathJax_CHTML").count()
        log.assert_clean(f"file://.../{page_name}")
        if _has_math(_notebook_for(page_name)):
            assert typeset > 0, f"{page_name} from disk: no math was typeset"


def test_the_site_has_the_chinese_edition(built_site: site.SiteReport) -> None:
    assert built_site.chinese_pages == CHINESE_PAGES
    assert len(CHINESE_PAGES) == len(PAGES), "every page has its Chinese twin"
    for name in CHINESE_PAGES:
        html = (built_site.out / name).read_text(encoding="utf-8")
        english = (
            site.INDEX_PAGE if name == site.ZH_INDEX_PAGE else name.replace(site.ZH_SUFFIX, ".html")
        )
        assert f'class="site-language" href="{english}"' in html, name
        assert not site.external_loads(html), name
    assert len(CHINESE_SAMPLE) == 3


#: The Chinese pages opened in the browser: the index, the first notebook, and the notebook
#: with the most formulas. Every Chinese page shares the English pages' template and assets,
#: which the English pages' tests open one by one; test_the_site_has_the_chinese_edition and
#: the build's link check cover every Chinese page without a browser.
CHINESE_SAMPLE = [
    page
    for page in CHINESE_PAGES
    if page in (site.ZH_INDEX_PAGE, f"00_start_here{site.ZH_SUFFIX}") or page.startswith("04_")
]


@pytest.mark.parametrize("page_name", CHINESE_SAMPLE)
def test_chinese_page(browser: Any, site_url: str, page_name: str) -> None:
    # A Chinese page loads offline and cleanly, typesets its math, and its language link
    # goes to the same page in English.
    english = (
        site.INDEX_PAGE
        if page_name == site.ZH_INDEX_PAGE
        else page_name.replace(site.ZH_SUFFIX, ".html")
    )
    with _open_page(browser) as (page, log):
        page.goto(site_url + page_name, wait_until="load")
        _wait_for_mathjax(page)
        page.wait_for_load_state("networkidle")
        math_errors = page.locator(".mjx-merror, .MathJax_Error").all_inner_texts()
        heading = page.locator("h1").first.inner_text()
        switch = page.locator(".site-header a.site-language")
        assert switch.inner_text().strip().endswith("English")
        switch.click()
        page.wait_for_load_state("load")
        landed = page.url
    log.assert_clean(page_name)
    assert not math_errors, f"{page_name}: MathJax could not typeset: {math_errors}"
    assert any("\u4e00" <= character <= "\u9fff" for character in heading), heading
    assert landed == site_url + english


def test_an_english_page_switches_to_its_chinese_twin(
    browser: Any, built_site: site.SiteReport, site_url: str
) -> None:
    chinese = CHINESE_PAGES[1]
    english = chinese.replace(site.ZH_SUFFIX, ".html")
    with _open_page(browser) as (page, log):
        page.goto(site_url + english, wait_until="load")
        page.locator(".site-header a.site-language").click()
        page.wait_for_load_state("load")
        landed = page.url
    log.assert_clean(english)
    assert landed == site_url + chinese
    pages = [built_site.out / name for name in PAGES]
    without = [p.name for p in pages if 'class="site-language"' not in p.read_text("utf-8")]
    assert not without, f"pages without a link to the other edition: {without}"


# ---------------------------------------------------------------------------------------
# The header: downloads, the dark theme and the search box.


def test_header_downloads_the_notebook_and_its_student_version(
    browser: Any, built_site: site.SiteReport, site_url: str, tmp_path: Path
) -> None:
    page_name = PAGES[1]
    stem = page_name.removesuffix(".html")
    with _open_page(browser) as (page, log):
        page.goto(site_url + page_name, wait_until="load")
        links = page.locator(".site-header a.site-download").evaluate_all(
            "links => links.map(a => [a.getAttribute('href'), a.getAttribute('download')])"
        )
        with page.expect_download() as student_download:
            page.locator(f'.site-header a[href="student/{stem}.ipynb"]').click()
        download = student_download.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    log.assert_clean(page_name)
    expected = [
        [f"notebooks/{stem}.ipynb", f"{stem}.ipynb"],
        [f"student/{stem}.ipynb", f"{stem}-student.ipynb"],
    ]
    if not _archive_skipped(built_site):
        expected.append([site.ARCHIVE_URL, ""])
    assert links == expected
    assert download.suggested_filename == f"{stem}-student.ipynb"
    assert saved.read_bytes() == (built_site.out / "student" / f"{stem}.ipynb").read_bytes()
    copied = built_site.out / "notebooks" / f"{stem}.ipynb"
    assert copied.read_bytes() == (notebooks.NOTEBOOK_DIR / f"{stem}.ipynb").read_bytes()


def test_repository_download_holds_the_committed_files(built_site: site.SiteReport) -> None:
    index = (built_site.out / site.INDEX_PAGE).read_text(encoding="utf-8")
    if _archive_skipped(built_site):
        # Not a git checkout (or no git): the build said so, and links no archive.
        assert site.ARCHIVE_URL not in index
        assert not (built_site.out / site.ARCHIVE_URL).exists()
        return
    assert f'href="{site.ARCHIVE_URL}"' in index
    committed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    with zipfile.ZipFile(built_site.out / site.ARCHIVE_URL) as archive:
        files = {name for name in archive.namelist() if not name.endswith("/")}
    assert files == {site.ARCHIVE_PREFIX + name for name in committed if name}


def _rgb(css_color: str) -> tuple[float, float, float, float]:
    """``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` as red, green and blue in [0, 1] and alpha."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_color)]
    assert len(values) in (3, 4), f"not an rgb() colour: {css_color}"
    return values[0] / 255, values[1] / 255, values[2] / 255, values[3] if len(values) == 4 else 1


def _lightness(css_color: str, backdrop: str | None = None) -> float:
    """The colour's relative luminance (0 black, 1 white), seen over an opaque ``backdrop``.

    A translucent colour (JupyterLab's text colours are) needs the backdrop it is seen on.
    """
    red, green, blue, alpha = _rgb(css_color)
    if alpha < 1:
        assert backdrop is not None, f"{css_color} is translucent; give its backdrop"
        under = _rgb(backdrop)
        assert under[3] == 1, f"the backdrop {backdrop} is not opaque"
        red, green, blue = (alpha * c + (1 - alpha) * u for c, u in zip((red, green, blue), under))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


COMPUTED_COLOURS = """() => {
  const style = (selector, property) => {
    const element = document.querySelector(selector);
    return element ? getComputedStyle(element)[property] : null;
  };
  return {
    page: style("body", "backgroundColor"),
    text: style(".jp-MarkdownCell .jp-RenderedMarkdown p", "color"),
    link: style(".jp-MarkdownCell .jp-RenderedMarkdown a", "color"),
    header: style(".site-header", "backgroundColor"),
    header_text: style(".site-header a.site-header-home", "color"),
    code: style(".jp-CodeCell .jp-InputArea-editor", "backgroundColor"),
    code_text: style(".jp-CodeCell .jp-InputArea-editor .highlight", "color"),
    output_text: style(".jp-OutputArea-output pre", "color"),
    table_row: style(".jp-RenderedHTMLCommon tbody tr:nth-child(odd)", "backgroundColor"),
    table_text: style(".jp-RenderedHTMLCommon td", "color"),
    image: style(".jp-RenderedImage img", "backgroundColor"),
  };
}"""


def test_dark_theme_follows_the_system_setting(
    browser: Any, built_site: site.SiteReport, site_url: str
) -> None:
    # A page with a figure, a table and text outputs, so that every kind of content is measured.
    page_name = next(
        page
        for page in PAGES[1:]
        if _stored_outputs(_notebook_for(page), "image/png")
        and "<tbody" in (built_site.out / page).read_text(encoding="utf-8")
    )
    colours = {}
    for scheme in ("light", "dark"):
        with _open_page(browser, color_scheme=scheme) as (page, log):
            page.goto(site_url + page_name, wait_until="load")
            colours[scheme] = page.evaluate(COMPUTED_COLOURS)
            OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUTPUT_DIR / page_name.replace(".html", f"-{scheme}.png")))
        log.assert_clean(f"{page_name} ({scheme})")
    light, dark = colours["light"], colours["dark"]
    missing = [name for name, colour in {**light, **dark}.items() if colour is None]
    assert not missing, f"{page_name}: nothing to measure for {missing}"
    assert light["page"] != dark["page"]
    assert _lightness(light["page"]) > 0.9 and _lightness(dark["page"]) < 0.1
    for background in ("header", "code", "table_row"):
        assert _lightness(dark[background]) < 0.25, (background, dark[background])
        assert _lightness(light[background]) > 0.75, (background, light[background])
    for text in ("text", "header_text", "code_text", "output_text", "table_text"):
        assert _lightness(dark[text], dark["page"]) > 0.6, (text, dark[text])
        assert _lightness(light[text], light["page"]) < 0.4, (text, light[text])
    assert dark["link"] != light["link"] and _lightness(dark["link"], dark["page"]) > 0.3
    # Figures were drawn for a white page: in the dark they keep a white backdrop.
    assert _lightness(dark["image"]) > 0.95


def _pages_whose_markdown_says(term: str) -> list[str]:
    return [
        f"{path.stem}.html"
        for path in NOTEBOOK_PATHS
        if any(
            term.lower() in cell.source.lower()
            for cell in nbformat.read(path, 4).cells
            if cell.cell_type == "markdown"
        )
    ]


def test_search_works_from_disk(browser: Any, built_site: site.SiteReport) -> None:
    holders = _pages_whose_markdown_says(SEARCH_TERM)
    assert len(holders) == 1, (
        f"SEARCH_TERM {SEARCH_TERM!r} is in the markdown of {holders}; pick a word that one "
        "notebook's markdown holds and no other's"
    )
    target = holders[0]
    start = next(page for page in PAGES[1:] if page != target)
    with _open_page(browser) as (page, log):
        page.goto((built_site.out / start).as_uri(), wait_until="load")
        box = page.locator("#site-search-input")
        box.press_sequentially(SEARCH_TERM.lower())
        results = page.locator("#site-search-results a.site-search-result")
        results.first.wait_for()
        hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        marked = page.locator("#site-search-results mark").first.text_content()
        first = page.locator(f'#site-search-results a.site-search-result[href^="{target}#"]').first
        first_href = first.get_attribute("href")
        first.click()
        page.wait_for_url(f"**/{first_href}")
        anchor_found = page.evaluate(
            "() => { const id = location.hash.slice(1); return !!("
            "document.getElementById(id) || document.getElementById(decodeURIComponent(id))); }"
        )
        page.locator("#site-search-input").fill(NO_MATCH_TERM)
        message = page.locator("#site-search-results .site-search-message")
        message.wait_for()
        no_match_text = message.text_content()
        no_match_links = page.locator("#site-search-results a").count()
    log.assert_clean(f"file://.../{start} (search)")
    pages = {href.split("#")[0] for href in hrefs}
    assert target in pages, f"no result links to {target}: {hrefs}"
    assert pages <= {target, site.INDEX_PAGE}, f"results link to other notebooks: {hrefs}"
    assert marked.lower() == SEARCH_TERM.lower()
    assert first_href.startswith(f"{target}#") and anchor_found, first_href
    assert no_match_text == f"No results for \u201c{NO_MATCH_TERM}\u201d."
    assert no_match_links == 0


# ---------------------------------------------------------------------------------------
# JupyterLab.


@dataclass
class LabServer:
    """A JupyterLab server started for a test."""

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    log_path: Path
    stopped_by: str = ""
    pids: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def api(self, path: str, method: str = "GET", body: dict | None = None) -> Any:
        """Call the server's REST API with the token; return the decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data if data is not None else (b"" if method == "POST" else None),
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else None

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def stop(self) -> None:
        """Shut down cleanly through the API; kill the process group and kernels if needed."""
        self.pids = {self.process.pid} | _descendants(self.process.pid)
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.api("api/shutdown", method="POST")
            try:
                self.process.wait(timeout=30)
                self.stopped_by = "api/shutdown"
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                    self.stopped_by = "SIGTERM"
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
                    self.stopped_by = "SIGKILL"
        else:
            self.stopped_by = f"had exited ({self.process.returncode})"
        # Kernels run in sessions of their own, so the process group does not hold them.
        leftover = _wait_gone(self.pids, 10.0)
        if leftover:
            _kill(leftover)


def _wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + LAB_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited at start:\n{server.log_tail()}")
        with contextlib.suppress(OSError, ValueError):
            status = server.api("api/status")
            if status is not None:
                return
        time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer in {LAB_START_SECONDS} s:\n{server.log_tail()}")


@contextlib.contextmanager
def jupyter_lab(root: Path) -> Iterator[LabServer]:
    """Run JupyterLab on a free loopback port with a random token; stop it however we leave.

    Its configuration, settings, workspaces and runtime files live under ``root``, so the
    test neither reads nor changes the user's.
    """
    home = root / ".jupyter-home"
    user_settings = {
        # No news feed, no update check: the server makes no request of its own.
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # Start the notebook's kernel without asking (JupyterLab 4 asks by default).
        "notebook-extension/tracker": {"autoStartDefaultKernel": True},
    }
    for name, values in user_settings.items():
        path = home / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    environment = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    port, token = _free_port(), secrets.token_hex(24)
    log_path = home / "jupyterlab.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.open_browser=False",
                "--LabApp.news_url=None",
                "--LabApp.extension_manager=readonly",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                # CI containers often run as root, which JupyterLab refuses unless told.
                *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
            ],
            cwd=root,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(process, port, token, root, log_path)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        server.stop()


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[LabServer]:
    """JupyterLab serving a copy of the widget notebook (autosave cannot touch the repo)."""
    if shutil.which("chromium") is None:
        _unavailable("chromium is not on the PATH; run tools/ensure_chromium.sh (make test does)")
    shutil.copy(notebooks.NOTEBOOK_DIR / LAB_NOTEBOOK, tmp_path / LAB_NOTEBOOK)
    with jupyter_lab(tmp_path) as server:
        yield server
    assert not _alive(server.pids), f"JupyterLab left processes: {sorted(_alive(server.pids))}"
    assert _port_is_closed(server.port), f"JupyterLab left port {server.port} open"


def _wait_for_idle_kernel(page: Any, timeout_ms: int) -> None:
    """Wait until the notebook's kernel is connected and idle, as the status bar shows it.

    The toolbar's execution indicator reads "idle" before any kernel exists, so the status
    bar's "<kernel> | Idle" is the signal (not "No Kernel | ...", not "Connecting").
    """
    page.wait_for_function(
        "() => { const bar = document.querySelector('.jp-StatusBar-Widget');"
        " const text = bar ? bar.textContent : '';"
        " return /\\| Idle/.test(text) && !text.includes('No Kernel'); }",
        timeout=timeout_ms,
    )


def test_jupyterlab_slider_updates_the_output(browser: Any, lab_server: LabServer) -> None:
    with _open_page(browser) as (page, log):
        page.goto(f"{lab_server.url}lab/tree/{LAB_NOTEBOOK}?token={lab_server.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=LAB_START_SECONDS * 1000)
        _wait_for_idle_kernel(page, LAB_START_SECONDS * 1000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        # The user explorer: an `interactive` box holding the slider and its output.
        explorer = page.locator(".jp-OutputArea-output .widget-interact").first
        explorer.wait_for(state="attached", timeout=LAB_RUN_ALL_MS)
        # Run All is done when no cell shows [*] and the kernel is idle again.
        page.wait_for_function(
            "() => ![...document.querySelectorAll('.jp-InputPrompt')]"
            ".some(p => p.textContent.includes('*'))",
            timeout=LAB_RUN_ALL_MS,
        )
        _wait_for_idle_kernel(page, LAB_RUN_ALL_MS)
        explorer.scroll_into_view_if_needed()
        readout = explorer.locator(".widget-readout").first
        output = explorer.locator(".widget-output").first
        value_before, text_before = readout.text_content(), output.text_content()
        handle = explorer.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")  # noUiSlider moves one step; the kernel reruns the function
        page.wait_for_function(
            "([out, before]) => out.textContent !== before && out.textContent.trim() !== ''",
            arg=[output.element_handle(), text_before],
            timeout=60_000,
        )
        value_after, text_after = readout.text_content(), output.text_content()
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        explorer.screenshot(path=str(OUTPUT_DIR / "jupyterlab-slider.png"))
    assert int(value_after) == int(value_before) + 1, (value_before, value_after)
    # In notebook 00 the explorer describes a user: user 1 first, user 2 after one step.
    assert f"user {value_before}:" in text_before, text_before
    assert f"user {value_after}:" in text_after, text_after
    # JupyterLab loads everything from the local server, and nothing went wrong on the way.
    log.assert_clean("JupyterLab")


def test_jupyterlab_leaves_nothing_behind_when_a_test_fails(tmp_path: Path) -> None:
    class SimulatedFailure(Exception):
        pass

    with pytest.raises(SimulatedFailure), jupyter_lab(tmp_path) as server:
        kernel = server.api("api/kernels", method="POST", body={"name": "python3"})
        deadline = time.monotonic() + 60
        while len(_descendants(server.process.pid)) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _descendants(server.process.pid), f"kernel {kernel['id']} never started"
        raise SimulatedFailure
    assert server.stopped_by == "api/shutdown", f"stopped by {server.stopped_by}, not cleanly"
    assert len(server.pids) >= 2, "the server and its kernel were not both seen"
    assert not _alive(server.pids), f"processes left behind: {sorted(_alive(server.pids))}"
    assert _port_is_closed(server.port), f"port {server.port} is still open"
