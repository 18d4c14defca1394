"""Build the course's static HTML site from the notebooks' stored outputs, offline.

Command line::

    python -m tools.site build [--out site]     # or: make site

The site holds ``index.html`` (the course map), one ``NN_name.html`` per notebook with its
previous and next links, and ``static/`` with the JavaScript the pages need:

- require.js (npm ``requirejs``), which loads the widget manager;
- the widget manager (npm ``@jupyter-widgets/html-manager``), which draws each widget from
  the widget state stored in its notebook (``metadata.widgets``);
- MathJax 2 (npm ``mathjax``), which typesets the formulas.

Every page starts with a header: the course's title (a link to the index), download links
(``download`` attribute) and a search box. The downloads are files of the site:

- ``notebooks/NN_name.ipynb``: the notebook as stored, with its outputs;
- ``student/NN_name.ipynb``: its student version, written by
  :func:`tools.notebooks.write_student_versions` (solutions replaced by stubs);
- ``downloads/course.zip``: the repository's committed files (``git archive HEAD``, under
  ``course/``). Without git, or outside a git checkout, the build prints a one-line note
  and the headers leave this link out.

The Chinese edition (``notebooks/zh/``, written by ``python -m tools.translate build``) gets
``NN_name.zh.html`` pages beside the English ones, sharing their assets, and ``index.zh.html``,
a bilingual course map. The header's language link goes to the same page in the other
edition; an English page without a Chinese twin has none. A Chinese page's links to notebooks
not yet translated go to their English pages. The search covers the English pages.

The pages follow the reader's system setting: when it prefers dark (``prefers-color-scheme:
dark``), ``static/theme-dark.css`` (JupyterLab's dark theme, from nbconvert's lab template)
replaces the theme's colours, and ``static/site.css`` gives figures a white backdrop.

The search is plain JavaScript (``static/search.js``, from ``tools/site_assets/``) over
``static/search-index.js``: each page's title, and its markdown cells' headings and text
(not code, not outputs), one entry per heading, with the heading's anchor. The index is a
script that sets ``window.COURSE_SEARCH_INDEX``, not JSON, because ``fetch()`` fails on
pages opened from the disk (``file://``); a ``<script>`` tag works there too.

The notebooks are not re-executed: each page shows the outputs stored in its notebook.
The pages are rendered by nbconvert's HTML exporter with the "lab" template (see
``tools/site_assets/templates/course_site``). The JavaScript comes from the npm registry at build
time: ``npm pack`` downloads each package's tarball alone (no dependency tree, no lock
file), the tarball is checked against the sha512 pinned below, and its files are cached in
``build/site-assets/``. The pages load nothing from the network when they are viewed. Every
file is written to a temporary file beside it and renamed into place, inside a temporary
site folder that replaces ``--out`` only once the build has succeeded.

To read the site, open ``site/index.html`` in a browser, or serve the folder::

    python -m http.server --bind 127.0.0.1 --directory site 8000   # http://127.0.0.1:8000/
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from course_utils.notebooks import (
    NOTEBOOK_DIR,
    REPO_ROOT,
    course_map_markdown,
    list_notebooks,
    notebook_info,
)

DEFAULT_OUT = REPO_ROOT / "site"
ASSET_CACHE = REPO_ROOT / "build" / "site-assets"
SITE_ASSETS = Path(__file__).resolve().parent / "site_assets"
TEMPLATE_NAME = "course_site"
COURSE_TITLE = "Deep Learning for Recommender Systems"
INDEX_PAGE = "index.html"
#: The Chinese edition (notebooks/zh/, tools/translate.py): its index, and each page's suffix.
ZH_INDEX_PAGE = "index.zh.html"
ZH_SUFFIX = ".zh.html"
ZH_FOLDER = "zh"
MAP_PLACEHOLDER = "{{course_map}}"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")
# Bump when a package's ``keep`` rule changes, so that the cache is extracted again.
ASSET_LAYOUT = 2

# Where the pages find their JavaScript, relative to the site's root (every page is there).
REQUIRE_JS_URL = "static/requirejs/require.js"
WIDGET_RENDERER_URL = "static/html-manager/dist/embed-amd.js"
# "-full" loads every TeX extension up front; "Safe" refuses the HTML tricks TeX can carry.
MATHJAX_URL = "static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
SITE_CSS_URL = "static/site.css"
SITE_ICON_URL = "static/favicon.svg"
# Dark theme: JupyterLab's own, from nbconvert's lab template, used when the reader's system is.
DARK_THEME_URL = "static/theme-dark.css"
DARK_THEME_MEDIA = "(prefers-color-scheme: dark)"
# Search: the index is a script (fetch() of JSON fails on file://) that sets this global.
SEARCH_INDEX_URL = "static/search-index.js"
SEARCH_SCRIPT_URL = "static/search.js"
SEARCH_GLOBAL = "COURSE_SEARCH_INDEX"
# Downloads: each notebook as stored, its student version, and the repository's files.
NOTEBOOK_FOLDER = "notebooks"
STUDENT_FOLDER = "student"
ARCHIVE_URL = "downloads/course.zip"
ARCHIVE_PREFIX = "course/"
GIT_TIMEOUT_SECONDS = 300


class SiteBuildError(RuntimeError):
    """The site cannot be built: an asset cannot be fetched, or a page would load from afar."""


class NpmMissingError(SiteBuildError):
    """npm is needed to fetch an asset that is not in the cache, and it is not on the PATH."""


class ArchiveUnavailableError(SiteBuildError):
    """The repository's archive cannot be made (no git, or not a git checkout); it is skipped."""


@dataclass(frozen=True)
class NpmPackage:
    """One npm package whose files the pages load.

    Attributes:
        name: the package's name on npm.
        version: the exact version; ``integrity`` pins its tarball.
        integrity: npm's ``integrity`` of the tarball: ``sha512-`` and the base64 digest.
        folder: where its files go under ``static/``.
        keep: which of its files to copy, given the path inside the package's folder.
    """

    name: str
    version: str
    integrity: str
    folder: str
    keep: Callable[[str], bool] = field(compare=False, repr=False)

    @property
    def spec(self) -> str:
        """``name@version``, as ``npm pack`` takes it."""
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        """The file name ``npm pack`` gives the tarball (``@scope/name`` becomes ``scope-name``)."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


def _keep_requirejs(path: str) -> bool:
    return path in ("require.js", "package.json")


def _keep_html_manager(path: str) -> bool:
    # embed-amd.js and the icon fonts it points at; the other bundles are not needed.
    if path in ("package.json", "dist/embed-amd.js", "dist/embed.js.LICENSE.txt"):
        return True
    return path.startswith("dist/") and path.count("/") == 1 and path.endswith(FONT_SUFFIXES)


def _keep_mathjax(path: str) -> bool:
    # unpacked/ repeats the code uncompressed and test/ is the package's own tests. MathJax's
    # default font is TeX, so the web fonts and font data of the other families are left out
    # (STIX font data stays: MathJax uses it when the reader has STIX fonts installed).
    if path.startswith(("unpacked/", "test/")):
        return False
    if path.startswith("fonts/"):
        return path.startswith("fonts/HTML-CSS/TeX/")
    font_data = re.match(r"jax/output/[^/]+/fonts/([^/]+)/", path)
    return font_data is None or font_data.group(1) in ("TeX", "STIX")


PACKAGES: tuple[NpmPackage, ...] = (
    NpmPackage(
        "requirejs",
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        "requirejs",
        _keep_requirejs,
    ),
    NpmPackage(
        "@jupyter-widgets/html-manager",
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        "html-manager",
        _keep_html_manager,
    ),
    NpmPackage(
        "mathjax",
        "2.7.9",
        "sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/bu8+CCVl5p9G2IHcAl/wJa+5+BQ==",
        "mathjax",
        _keep_mathjax,
    ),
)


# ---------------------------------------------------------------------------------------
# The JavaScript assets: fetch, verify, extract, cache.


def verify_integrity(path: Path, integrity: str) -> None:
    """Check a file against an npm ``integrity`` string.

    Args:
        path: the file, e.g. a tarball from ``npm pack``.
        integrity: ``sha512-`` followed by the base64 digest.

    Raises:
        ValueError: if ``integrity`` is not a sha512 one, or the file does not match it.
    """
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512" or not expected:
        raise ValueError(f"integrity {integrity!r}: expected 'sha512-' and a base64 digest.")
    digest = hashlib.sha512()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    found = base64.b64encode(digest.digest()).decode("ascii")
    if not hmac.compare_digest(found, expected):
        raise ValueError(
            f"{path.name}: its sha512 is {found}, but the pinned integrity is {expected}. "
            "The download is damaged or is not the pinned release; delete it and build again."
        )


def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or ".." in parts or "\\" in name:
        raise ValueError(f"unsafe tar member {name!r}: an absolute path or one that climbs out.")
    if not (member.isfile() or member.isdir()):
        raise ValueError(f"unsafe tar member {name!r}: links and special files are refused.")


def extract_package(tarball: Path, destination: Path, keep: Callable[[str], bool]) -> int:
    """Extract the kept files of an npm tarball, refusing any unsafe member.

    Every member is checked before anything is written: the whole tarball is refused if one
    member has an absolute path, climbs out with ``..``, or is a link or a special file.

    Args:
        tarball: the ``.tgz`` from ``npm pack``.
        destination: the folder that receives the files (the package's top folder is dropped).
        keep: which files to write, given their path inside the package's folder.

    Returns:
        The number of files written.

    Raises:
        ValueError: if the tarball holds an unsafe member.
    """
    written = 0
    with tarfile.open(tarball, "r:gz") as archive:
        members = archive.getmembers()
        for member in members:
            _check_member(member)
        for member in members:
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2:
                continue
            inside = "/".join(parts[1:])
            if not keep(inside):
                continue
            target = destination.joinpath(*parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is None:  # pragma: no cover - isfile() members always have data
                continue
            with source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            written += 1
    return written


def fetch_tarball(package: NpmPackage, cache_dir: Path = ASSET_CACHE) -> Path:
    """Return the package's verified tarball, fetching it with ``npm pack`` if needed.

    Args:
        package: the package.
        cache_dir: the cache; tarballs are kept in its ``tarballs/`` folder.

    Returns:
        The tarball's path in the cache.

    Raises:
        SiteBuildError: if npm is needed but missing, or ``npm pack`` fails.
        ValueError: if the downloaded tarball does not match the pinned integrity.
    """
    tarballs = cache_dir / "tarballs"
    path = tarballs / package.tarball_name
    if path.exists():
        try:
            verify_integrity(path, package.integrity)
            return path
        except ValueError:
            path.unlink()  # A damaged cache entry is fetched again.
    npm = shutil.which("npm")
    if npm is None:
        raise NpmMissingError(
            f"npm is needed to fetch {package.spec} for the site's pages, and it is not on the "
            "PATH. Install Node.js (it includes npm), e.g. `sudo apt-get install npm` on "
            f"Debian or Ubuntu, or put the tarball {package.tarball_name} in {tarballs}/."
        )
    tarballs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarballs, prefix=".npm-pack-") as scratch:
        # Run in the scratch folder so that npm reads no project file and writes nothing else.
        result = subprocess.run(
            [
                npm,
                "pack",
                package.spec,
                "--pack-destination",
                scratch,
                "--ignore-scripts",
                "--silent",
            ],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        downloaded = Path(scratch) / package.tarball_name
        if result.returncode != 0 or not downloaded.exists():
            raise SiteBuildError(
                f"`npm pack {package.spec}` failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-800:]}"
            )
        verify_integrity(downloaded, package.integrity)
        os.replace(downloaded, path)
    return path


def _pins() -> str:
    pins = [[p.name, p.version, p.integrity] for p in PACKAGES]
    return json.dumps({"layout": ASSET_LAYOUT, "packages": pins}, indent=1)


def ensure_assets(cache_dir: Path = ASSET_CACHE, *, log: Callable[[str], None] = print) -> Path:
    """Return the folder of the pages' JavaScript, fetching and extracting it if needed.

    Args:
        cache_dir: the cache (``build/site-assets/`` by default; git ignores ``build/``).
        log: where to report what is fetched.

    Returns:
        The cached ``static`` folder: one sub-folder per package, and ``NOTICE.txt``.

    Raises:
        SiteBuildError: if a package must be fetched and npm is missing or fails.
        ValueError: if a tarball does not match its pin or holds an unsafe member.
    """
    static = cache_dir / "static"
    stamp = static / ".pins.json"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == _pins():
        return static
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".static-"))
    _make_readable(scratch)
    try:
        notice = ["Third-party files in this folder, copied unchanged from their npm packages:"]
        for package in PACKAGES:
            tarball = fetch_tarball(package, cache_dir)
            count = extract_package(tarball, scratch / package.folder, package.keep)
            meta = json.loads((scratch / package.folder / "package.json").read_text("utf-8"))
            licence = meta.get("license", "see package.json")
            notice.append(f"- {package.folder}/: {package.spec}, licence {licence}")
            log(f"  asset {package.spec}: {count} files (sha512 verified)")
        (scratch / "NOTICE.txt").write_text("\n".join(notice) + "\n", encoding="utf-8")
        (scratch / ".pins.json").write_text(_pins(), encoding="utf-8")
        _replace_folder(scratch, static)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return static


def _make_readable(folder: Path) -> None:
    """Give a folder from ``mkdtemp`` (mode 0700) the usual mode, so a web server can read it."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)


def _replace_folder(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing what is there, never leaving half a folder."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """Write a file through a temporary file beside it, renamed onto ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide it from a web server
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with _atomic_file(path) as stream:
        stream.write(text.encode("utf-8"))


def _copy_file(source: Path, target: Path) -> None:
    """Copy a file atomically."""
    with source.open("rb") as data, _atomic_file(target) as stream:
        shutil.copyfileobj(data, stream)


# ---------------------------------------------------------------------------------------
# Downloads: the notebooks, their student versions, and the repository's archive.


def _git_environment() -> dict[str, str]:
    # A GIT_DIR or GIT_INDEX_FILE set by a hook would point git at another repository.
    return {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}


def write_repository_archive(target: Path, repo: Path = REPO_ROOT) -> None:
    """Write a zip of the repository's committed files (``git archive --format=zip HEAD``).

    The files sit under ``course/`` in the zip. Only what is committed at ``HEAD`` is in it:
    files git ignores (data, caches, the site itself) and uncommitted edits are not.

    Args:
        target: the zip to write (atomically).
        repo: the top folder of the git checkout.

    Raises:
        ArchiveUnavailableError: if git is missing, ``repo`` is not the top of a git checkout,
            it has no commit yet, or ``git archive`` fails; the message says which.
    """
    git = shutil.which("git")
    if git is None:
        raise ArchiveUnavailableError("git is not on the PATH")
    repo = Path(repo).resolve()
    if not repo.is_dir():
        raise ArchiveUnavailableError(f"{repo} is not a folder")
    environment = _git_environment()
    top = subprocess.run(
        [git, "rev-parse", "--show-toplevel"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=environment,
        timeout=GIT_TIMEOUT_SECONDS,
        check=False,
    )
    if top.returncode != 0:
        said = top.stderr.strip().splitlines()
        raise ArchiveUnavailableError(
            f"{repo} is not the top folder of a git checkout ({said[-1] if said else 'git'})"
        )
    if Path(top.stdout.strip()).resolve() != repo:
        raise ArchiveUnavailableError(
            f"{repo} is not the top folder of a git checkout (that is {top.stdout.strip()})"
        )
    with _atomic_file(target) as stream:
        result = subprocess.run(
            [git, "archive", "--format=zip", f"--prefix={ARCHIVE_PREFIX}", "HEAD"],
            cwd=repo,
            stdout=stream,
            stderr=subprocess.PIPE,
            text=False,
            env=environment,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ArchiveUnavailableError(
                f"`git archive HEAD` failed in {repo}: {reason[-1] if reason else 'no message'}"
            )


# ---------------------------------------------------------------------------------------
# Search: an index of the pages' titles, headings and markdown text, shipped as a script.


@dataclass(frozen=True)
class SearchSection:
    """The markdown text under one heading of a page.

    Attributes:
        anchor: the heading's ``id`` ("" for the text before a page's first heading).
        heading: the heading's text ("" before the first heading).
        text: the markdown cells' text up to the next heading, whitespace collapsed.
    """

    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class SearchPage:
    """One page of the search index: its file name, title and sections."""

    url: str
    title: str
    sections: tuple[SearchSection, ...]


class _MarkdownTextCollector(HTMLParser):
    """Splits a rendered page's markdown cells into sections at their headings.

    Only the text of ``.jp-MarkdownCell .jp-RenderedMarkdown`` is read: code, outputs (even
    markdown outputs), styles, scripts, the headings' pilcrow links and the navigation line
    (the cell that starts with ``<!-- nav -->``) are left out.
    """

    HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
    SKIPPED = frozenset({"script", "style", "template"})
    # Tags that end a run of text: a space keeps "<li>one</li><li>two</li>" as two words.
    BREAKS = frozenset({"p", "li", "br", "td", "th", "tr", "div", "pre", "blockquote", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[SearchSection] = []
        self._divs = 0  # open <div>s
        self._cell_at: int | None = None  # the depth of the open markdown cell's <div>
        self._rendered_at: int | None = None  # the depth of its rendered markdown's <div>
        self._skip: list[str] = []  # open tags whose text is left out
        self._nav = False
        self._heading: list[str] | None = None  # the heading being read
        self._anchor, self._title, self._text = "", "", []

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text or self._title:
            self.sections.append(SearchSection(self._anchor, self._title, text))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "div":
            self._divs += 1
            if self._cell_at is None and "jp-MarkdownCell" in classes:
                self._cell_at = self._divs
            elif (
                self._cell_at is not None
                and self._rendered_at is None
                and "jp-RenderedMarkdown" in classes
            ):
                self._rendered_at, self._nav = self._divs, False
        if self._rendered_at is None:
            return
        if tag in self.SKIPPED or (tag == "a" and "anchor-link" in classes):
            self._skip.append(tag)
        elif tag in self.HEADINGS and not self._skip:
            self._flush()
            self._heading, self._anchor = [], values.get("id") or ""
        elif tag in self.BREAKS:
            self.handle_data(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self._rendered_at is not None:
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()
        elif tag in self.HEADINGS and self._heading is not None:
            self._title, self._heading = " ".join("".join(self._heading).split()), None
        elif tag in self.BREAKS:
            self.handle_data(" ")
        if tag == "div":
            if self._divs == self._rendered_at:
                self._rendered_at = None
                self.handle_data(" ")
            if self._divs == self._cell_at:
                self._cell_at = None
            self._divs = max(self._divs - 1, 0)

    def handle_comment(self, data: str) -> None:
        if self._rendered_at is not None and data.strip() == "nav":
            self._nav = True

    def handle_data(self, data: str) -> None:
        if self._rendered_at is None or self._skip or self._nav:
            return
        (self._text if self._heading is None else self._heading).append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def search_sections(html: str) -> list[SearchSection]:
    """Return a rendered page's markdown text, one section per heading.

    Args:
        html: a page written by nbconvert's lab template.

    Returns:
        The sections in page order; text before the first heading comes first, with no
        anchor. Code cells and every output are left out.
    """
    collector = _MarkdownTextCollector()
    collector.feed(html)
    collector.close()
    return collector.sections


def _check_page_url(url: str) -> None:
    parts = urlsplit(url)
    if (
        parts.scheme
        or parts.netloc
        or parts.query
        or parts.fragment
        or "/" in url
        or "\\" in url
        or not url.endswith(".html")
    ):
        raise ValueError(
            f"search page {url!r}: give the file name of a page at the site's top, such as "
            "'03_cnn_keras.html' (no folder, scheme, query or anchor)."
        )


def search_index_script(pages: Sequence[SearchPage]) -> str:
    """Return the search index as JavaScript that sets ``window.COURSE_SEARCH_INDEX``.

    The index is a script, not JSON, so that a page opened from the disk (``file://``), where
    ``fetch()`` is refused, can load it with a ``<script>`` tag. Its JSON is ASCII-only and
    escapes ``<``, so it holds no ``</script>`` and no line separator that could end it.

    Args:
        pages: the pages, in the order their results are shown when they score the same.

    Returns:
        The script: ``{"pages": [{"url", "title"}], "sections": [[page, anchor, heading,
        text]]}``, where ``page`` is a position in ``pages``.

    Raises:
        ValueError: if a page's URL is not the file name of a page at the site's top, a URL
            repeats, or a title is empty.
    """
    seen: set[str] = set()
    listed, sections = [], []
    for number, page in enumerate(pages):
        _check_page_url(page.url)
        if page.url in seen:
            raise ValueError(f"search page {page.url!r} is listed twice; list each page once.")
        if not page.title.strip():
            raise ValueError(f"search page {page.url!r} has an empty title; give it its title.")
        seen.add(page.url)
        listed.append({"url": page.url, "title": page.title})
        sections.extend(
            [number, section.anchor, section.heading, section.text] for section in page.sections
        )
    data = json.dumps({"pages": listed, "sections": sections}, ensure_ascii=True)
    data = data.replace("<", "\\u003c")  # "<" only occurs inside strings, where this is the same
    return (
        "// The course's search index, written by `python -m tools.site build`; read by "
        f"search.js.\nwindow.{SEARCH_GLOBAL} = {data};\n"
    )


# ---------------------------------------------------------------------------------------
# Checking pages: links between pages, and nothing loaded from off the machine.

_NOTEBOOK_LINK = re.compile(r'(href=")(?:\./)?(\d{2}_[a-z0-9]+(?:_[a-z0-9]+)*)\.ipynb(#[^"]*)?"')
_COURSE_MAP_LINK = re.compile(r'<a href="[^"]*">Course map</a>')
_ZH_TWIN_LINK = re.compile(r'(href=")zh/(\d{2}_[a-z0-9_]+)\.ipynb"')
_CSS_COMMENT = re.compile(r"/\*.*?\*/", flags=re.DOTALL)
_CSS_OR_JS_LOAD = re.compile(
    r"""(?:url\(\s*|@import\s+|import\(\s*)["']?((?:[a-z][a-z0-9+.-]*:)?//[^"')\s]+)""",
    flags=re.IGNORECASE,
)


def rewrite_links(html: str, page_stems: Collection[str]) -> str:
    """Point the links between notebooks at the site's pages.

    ``NN_name.ipynb`` becomes ``NN_name.html`` (an anchor is kept) when ``NN_name`` is one
    of the site's pages, and the navigation line's *Course map* link goes to the index page.

    Args:
        html: a rendered page.
        page_stems: the notebooks' names without ``.ipynb``.

    Returns:
        The page with its links rewritten.
    """

    def to_page(match: re.Match[str]) -> str:
        if match.group(2) not in page_stems:
            return match.group(0)
        return f'{match.group(1)}{match.group(2)}.html{match.group(3) or ""}"'

    html = _NOTEBOOK_LINK.sub(to_page, html)
    # The first cell's link to the Chinese twin (tools/translate.py): its page.
    html = _ZH_TWIN_LINK.sub(lambda m: f'{m.group(1)}{m.group(2)}{ZH_SUFFIX}"', html)
    return _COURSE_MAP_LINK.sub(f'<a href="{INDEX_PAGE}">Course map</a>', html)


class _ReferenceCollector(HTMLParser):
    """Collects what a page loads (``src``, ``<link href>``) and where it links (``<a href>``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in ("src", "poster", "data"):
                self.loads.append(value)
            elif key == "srcset":
                self.loads.extend(part.split()[0] for part in value.split(",") if part.strip())
            elif key == "href":
                (self.loads if tag == "link" else self.links).append(value)


def _off_machine(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme in ("", "file") and not url.strip().startswith("//"):
        return False
    if parts.scheme in ("data", "blob", "about", "javascript", "mailto"):
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


def page_references(html: str) -> tuple[list[str], list[str]]:
    """Return what a page loads and what it links to.

    Args:
        html: the page.

    Returns:
        ``(loads, links)``: the URLs the browser fetches on its own (``src``, ``srcset``,
        ``<link href>``, CSS ``url()``/``@import`` and script ``import()`` of absolute
        URLs), and the ``<a href>`` targets a reader may follow.
    """
    collector = _ReferenceCollector()
    collector.feed(html)
    collector.close()
    loads = collector.loads + _CSS_OR_JS_LOAD.findall(_CSS_COMMENT.sub("", html))
    return loads, collector.links


def external_loads(html: str) -> list[str]:
    """Return the URLs off this machine that a page would load when it is viewed.

    Links a reader may follow (``<a href="https://...">``) are not loads and are allowed.

    Args:
        html: the page.

    Returns:
        The offending URLs, in order, without repeats.
    """
    loads, _ = page_references(html)
    return list(dict.fromkeys(url for url in loads if _off_machine(url)))


def missing_local_targets(page: Path, root: Path) -> list[str]:
    """Return the relative links and loads of a page that point to no file of the site.

    Args:
        page: the page's file.
        root: the site's folder.

    Returns:
        The references whose target is missing, without repeats.
    """
    loads, links = page_references(page.read_text(encoding="utf-8"))
    missing = []
    for url in loads + links:
        parts = urlsplit(url)
        if parts.scheme or url.startswith(("//", "#")) or not parts.path:
            continue
        target = (page.parent / unquote(parts.path)).resolve()
        if not target.is_relative_to(root.resolve()) or not target.exists():
            missing.append(url)
    return list(dict.fromkeys(missing))


# ---------------------------------------------------------------------------------------
# Rendering the pages.


@dataclass
class SiteReport:
    """What a build did.

    Attributes:
        out: the site's folder.
        pages: the pages written, index first.
        seconds: how long the build took.
        warnings: links that point to nothing (the build still succeeds).
        notes: what the build left out and why, e.g. the repository download without git.
    """

    out: Path
    pages: list[str]
    seconds: float
    warnings: list[str]
    notes: list[str] = field(default_factory=list)
    chinese_pages: list[str] = field(default_factory=list)


def _exporter() -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(SITE_ASSETS / "templates")],
        require_js_url=REQUIRE_JS_URL,
        widget_renderer_url=WIDGET_RENDERER_URL,
        mathjax_url=MATHJAX_URL,
    )


def _resources(name: str, header: dict[str, str | None]) -> dict[str, Any]:
    """The resources the page template reads."""
    return {
        "metadata": {"name": name},
        "site_css_url": SITE_CSS_URL,
        "site_icon_url": SITE_ICON_URL,
        "dark_theme_url": DARK_THEME_URL,
        "dark_theme_media": DARK_THEME_MEDIA,
        "search_index_url": SEARCH_INDEX_URL,
        "search_script_url": SEARCH_SCRIPT_URL,
        "site_header": header,
    }


def _render(
    exporter: Any,
    notebook: Any,
    name: str,
    page_stems: Collection[str],
    header: dict[str, str | None],
) -> str:
    resources = _resources(name, header)
    html, _ = exporter.from_notebook_node(notebook, resources=resources)
    return rewrite_links(html, page_stems)


def _header(
    archive: str | None,
    notebook: Path | None = None,
    *,
    language: tuple[str, str] | None = None,
) -> dict[str, str | None]:
    """What a page's header links to; ``notebook`` is None on the index page.

    ``language`` is the other edition's page and the link's text (``("x.zh.html", "中文")``).
    """
    header: dict[str, str | None] = {
        "home": INDEX_PAGE,
        "title": COURSE_TITLE,
        "archive": archive,
        "notebook": None,
        "student": None,
        "language": language[0] if language else None,
        "language_label": language[1] if language else None,
    }
    if notebook is not None:
        header["notebook"] = f"{NOTEBOOK_FOLDER}/{notebook.name}"
        header["notebook_name"] = notebook.name
        header["student"] = f"{STUDENT_FOLDER}/{notebook.name}"
        header["student_name"] = f"{notebook.stem}-student.ipynb"
    return header


def _dark_theme_css(exporter: Any) -> str:
    """JupyterLab's dark theme, as nbconvert's lab template ships it: CSS variables only."""
    environment = exporter.environment
    source = environment.loader.get_source(environment, "static/theme-dark.css")[0]
    return (
        "/* JupyterLab's dark theme (BSD licence), copied from nbconvert's lab template. The "
        f'pages link it with media="{DARK_THEME_MEDIA}". */\n{source}'
    )


_ZH_ENGLISH_LINK = re.compile(r'(href=")\.\./(\d{2}_[a-z0-9_]+)\.ipynb(#[^"]*)?"')
_ZH_MAP_LINK = re.compile(r'<a href="[^"]*">课程地图</a>')


def rewrite_chinese_links(html: str, chinese_stems: Collection[str]) -> str:
    """Point a Chinese page's links at the site: its twins, or English pages one folder up."""

    def to_chinese(match: re.Match[str]) -> str:
        # A notebook not yet translated: its English page.
        suffix = ZH_SUFFIX if match.group(2) in chinese_stems else ".html"
        return f'{match.group(1)}{match.group(2)}{suffix}{match.group(3) or ""}"'

    html = _ZH_ENGLISH_LINK.sub(lambda m: f'{m.group(1)}{m.group(2)}.html{m.group(3) or ""}"', html)
    html = _NOTEBOOK_LINK.sub(to_chinese, html)
    return _ZH_MAP_LINK.sub(f'<a href="{ZH_INDEX_PAGE}">课程地图</a>', html)


def chinese_index_notebook(infos: Sequence[Any], chinese: dict[str, str]) -> Any:
    """Return the Chinese index page: a short introduction and a bilingual course map.

    ``chinese`` maps each translated notebook's stem to its Chinese title.
    """
    import nbformat

    rows = ["| # | English | 中文 |", "|---|---|---|"]
    for info in infos:
        stem = info.path.stem
        english = f"[{info.title}]({stem}.html)"
        twin = f"[{chinese[stem]}]({stem}{ZH_SUFFIX})" if stem in chinese else "（翻译中）"
        rows.append(f"| {stem[:2]} | {english} | {twin} |")
    text = (
        "# 推荐系统中的深度学习：动手实践课程（中文版）\n\n"
        "本课程的中文版与英文版共用同一套代码和保存的输出（打印的输出仍是英文），正文为中文。"
        "已翻译的笔记本链接到中文页面；尚在翻译中的，请先阅读英文版。"
        "每个页面顶部的语言链接可以在两个版本之间切换。\n\n"
        "## 课程地图 · Course map\n\n" + "\n".join(rows) + "\n"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    notebook.metadata["title"] = f"中文版 · {COURSE_TITLE}"
    return notebook


def index_notebook(notebook_dir: Path = NOTEBOOK_DIR) -> Any:
    """Return the index page as a notebook of one markdown cell: the intro and the course map.

    The intro is ``tools/site_assets/index.md``; its ``{{course_map}}`` line becomes the course
    map, generated from the notebooks themselves.

    Args:
        notebook_dir: the folder of notebooks.

    Returns:
        The notebook node.
    """
    import nbformat

    text = (SITE_ASSETS / "index.md").read_text(encoding="utf-8")
    if MAP_PLACEHOLDER not in text:
        raise ValueError(
            f"tools/site_assets/index.md needs a line {MAP_PLACEHOLDER} for the course map."
        )
    text = text.replace(MAP_PLACEHOLDER, course_map_markdown(notebook_dir, with_objectives=True))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    notebook.metadata["title"] = COURSE_TITLE
    return notebook


def build_site(
    out: Path = DEFAULT_OUT,
    notebook_dir: Path = NOTEBOOK_DIR,
    cache_dir: Path = ASSET_CACHE,
    *,
    repo: Path = REPO_ROOT,
    log: Callable[[str], None] = print,
) -> SiteReport:
    """Build the static site from the notebooks' stored outputs, without executing them.

    The site is written to a temporary folder beside ``out``, checked, and only then moved
    into place, so ``out`` is never left half-built. Besides the pages it holds each notebook
    (``notebooks/``), its student version (``student/``), the repository's committed files
    (``downloads/course.zip``, skipped with a note where git cannot make it) and the search
    index (``static/search-index.js``).

    Args:
        out: the site's folder (replaced).
        notebook_dir: the folder of notebooks.
        cache_dir: the cache of the JavaScript assets.
        repo: the git checkout whose ``HEAD`` the repository download holds.
        log: where to report progress.

    Returns:
        A :class:`SiteReport`.

    Raises:
        ValueError: if there is no notebook, or a tarball fails its check.
        SiteBuildError: if the assets cannot be fetched, or a page would load anything from
            off this machine.
    """
    import nbformat

    from tools.notebooks import write_student_versions

    start = time.perf_counter()
    paths = list_notebooks(notebook_dir)
    if not paths:
        raise ValueError(
            f"{notebook_dir} holds no NN_name.ipynb notebook; there is nothing to build."
        )
    infos = [notebook_info(path) for path in paths]
    static = ensure_assets(cache_dir, log=log)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-build-"))
    _make_readable(scratch)
    try:
        shutil.copytree(static, scratch / "static", ignore=shutil.ignore_patterns(".pins.json"))
        _copy_file(SITE_ASSETS / "site.css", scratch / SITE_CSS_URL)
        _copy_file(SITE_ASSETS / "favicon.svg", scratch / SITE_ICON_URL)
        _copy_file(SITE_ASSETS / "search.js", scratch / SEARCH_SCRIPT_URL)
        exporter = _exporter()
        _write_text(scratch / DARK_THEME_URL, _dark_theme_css(exporter))
        notes = []
        archive: str | None = ARCHIVE_URL
        try:
            write_repository_archive(scratch / ARCHIVE_URL, repo)
            log(f"  download {ARCHIVE_URL} (git archive HEAD)")
        except ArchiveUnavailableError as error:
            archive = None
            with contextlib.suppress(OSError):  # the folder made for it, if empty
                (scratch / ARCHIVE_URL).parent.rmdir()
            notes.append(f"no repository download on the site: {error}")
            log(f"  note: {notes[-1]}")
        for path in paths:
            _copy_file(path, scratch / NOTEBOOK_FOLDER / path.name)
        write_student_versions(scratch / STUDENT_FOLDER, notebook_dir)
        stems = {path.stem for path in paths}
        chinese_paths = [
            path
            for path in list_notebooks(notebook_dir / ZH_FOLDER)
            if (notebook_dir / ZH_FOLDER).is_dir() and path.stem in stems
        ]
        chinese_stems = {path.stem for path in chinese_paths}
        for path in chinese_paths:
            _copy_file(path, scratch / NOTEBOOK_FOLDER / ZH_FOLDER / path.name)
        pages = [INDEX_PAGE]
        html = _render(
            exporter,
            index_notebook(notebook_dir),
            "index",
            stems,
            _header(archive, language=(ZH_INDEX_PAGE, "中文")),
        )
        _write_text(scratch / INDEX_PAGE, html)
        searched = [SearchPage(INDEX_PAGE, "Course map", tuple(search_sections(html)))]
        for info in infos:
            notebook = nbformat.read(info.path, as_version=4)
            notebook.metadata["title"] = f"{info.label} · {COURSE_TITLE}"
            page = f"{info.path.stem}.html"
            twin = (
                (f"{info.path.stem}{ZH_SUFFIX}", "中文")
                if info.path.stem in chinese_stems
                else None
            )
            header = _header(archive, info.path, language=twin)
            html = _render(exporter, notebook, info.path.stem, stems, header)
            _write_text(scratch / page, html)
            searched.append(SearchPage(page, info.label, tuple(search_sections(html))))
            widgets = "with widget state" if "widgets" in notebook.metadata else "no widgets"
            log(f"  page {page} ({widgets})")
            pages.append(page)
        chinese_pages = _write_chinese_pages(scratch, exporter, infos, chinese_paths, archive, log)
        _write_text(scratch / SEARCH_INDEX_URL, search_index_script(searched))
        checked = pages + chinese_pages + [SITE_CSS_URL, DARK_THEME_URL, SEARCH_SCRIPT_URL]
        offending = {
            name: external_loads((scratch / name).read_text(encoding="utf-8")) for name in checked
        }
        offending = {name: urls for name, urls in offending.items() if urls}
        if offending:
            raise SiteBuildError(f"pages would load from off this machine: {offending}")
        warnings = [
            f"{page}: link to a missing file {url}"
            for page in pages + chinese_pages
            for url in missing_local_targets(scratch / page, scratch)
        ]
        _replace_folder(scratch, out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    report = SiteReport(out, pages, time.perf_counter() - start, warnings, notes)
    report.chinese_pages = chinese_pages
    return report


def _write_chinese_pages(
    scratch: Path,
    exporter: Any,
    infos: Sequence[Any],
    chinese_paths: Sequence[Path],
    archive: str | None,
    log: Callable[[str], None],
) -> list[str]:
    """Write the Chinese edition's pages (``NN_name.zh.html``) and its index; return them.

    They sit beside the English pages, so they share their assets. The search covers the
    English pages only.
    """
    import nbformat

    chinese = {}
    notebooks = {}
    for path in chinese_paths:
        notebook = nbformat.read(path, as_version=4)
        notebooks[path.stem] = notebook
        chinese[path.stem] = notebook.cells[0].source.splitlines()[0].lstrip("# ").strip()
    stems = set(chinese)
    header = _header(archive, language=(INDEX_PAGE, "English"))
    header["home"] = ZH_INDEX_PAGE
    html = exporter.from_notebook_node(
        chinese_index_notebook(infos, chinese),
        resources=_resources("index.zh", header),
    )[0]
    _write_text(scratch / ZH_INDEX_PAGE, rewrite_chinese_links(html, stems))
    pages = [ZH_INDEX_PAGE]
    for path in chinese_paths:
        notebook = notebooks[path.stem]
        notebook.metadata["title"] = f"{chinese[path.stem]} · {COURSE_TITLE}"
        header = _header(archive, path, language=(f"{path.stem}.html", "English"))
        header.update(
            home=ZH_INDEX_PAGE,
            notebook=f"{NOTEBOOK_FOLDER}/{ZH_FOLDER}/{path.name}",
            student=None,
        )
        html = exporter.from_notebook_node(notebook, resources=_resources(path.stem, header))[0]
        page = f"{path.stem}{ZH_SUFFIX}"
        _write_text(scratch / page, rewrite_chinese_links(html, stems))
        log(f"  page {page} (中文版)")
        pages.append(page)
    return pages


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def main(argv: Iterable[str] | None = None) -> int:
    """Run the command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m tools.site")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the static site from the stored outputs")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the site's folder (site/)")
    args = parser.parse_args(None if argv is None else list(argv))

    if args.command == "build":
        print("building the static site from the stored outputs (nothing is executed) ...")
        try:
            report = build_site(args.out)
        except (SiteBuildError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        for warning in report.warnings:
            print(f"warning: {warning}")
        notebooks = len(report.pages) - 1
        print(
            f"built {_shown(report.out)}/: {len(report.pages)} pages ({notebooks} notebooks and "
            f"the index), and {len(report.chinese_pages)} of the Chinese edition, in "
            f"{report.seconds:.0f} s"
        )
        print(
            f"read it: open {_shown(report.out / INDEX_PAGE)} in a browser, or serve it with "
            f"python -m http.server --bind 127.0.0.1 --directory {_shown(report.out)} 8000"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
