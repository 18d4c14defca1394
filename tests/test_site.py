"""Tests for tools.site: pinned assets, safe extraction, links, offline pages, the build.

These are fast and need no network: the build tests use stand-in assets and a stand-in
repository archive. The real assets and the pages in a browser are tested in
tests/test_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_utils import notebooks
from tools import site


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _tarball(path: Path, members: list[tuple[str, str, bytes]]) -> Path:
    """Write a .tgz; each member is (name, kind, data) with kind 'file', 'dir', 'sym' or 'link'."""
    with tarfile.open(path, "w:gz") as archive:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "link": tarfile.LNKTYPE}[
                kind
            ]
            info.linkname = data.decode()
            archive.addfile(info)
    return path


# ---------------------------------------------------------------------------------------
# Pinned tarballs.


def test_verify_integrity_accepts_the_pinned_file(tmp_path: Path) -> None:
    tarball = tmp_path / "pkg-1.0.0.tgz"
    tarball.write_bytes(b"the pinned release")
    site.verify_integrity(tarball, _integrity(b"the pinned release"))


def test_verify_integrity_rejects_a_tampered_tarball(tmp_path: Path) -> None:
    tarball = _tarball(tmp_path / "pkg-1.0.0.tgz", [("package/index.js", "file", b"ok()")])
    pinned = _integrity(tarball.read_bytes())
    tampered = bytearray(tarball.read_bytes())
    tampered[-1] ^= 0xFF
    tarball.write_bytes(bytes(tampered))
    with pytest.raises(ValueError, match="pinned integrity") as error:
        site.verify_integrity(tarball, pinned)
    assert "pkg-1.0.0.tgz" in str(error.value)


def test_verify_integrity_wants_sha512(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(ValueError, match="sha512"):
        site.verify_integrity(
            path, "sha1-" + base64.b64encode(hashlib.sha1(b"x").digest()).decode()
        )


def test_pins_are_sha512_and_tarball_names_follow_npm() -> None:
    for package in site.PACKAGES:
        assert package.integrity.startswith("sha512-") and len(package.integrity) == 95
        assert "==" not in package.version and package.version.count(".") == 2
    names = {package.name: package.tarball_name for package in site.PACKAGES}
    assert names["@jupyter-widgets/html-manager"] == "jupyter-widgets-html-manager-1.0.15.tgz"
    assert names["requirejs"] == "requirejs-2.3.8.tgz"


def test_a_cached_tarball_that_fails_its_pin_is_fetched_again(tmp_path: Path, monkeypatch) -> None:
    package = site.PACKAGES[0]
    cached = tmp_path / "tarballs" / package.tarball_name
    cached.parent.mkdir()
    cached.write_bytes(b"damaged")
    monkeypatch.setattr(site.shutil, "which", lambda name: None)
    with pytest.raises(site.NpmMissingError, match="npm is needed"):
        site.fetch_tarball(package, tmp_path)
    assert not cached.exists(), "the damaged tarball must be removed"


# ---------------------------------------------------------------------------------------
# Safe extraction.


def test_extract_keeps_the_selected_files_without_the_top_folder(tmp_path: Path) -> None:
    tarball = _tarball(
        tmp_path / "p.tgz",
        [
            ("package", "dir", b""),
            ("package/dist/embed.js", "file", b"embed"),
            ("package/dist/big.map", "file", b"map"),
            ("package/package.json", "file", b"{}"),
        ],
    )
    written = site.extract_package(tarball, tmp_path / "out", lambda p: not p.endswith(".map"))
    assert written == 2
    assert (tmp_path / "out" / "dist" / "embed.js").read_bytes() == b"embed"
    assert not (tmp_path / "out" / "dist" / "big.map").exists()


@pytest.mark.parametrize(
    "member",
    [
        ("package/../../evil.js", "file", b"x"),
        ("/etc/evil.js", "file", b"x"),
        ("package/link.js", "sym", b"/etc/passwd"),
        ("package/hard.js", "link", b"package/index.js"),
        ("C:/evil.js", "file", b"x"),
    ],
    ids=["dot-dot", "absolute", "symlink", "hardlink", "drive"],
)
def test_extract_refuses_unsafe_members_and_writes_nothing(tmp_path: Path, member) -> None:
    tarball = _tarball(tmp_path / "p.tgz", [("package/index.js", "file", b"ok"), member])
    with pytest.raises(ValueError, match="unsafe tar member"):
        site.extract_package(tarball, tmp_path / "out", lambda p: True)
    assert not (tmp_path / "out").exists(), "nothing may be written from a refused tarball"
    assert not (tmp_path.parent / "evil.js").exists()


def test_mathjax_selection_leaves_out_unpacked_tests_and_other_fonts() -> None:
    keep = next(p.keep for p in site.PACKAGES if p.name == "mathjax")
    assert keep("MathJax.js") and keep("config/TeX-AMS_CHTML-full.js")
    assert keep("fonts/HTML-CSS/TeX/woff/MathJax_Main-Regular.woff")
    assert keep("jax/output/CommonHTML/fonts/TeX/fontdata.js")
    assert not keep("unpacked/MathJax.js") and not keep("test/index.html")
    assert not keep("fonts/HTML-CSS/Asana-Math/woff/x.woff")
    assert not keep("jax/output/SVG/fonts/Gyre-Pagella/fontdata.js")


# ---------------------------------------------------------------------------------------
# Links and off-machine loads.


def test_rewrite_links_points_notebook_links_at_pages() -> None:
    html = (
        '<a href="01_data.ipynb">01</a> <a href="./02_cnn_keras.ipynb#setup">02</a> '
        '<a href="09_not_built.ipynb">09</a> <a href="00_start_here.ipynb">Course map</a>'
    )
    out = site.rewrite_links(html, {"00_start_here", "01_data", "02_cnn_keras"})
    assert '<a href="01_data.html">01</a>' in out
    assert '<a href="02_cnn_keras.html#setup">02</a>' in out
    assert '<a href="09_not_built.ipynb">09</a>' in out, "a link to no page is left alone"
    assert '<a href="index.html">Course map</a>' in out


def test_external_loads_finds_what_a_page_would_fetch_from_the_network() -> None:
    html = """<html><head>
    <script src="https://cdn.example.org/require.js"></script>
    <link rel="stylesheet" href="//fonts.example.org/css">
    <style>@import url("https://fonts.example.org/roboto.css");
    /* a comment: url(https://comment.example) */</style>
    <script type="module">const m = await import("https://cdn.example.org/mermaid.mjs");</script>
    </head><body>
    <img src="data:image/png;base64,AAAA"> <script src="static/requirejs/require.js"></script>
    <img src="http://127.0.0.1:8000/plot.png">
    <a href="https://grouplens.org/datasets/movielens/">MovieLens</a>
    </body></html>"""
    assert site.external_loads(html) == [
        "https://cdn.example.org/require.js",
        "//fonts.example.org/css",
        "https://fonts.example.org/roboto.css",
        "https://cdn.example.org/mermaid.mjs",
    ]


def test_missing_local_targets(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.js").write_text("")
    (tmp_path / "01_x.html").write_text("")
    page = tmp_path / "index.html"
    page.write_text(
        '<script src="static/a.js"></script><a href="01_x.html#top">ok</a>'
        '<a href="02_y.html">missing</a><img src="static/b.png"><a href="#here">anchor</a>'
        '<a href="../outside.html">outside</a>'
    )
    assert site.missing_local_targets(page, tmp_path) == [
        "static/b.png",
        "02_y.html",
        "../outside.html",
    ]


# ---------------------------------------------------------------------------------------
# The build, with stand-in assets (the real ones are checked in tests/test_browser.py).


def _notebook(path: Path, number: int, title: str, *, math: bool = False) -> None:
    cells = [
        nbformat.v4.new_markdown_cell(f"# {number:02d} · {title}\n*A subtitle.*"),
        nbformat.v4.new_markdown_cell(
            "## Learning objectives\n- Explain one thing.\n- Compute another.\n- Check a third."
        ),
        nbformat.v4.new_markdown_cell(
            "See [the start](00_start.ipynb).\n\n```mermaid\ngraph LR; a-->b\n```"
            + ("\n\nThe state $h_t = \\tanh(W x_t)$." if math else "")
        ),
        nbformat.v4.new_code_cell("print('hello')"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(notebook, path)


@pytest.fixture
def small_course(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _notebook(folder / "00_start.ipynb", 0, "Start")
    _notebook(folder / "01_math.ipynb", 1, "Math", math=True)
    static = tmp_path / "cache" / "static"
    for url in (site.REQUIRE_JS_URL, site.WIDGET_RENDERER_URL, site.MATHJAX_URL.split("?")[0]):
        target = static / url.removeprefix("static/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("// stand-in")
    monkeypatch.setattr(site, "ensure_assets", lambda cache_dir, log=print: static)
    monkeypatch.setattr(site, "write_repository_archive", _stand_in_archive)
    return folder


REAL_ARCHIVE = site.write_repository_archive


def _stand_in_archive(target: Path, repo: Path = site.REPO_ROOT) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("course/README.md", "stand-in")


def test_build_writes_one_page_per_notebook_plus_the_index(small_course: Path, tmp_path: Path):
    report = site.build_site(
        tmp_path / "site", small_course, tmp_path / "cache", log=lambda s: None
    )
    assert report.pages == ["index.html", "00_start.html", "01_math.html"]
    assert len(report.pages) == len(notebooks.list_notebooks(small_course)) + 1
    assert report.warnings == []
    for page in report.pages:
        html = (report.out / page).read_text(encoding="utf-8")
        assert site.external_loads(html) == [], f"{page} loads from off the machine"
        assert site.missing_local_targets(report.out / page, report.out) == []
        assert site.COURSE_TITLE in html
        assert "mermaid" not in html.lower().split("<body")[0], "no mermaid loader in <head>"
    index = (report.out / "index.html").read_text(encoding="utf-8")
    assert 'href="00_start.html"' in index and 'href="01_math.html"' in index
    start = (report.out / "00_start.html").read_text(encoding="utf-8")
    assert 'src="static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"' in start
    assert 'href="00_start.html"' in start and 'href="00_start.ipynb"' not in start


def test_build_replaces_the_old_site_and_leaves_no_scratch(small_course: Path, tmp_path: Path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("old")
    site.build_site(out, small_course, tmp_path / "cache", log=lambda s: None)
    assert not (out / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_failed_build_keeps_the_old_site(small_course: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the old site")

    def broken(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(site, "_render", broken)
    with pytest.raises(RuntimeError, match="render failed"):
        site.build_site(out, small_course, tmp_path / "cache", log=lambda s: None)
    assert (out / "index.html").read_text() == "the old site"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_build_refuses_a_page_that_would_load_from_the_network(small_course: Path, tmp_path):
    notebook = nbformat.read(small_course / "00_start.ipynb", 4)
    notebook.cells.append(nbformat.v4.new_markdown_cell('<img src="https://example.org/x.png">'))
    nbformat.write(notebook, small_course / "00_start.ipynb")
    with pytest.raises(site.SiteBuildError, match=r"example\.org"):
        site.build_site(tmp_path / "site", small_course, tmp_path / "cache", log=lambda s: None)
    assert not (tmp_path / "site").exists()


def test_build_without_notebooks_says_so(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no NN_name\.ipynb"):
        site.build_site(tmp_path / "site", tmp_path, tmp_path / "cache", log=lambda s: None)


def test_cached_assets_hold_the_files_the_pages_load(tmp_path: Path) -> None:
    cache = site.ASSET_CACHE
    if not (cache / "static" / ".pins.json").exists() and shutil.which("npm") is None:
        pytest.skip("no cached site assets and no npm; tests/test_browser.py covers the real ones")
    static = site.ensure_assets(log=lambda s: None)
    for url in (site.REQUIRE_JS_URL, site.WIDGET_RENDERER_URL, site.MATHJAX_URL.split("?")[0]):
        assert (static / url.removeprefix("static/")).is_file(), url
    assert "licence" in (static / "NOTICE.txt").read_text(encoding="utf-8")


def test_importing_the_site_module_does_not_import_tensorflow() -> None:
    import subprocess
    import sys

    code = "import tools.site, sys; print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------
# The header's downloads, the dark theme and the search index, in the built files.


def _exercise_cell() -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(
        "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\n\n"
        "double(2)"
    )


def test_build_writes_the_downloads_and_links_them_in_each_header(small_course: Path, tmp_path):
    notebook = nbformat.read(small_course / "01_math.ipynb", 4)
    notebook.cells.append(_exercise_cell())
    nbformat.write(notebook, small_course / "01_math.ipynb")
    report = site.build_site(
        tmp_path / "site", small_course, tmp_path / "cache", log=lambda s: None
    )
    assert report.warnings == [] and report.notes == []
    out = report.out
    for stem in ("00_start", "01_math"):
        copied = out / "notebooks" / f"{stem}.ipynb"
        assert copied.read_bytes() == (small_course / f"{stem}.ipynb").read_bytes()
        assert (out / "student" / f"{stem}.ipynb").is_file()
        html = (out / f"{stem}.html").read_text(encoding="utf-8")
        assert f'download="{stem}.ipynb" href="notebooks/{stem}.ipynb"' in html
        assert f'download="{stem}-student.ipynb" href="student/{stem}.ipynb"' in html
        assert 'download="" href="downloads/course.zip"' in html
    student = nbformat.read(out / "student" / "01_math.ipynb", 4)
    assert "return 2 * x" not in student.cells[-1].source
    assert "NotImplementedError" in student.cells[-1].source
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="downloads/course.zip"' in index and "notebooks/" not in index
    assert zipfile.ZipFile(out / "downloads" / "course.zip").namelist() == ["course/README.md"]
    # No temporary file is left beside what was written.
    assert not [path for path in out.rglob("*") if path.name.startswith(".")]


def test_build_skips_the_repository_download_with_a_note_outside_git(
    small_course: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(site, "write_repository_archive", REAL_ARCHIVE)
    lines: list[str] = []
    report = site.build_site(
        tmp_path / "site", small_course, tmp_path / "cache", repo=tmp_path, log=lines.append
    )
    assert len(report.notes) == 1 and "not the top folder of a git checkout" in report.notes[0]
    assert [line for line in lines if "note:" in line] == [f"  note: {report.notes[0]}"]
    assert not (report.out / "downloads").exists()
    for page in report.pages:
        html = (report.out / page).read_text(encoding="utf-8")
        assert "course.zip" not in html and 'class="site-header"' in html
    assert report.warnings == []


def test_pages_link_the_dark_theme_for_dark_systems_only(small_course: Path, tmp_path: Path):
    report = site.build_site(
        tmp_path / "site", small_course, tmp_path / "cache", log=lambda s: None
    )
    html = (report.out / "00_start.html").read_text(encoding="utf-8")
    link = f'<link href="{site.DARK_THEME_URL}" media="(prefers-color-scheme: dark)"'
    assert link in html
    # It comes after the inlined light theme, so that its variables win.
    assert html.index(link) > html.rindex("--jp-layout-color0:")
    dark = (report.out / site.DARK_THEME_URL).read_text(encoding="utf-8")
    assert "--jp-layout-color0" in dark and site.external_loads(dark) == []
    assert "prefers-color-scheme: dark" in (report.out / site.SITE_CSS_URL).read_text("utf-8")


# ---------------------------------------------------------------------------------------
# The repository's archive.


def _git(repo: Path, *args: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=repo,
        env=environment,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not on the PATH")
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    (repo / "README.md").write_text("# Course\n")
    (repo / "tools" / "a.py").write_text("A = 1\n")
    (repo / ".gitignore").write_text("site/\n")
    _git(repo, "init", "--quiet")
    return repo


def test_repository_archive_holds_the_committed_files_only(git_repo: Path, tmp_path: Path):
    _git(git_repo, "add", ".")
    _git(git_repo, "commit", "--quiet", "-m", "start")
    (git_repo / "README.md").write_text("# Course, edited and not committed\n")
    (git_repo / "untracked.txt").write_text("not in git")
    (git_repo / "site").mkdir()
    (git_repo / "site" / "index.html").write_text("ignored")
    target = tmp_path / "out" / "course.zip"
    site.write_repository_archive(target, git_repo)
    with zipfile.ZipFile(target) as archive:
        names = sorted(name for name in archive.namelist() if not name.endswith("/"))
        assert names == ["course/.gitignore", "course/README.md", "course/tools/a.py"]
        assert archive.read("course/README.md") == b"# Course\n"
    assert [path.name for path in target.parent.iterdir()] == ["course.zip"]


def test_repository_archive_without_a_commit_leaves_no_file(git_repo: Path, tmp_path: Path):
    target = tmp_path / "out" / "course.zip"
    with pytest.raises(site.ArchiveUnavailableError, match="git archive HEAD"):
        site.write_repository_archive(target, git_repo)
    assert list(target.parent.iterdir()) == []


def test_repository_archive_needs_git_and_the_top_of_a_checkout(
    git_repo: Path, tmp_path: Path, monkeypatch
) -> None:
    with pytest.raises(site.ArchiveUnavailableError, match="not the top folder"):
        site.write_repository_archive(tmp_path / "a.zip", git_repo / "tools")
    with pytest.raises(site.ArchiveUnavailableError, match="not a folder"):
        site.write_repository_archive(tmp_path / "a.zip", tmp_path / "missing")
    monkeypatch.setattr(site.shutil, "which", lambda name: None)
    with pytest.raises(site.ArchiveUnavailableError, match="git is not on the PATH"):
        site.write_repository_archive(tmp_path / "a.zip", git_repo)
    assert not (tmp_path / "a.zip").exists()


# ---------------------------------------------------------------------------------------
# The search index.

RENDERED_PAGE = """<html><head><style>.x { color: red }</style></head><body class="jp-Notebook">
<main>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell">
<div class="jp-Cell-inputWrapper"><div class="jp-InputPrompt"></div>
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">
<p>Before any heading.</p>
<h1 id="03-%C2%B7-Title">03 · Title<a class="anchor-link" href="#03-%C2%B7-Title">¶</a></h1>
<p><em>A subtitle</em> with <code>code()</code> &amp; an entity.</p>
</div></div></div>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper">
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">
<!-- nav -->
<p><a href="02_x.html">← 02 · Previous</a> · <a href="index.html">Course map</a></p>
</div></div></div>
<div class="jp-Cell jp-CodeCell jp-Notebook-cell">
<div class="jp-InputArea"><pre>print("code is not indexed")</pre></div>
<div class="jp-OutputArea"><div class="jp-RenderedMarkdown jp-OutputArea-output">
<h2 id="out">Output heading</h2><p>outputs are not indexed</p></div></div>
</div>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper">
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">
<h2 id="1.-Setup">1. Setup<a class="anchor-link" href="#1.-Setup">¶</a></h2>
<ul><li>one</li><li>two<br/>three</li></ul><div><div>nested</div></div>
<script>var notText = 1;</script>
</div></div></div>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper">
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">
<p>More text of the same section.</p><h3 id="empty">Empty</h3>
</div></div></div>
</main></body></html>"""


def test_search_sections_reads_headings_and_markdown_text_only() -> None:
    sections = site.search_sections(RENDERED_PAGE)
    assert sections == [
        site.SearchSection("", "", "Before any heading."),
        site.SearchSection("03-%C2%B7-Title", "03 · Title", "A subtitle with code() & an entity."),
        site.SearchSection(
            "1.-Setup", "1. Setup", "one two three nested More text of the same section."
        ),
        site.SearchSection("empty", "Empty", ""),
    ]


def _index_data(script: str) -> dict:
    prefix = f"window.{site.SEARCH_GLOBAL} = "
    statement = script.splitlines()[-1]
    assert statement.startswith(prefix) and statement.endswith(";")
    return json.loads(statement.removeprefix(prefix).removesuffix(";"))


def test_search_index_script_sets_a_global_of_pages_and_sections() -> None:
    pages = [
        site.SearchPage("index.html", "Course map", ()),
        site.SearchPage(
            "03_cnn.html",
            "03 · A CNN — 卷积",
            (site.SearchSection("a", "Heading", "</script><script>alert(1)</script>\u2028"),),
        ),
    ]
    script = site.search_index_script(pages)
    assert script.isascii() and "</script>" not in script and "\u2028" not in script
    assert _index_data(script) == {
        "pages": [
            {"url": "index.html", "title": "Course map"},
            {"url": "03_cnn.html", "title": "03 · A CNN — 卷积"},
        ],
        "sections": [[1, "a", "Heading", "</script><script>alert(1)</script>\u2028"]],
    }


@pytest.mark.parametrize(
    ("url", "title", "problem"),
    [
        ("https://example.org/a.html", "A", "no folder, scheme"),
        ("sub/a.html", "A", "no folder"),
        ("a.ipynb", "A", "file name of a page"),
        ("a.html#top", "A", "anchor"),
        ("index.html", "  ", "empty title"),
        ("index.html", "A", "listed twice"),
    ],
)
def test_search_index_script_refuses_bad_pages(url: str, title: str, problem: str) -> None:
    pages = [site.SearchPage(url, title, ())]
    if problem == "listed twice":
        pages.append(site.SearchPage(url, title, ()))
    with pytest.raises(ValueError, match=problem):
        site.search_index_script(pages)


def test_build_indexes_every_page_for_search(small_course: Path, tmp_path: Path) -> None:
    report = site.build_site(
        tmp_path / "site", small_course, tmp_path / "cache", log=lambda s: None
    )
    data = _index_data((report.out / site.SEARCH_INDEX_URL).read_text(encoding="utf-8"))
    assert [page["url"] for page in data["pages"]] == report.pages
    assert data["pages"][2]["title"] == "01 · Math"
    headings = {
        (data["pages"][p]["url"], anchor, heading) for p, anchor, heading, _ in data["sections"]
    }
    assert ("01_math.html", "Learning-objectives", "Learning objectives") in headings
    texts = " ".join(text for *_, text in data["sections"])
    assert "Compute another." in texts and "print('hello')" not in texts
    for page in report.pages:
        html = (report.out / page).read_text(encoding="utf-8")
        loads, _ = site.page_references(html)
        assert site.SEARCH_INDEX_URL in loads and site.SEARCH_SCRIPT_URL in loads
        assert 'id="site-search-input"' in html
