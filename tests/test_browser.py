"""The course in a real browser: the static site, and a widget in JupyterLab.

The browser is Debian's ``chromium`` (``make test`` installs it with
``tools/ensure_chromium.sh``), driven by Playwright for Python through ``executable_path``;
Playwright downloads no browser of its own. Without chromium these tests are skipped, except
when the ``CI`` variable is set: there they fail.

Every page is checked for console errors, page errors, failed requests and requests that
leave the machine (those are also aborted). Screenshots go to ``test-output/site/``.
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
INLINE_MATH = re.compile(r"\$[^$\n]+\$")


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
def _open_page(browser: Any) -> Iterator[tuple[Any, PageLog]]:
    """A fresh browser context and page that record errors and abort off-machine requests."""
    log = PageLog()
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")

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


def _widget_views(notebook: Any) -> int:
    if "widgets" not in notebook.metadata:
        return 0
    return sum(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


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
