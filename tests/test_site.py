"""Tests for tools.site: pinned assets, safe extraction, links, offline pages, the build.

These are fast and need no network: the build tests use stand-in assets. The real assets
and the pages in a browser are tested in tests/test_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import tarfile
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
    notebook.metadata["course"] = {"minutes": 10}
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
    return folder


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
