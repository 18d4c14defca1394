"""Tests for course_utils.data: MovieLens 100K, offline-first.

Every test but the last builds its data from strings (a GroupLens-style zip and a RecBole-style
wheel holding the same six movies) and uses no network: downloads go to a local HTTP server on
127.0.0.1 or to a closed local port, and pip is replaced by a small fake command. The last test
loads the full data set from the shared cache, fetching it first (through pip) if it is missing.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from course_utils import data as d

# --------------------------------------------------------------------------------------------
# Fixtures: the same small data set in both formats.
# --------------------------------------------------------------------------------------------

# (item id, GroupLens title, release date, genres as in GroupLens, mirror title, mirror year,
#  mirror classes). Item 11's mirror classes are deliberately out of canonical order.
MOVIES = [
    (1, "Toy Story (1995)", "01-Jan-1995", ["Animation", "Children's", "Comedy"],
     "Toy Story", "1995", "Animation Children's Comedy"),
    (5, "Copycat (1995)", "01-Jan-1995", ["Crime", "Drama", "Thriller"],
     "Copycat", "1995", "Crime Drama Thriller"),
    (11, "Seven (Se7en) (1995)", "01-Jan-1995", ["Crime", "Thriller"],
     "Seven (Se7en)", "1995", "Thriller Crime"),
    (267, "unknown", "", ["unknown"],
     "unkonwn", "unkonwn", "unknown"),
    (543, "Misérables, Les (1995)", "01-Jan-1995", ["Drama", "Musical"],
     "Misérables, Les", "1995", "Drama Musical"),
    (1412, "Land Before Time III: The Time of the Great Giving (1995) (V)", "01-Jan-1995",
     ["Animation", "Children's"],
     "Land Before Time III: The Time of the Great Giving (1995)", "V", "Animation Children's"),
]  # fmt: skip
USERS = [(1, 24, "M", "technician", "85711"), (2, 53, "F", "other", "01040"),
         (3, 23, "M", "writer", "T8H1N")]  # fmt: skip
RATINGS = [(1, 5, 3, 881250950), (2, 1, 5, 881250949), (1, 1, 4, 881250950),
           (3, 267, 1, 891717742), (1, 543, 2, 881250949), (2, 1412, 4, 891000000),
           (3, 11, 5, 880000000), (2, 543, 3, 891000000)]  # fmt: skip

EXPECTED_TITLES = {
    1: ("Toy Story", 1995),
    5: ("Copycat", 1995),
    11: ("Seven (Se7en)", 1995),
    267: ("unknown", None),
    543: ("Misérables, Les", 1995),
    1412: ("Land Before Time III: The Time of the Great Giving (V)", 1995),
}


def grouplens_files(*, u_item_lines: list[str] | None = None) -> dict[str, bytes]:
    u_data = "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in RATINGS)
    if u_item_lines is None:
        u_item_lines = []
        for item_id, title, date, genres, *_ in MOVIES:
            flags = "|".join("1" if g in genres else "0" for g in d.GENRES)
            url = "" if title == "unknown" else "http://us.imdb.com/M/title-exact?x"
            u_item_lines.append(f"{item_id}|{title}|{date}||{url}|{flags}")
    u_item = "".join(line + "\n" for line in u_item_lines)
    u_user = "".join(f"{u}|{a}|{g}|{o}|{z}\n" for u, a, g, o, z in USERS)
    return {
        "ml-100k/u.data": u_data.encode("ascii"),
        "ml-100k/u.item": u_item.encode("latin-1"),
        "ml-100k/u.user": u_user.encode("latin-1"),
        "ml-100k/README": b"fixture\n",
    }


def mirror_files(*, inter_header: str | None = None) -> dict[str, bytes]:
    inter_header = inter_header or "user_id:token\titem_id:token\trating:float\ttimestamp:float"
    inter = inter_header + "\n" + "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in RATINGS)
    item = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n" + "".join(
        f"{m[0]}\t{m[4]}\t{m[5]}\t{m[6]}\n" for m in MOVIES
    )
    user = "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n" + "".join(
        f"{u}\t{a}\t{g}\t{o}\t{z}\n" for u, a, g, o, z in USERS
    )
    base = "recbole/dataset_example/ml-100k/ml-100k"
    return {
        "recbole/__init__.py": b"",
        f"{base}.inter": inter.encode("utf-8"),
        f"{base}.item": item.encode("utf-8"),
        f"{base}.user": user.encode("utf-8"),
        "recbole-1.2.1.dist-info/WHEEL": b"Wheel-Version: 1.0\n",
    }


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in files.items():
            zf.writestr(zipfile.ZipInfo(name), blob)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables_equal(a: d.MovieLens100K, b: d.MovieLens100K) -> None:
    for field in ("ratings", "items", "users"):
        pd.testing.assert_frame_equal(getattr(a, field), getattr(b, field))


@pytest.fixture
def gl_zip(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "src" / "ml-100k.zip", grouplens_files())


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "src" / d.MIRROR_WHEEL, mirror_files())


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch, gl_zip: Path, wheel: Path) -> d.MovieLens100K:
    """Pin the fixture's checksums in place of the real ones; return the fixture's tables."""
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(gl_zip))
    monkeypatch.setattr(d, "MIRROR_WHEEL_SHA256", sha256(wheel))
    tables = d._read_grouplens_zip(gl_zip)
    blobs = d._serialise(tables)
    monkeypatch.setattr(d, "NORMALISED_SHA256", {k: hashlib.sha256(v).hexdigest()
                                                 for k, v in blobs.items()})  # fmt: skip
    return tables


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network: GroupLens points at a closed local port, pip fails; temp files are watched."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(d, "GROUPLENS_URL", f"http://127.0.0.1:{port}/ml-100k.zip")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake_pip(monkeypatch, "import sys, time; time.sleep(0.3); "
             "sys.stderr.write('ERROR: Could not find a version that satisfies the requirement "
             "recbole==1.2.1 (network is unreachable)\\n'); sys.exit(1)")  # fmt: skip
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_root))
    return tmp_root


def fake_pip(monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    monkeypatch.setattr(
        d, "_pip_download_command", lambda dest: [sys.executable, "-c", script, str(dest)]
    )


def copying_pip(monkeypatch: pytest.MonkeyPatch, wheel: Path) -> None:
    fake_pip(monkeypatch, f"import shutil, sys; shutil.copy({str(wheel)!r}, sys.argv[1])")


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------
# Normalisation: both routes give identical tables.
# --------------------------------------------------------------------------------------------


def test_both_routes_give_identical_tables(gl_zip: Path, wheel: Path, monkeypatch) -> None:
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(gl_zip))
    from_grouplens = d._read_grouplens_zip(gl_zip)
    from_mirror = d._read_mirror_wheel(wheel)
    tables_equal(from_grouplens, from_mirror)


def test_normalised_tables_have_the_documented_shape(gl_zip: Path, monkeypatch) -> None:
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(gl_zip))
    ml = d._read_grouplens_zip(gl_zip)
    assert list(ml.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert all(dtype == "int64" for dtype in ml.ratings.dtypes)
    assert list(ml.ratings.index) == list(range(len(RATINGS)))
    expected_order = sorted(RATINGS, key=lambda r: (r[0], r[3], r[1]))
    assert [tuple(r) for r in ml.ratings.itertuples(index=False)] == [
        (u, i, r, t) for u, i, r, t in expected_order
    ]

    items = ml.items
    assert list(items.columns) == ["item_id", "title", "year", "genres"]
    assert items["item_id"].dtype == "int64" and str(items["year"].dtype) == "Int64"
    assert list(items["item_id"]) == sorted(m[0] for m in MOVIES)
    got = {
        row.item_id: (row.title, None if pd.isna(row.year) else int(row.year))
        for row in items.itertuples()
    }
    assert got == EXPECTED_TITLES
    genres = dict(zip(items["item_id"], items["genres"], strict=True))
    assert genres[11] == ["Crime", "Thriller"] and isinstance(genres[11], list)
    assert genres[5] == ["Crime", "Drama", "Thriller"]
    assert genres[267] == ["unknown"]
    assert all(isinstance(t, str) for t in items["title"])

    users = ml.users
    assert list(users.columns) == ["user_id", "age", "gender", "occupation", "zip_code"]
    assert users["user_id"].dtype == "int64" and users["age"].dtype == "int64"
    assert list(users["zip_code"]) == ["85711", "01040", "T8H1N"]


@pytest.mark.parametrize(
    ("full", "title", "year"),
    [
        ("Toy Story (1995)", "Toy Story", 1995),
        ("Seven (Se7en) (1995)", "Seven (Se7en)", 1995),
        ("Land Before Time III: The Time of the Great Giving (1995) (V)",
         "Land Before Time III: The Time of the Great Giving (V)", 1995),
        ("unknown", "unknown", None),
        ("  Spaced   Out (1997) ", "Spaced Out", 1997),
    ],
)  # fmt: skip
def test_split_full_title(full: str, title: str, year: int | None) -> None:
    assert d._split_full_title(full) == (title, year)


def test_cache_serialisation_round_trips(gl_zip: Path, monkeypatch) -> None:
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(gl_zip))
    ml = d._read_grouplens_zip(gl_zip)
    blobs = d._serialise(ml)
    assert blobs["items.csv"].decode("utf-8").splitlines()[:3] == [
        "item_id,title,year,genres",
        "1,Toy Story,1995,Animation|Children's|Comedy",
        "5,Copycat,1995,Crime|Drama|Thriller",
    ]
    assert '543,"Misérables, Les",1995,Drama|Musical' in blobs["items.csv"].decode("utf-8")
    assert "267,unknown,,unknown" in blobs["items.csv"].decode("utf-8")
    assert all(b"\r" not in blob for blob in blobs.values())
    tables_equal(d._parse_cache(blobs), ml)


# --------------------------------------------------------------------------------------------
# The source search and the cache.
# --------------------------------------------------------------------------------------------


def test_hand_placed_zip_fills_the_cache_then_the_cache_is_used(
    tmp_path: Path, gl_zip: Path, pinned: d.MovieLens100K, monkeypatch, capsys
) -> None:
    data_dir = tmp_path / "data"
    write_zip(data_dir / "downloads" / "ml-100k.zip", grouplens_files())
    first = d.load_movielens_100k(data_dir, download=False)
    tables_equal(first, pinned)
    assert files_under(data_dir / "ml-100k") == ["items.csv", "ratings.csv", "users.csv"]
    assert capsys.readouterr().out == ""  # quiet unless verbose

    def no_source(*_args):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(d, "_read_grouplens_zip", no_source)
    second = d.load_movielens_100k(data_dir, download=False, verbose=True)
    tables_equal(second, first)
    assert "trying the cache" in capsys.readouterr().out


def test_mismatching_cache_file_is_reported_and_fetched_again(
    tmp_path: Path, pinned: d.MovieLens100K, capsys
) -> None:
    data_dir = tmp_path / "data"
    write_zip(data_dir / "downloads" / "ml-100k.zip", grouplens_files())
    d.load_movielens_100k(data_dir, download=False)
    items_csv = data_dir / "ml-100k" / "items.csv"
    good = items_csv.read_bytes()
    items_csv.write_bytes(good.replace(b"Toy Story", b"Toy Storm"))

    ml = d.load_movielens_100k(data_dir, download=False, verbose=True)
    out = capsys.readouterr().out
    assert "items.csv has sha256" in out and "ignoring the cache" in out
    assert items_csv.read_bytes() == good
    tables_equal(ml, pinned)


def test_mirror_route_through_a_fake_pip(
    tmp_path: Path, wheel: Path, pinned: d.MovieLens100K, offline: Path, monkeypatch, capsys
) -> None:
    copying_pip(monkeypatch, wheel)
    data_dir = tmp_path / "data"
    cache_dir = d.fetch(data_dir)
    assert cache_dir == data_dir / "ml-100k"
    out = capsys.readouterr().out
    assert "trying GroupLens" in out and "failed:" in out
    assert "trying the PyPI mirror (pip download recbole==1.2.1) ... ok" in out
    assert out.count("wrote ") == 3
    tables_equal(d.load_movielens_100k(data_dir, download=False), pinned)
    assert files_under(offline) == []  # the temporary download folders are gone


def test_no_network_fails_fast_and_says_what_to_do(
    tmp_path: Path, offline: Path, monkeypatch
) -> None:
    data_dir = tmp_path / "data"
    start = time.monotonic()
    with pytest.raises(d.DataUnavailableError) as info:
        d.load_movielens_100k(data_dir)
    elapsed = time.monotonic() - start
    assert elapsed < 30, elapsed
    message = str(info.value)
    labels = [label for label, _ in info.value.attempts]
    assert len(labels) == 4
    assert "cache" in labels[0] and "by hand" in labels[1]
    assert "GroupLens" in labels[2] and "pip download recbole==1.2.1" in labels[3]
    assert "network is unreachable" in message
    assert "Connection" in info.value.attempts[2][1]
    assert str(data_dir / "downloads" / "ml-100k.zip") in message
    assert "COURSE_DATA_DIR" in message
    assert not data_dir.exists() or files_under(data_dir) == []
    assert files_under(offline) == []


def test_download_false_never_touches_the_network(tmp_path: Path, monkeypatch) -> None:
    def boom(*_args, **_kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(d, "_from_grouplens_download", boom)
    monkeypatch.setattr(d, "_from_pip_mirror", boom)
    with pytest.raises(d.DataUnavailableError, match="skipped"):
        d.load_movielens_100k(tmp_path, download=False)


def test_pip_that_hangs_is_stopped(tmp_path: Path, offline: Path, monkeypatch) -> None:
    fake_pip(monkeypatch, "import time; time.sleep(60)")
    monkeypatch.setattr(d, "PIP_MIN_S", 1.0)
    monkeypatch.setattr(d, "PIP_MAX_S", 1.0)
    start = time.monotonic()
    with pytest.raises(d.DataUnavailableError, match="did not finish within 1 s"):
        d.load_movielens_100k(tmp_path / "data")
    assert time.monotonic() - start < 15


def test_time_limits_keep_the_offline_failure_under_30_s() -> None:
    command = d._pip_download_command(Path("dest"))
    assert command[:4] == [sys.executable, "-m", "pip", "download"]
    for flag in ("--no-deps", "--only-binary=:all:", "--no-input", "recbole==1.2.1"):
        assert flag in command
    assert command[command.index("--timeout") + 1] == "10"
    assert command[command.index("--retries") + 1] == "0"
    # Worst case: GroupLens' connection times out, then pip gets what is left of the budget.
    pip_limit = min(d.PIP_MAX_S, max(d.PIP_MIN_S, d.NETWORK_BUDGET_S - d.HTTP_TIMEOUT_S))
    assert d.HTTP_TIMEOUT_S + pip_limit <= 28


# --------------------------------------------------------------------------------------------
# Downloads from a local HTTP server: success, checksum mismatch, interruption.
# --------------------------------------------------------------------------------------------


@pytest.fixture
def http_server(monkeypatch: pytest.MonkeyPatch, offline: Path) -> Iterator[dict]:
    """A local server for GroupLens' URL (set after ``offline``, so it wins); pip still fails."""
    state: dict = {"body": b"", "partial": False}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state["body"]
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state["partial"]:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(d, "GROUPLENS_URL", f"http://127.0.0.1:{server.server_port}/ml-100k.zip")
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_grouplens_download_through_pooch(
    tmp_path: Path, gl_zip: Path, pinned: d.MovieLens100K, http_server: dict, offline: Path,
    monkeypatch, capsys,
) -> None:  # fmt: skip
    http_server["body"] = gl_zip.read_bytes()
    data_dir = tmp_path / "data"
    ml = d.load_movielens_100k(data_dir, verbose=True)
    tables_equal(ml, pinned)
    assert "trying GroupLens" in capsys.readouterr().out
    assert files_under(data_dir) == ["ml-100k/items.csv", "ml-100k/ratings.csv",
                                     "ml-100k/users.csv"]  # fmt: skip
    assert files_under(offline) == []


def test_checksum_mismatch_of_the_download_caches_nothing(
    tmp_path: Path, gl_zip: Path, pinned: d.MovieLens100K, offline: Path, http_server: dict,
) -> None:  # fmt: skip
    http_server["body"] = gl_zip.read_bytes() + b"tampered"
    data_dir = tmp_path / "data"
    with pytest.raises(d.DataUnavailableError) as info:
        d.load_movielens_100k(data_dir)
    assert "hash" in info.value.attempts[2][1].lower()
    assert not data_dir.exists() or files_under(data_dir) == []
    assert files_under(offline) == []


def test_interrupted_download_leaves_no_partial_file(
    tmp_path: Path, gl_zip: Path, pinned: d.MovieLens100K, offline: Path, http_server: dict,
) -> None:  # fmt: skip
    http_server["body"] = gl_zip.read_bytes()
    http_server["partial"] = True
    data_dir = tmp_path / "data"
    with pytest.raises(d.DataUnavailableError) as info:
        d.load_movielens_100k(data_dir)
    assert "IncompleteRead" in info.value.attempts[2][1]
    assert not data_dir.exists() or files_under(data_dir) == []
    assert files_under(offline) == []


def test_checksum_mismatch_of_the_hand_placed_zip_caches_nothing(
    tmp_path: Path, pinned: d.MovieLens100K
) -> None:
    data_dir = tmp_path / "data"
    files = grouplens_files()
    files["ml-100k/README"] = b"a different zip\n"
    write_zip(data_dir / "downloads" / "ml-100k.zip", files)
    with pytest.raises(d.DataUnavailableError) as info:
        d.load_movielens_100k(data_dir, download=False)
    assert "sha256" in info.value.attempts[1][1] and "ml-100k.zip" in info.value.attempts[1][1]
    assert files_under(data_dir) == ["downloads/ml-100k.zip"]
    with pytest.raises(d.ChecksumError, match=r"GroupLens' ml-100k\.zip"):
        d._read_grouplens_zip(data_dir / "downloads" / "ml-100k.zip")


def test_checksum_mismatch_of_the_wheel_caches_nothing(
    tmp_path: Path, wheel: Path, pinned: d.MovieLens100K, offline: Path, monkeypatch
) -> None:
    copying_pip(monkeypatch, wheel)
    monkeypatch.setattr(d, "MIRROR_WHEEL_SHA256", "0" * 64)
    data_dir = tmp_path / "data"
    with pytest.raises(d.DataUnavailableError) as info:
        d.load_movielens_100k(data_dir)
    assert "sha256" in info.value.attempts[3][1] and d.MIRROR_WHEEL in info.value.attempts[3][1]
    assert not data_dir.exists() or files_under(data_dir) == []
    assert files_under(offline) == []


def test_normalised_tables_that_do_not_match_the_pins_are_not_cached(
    tmp_path: Path, gl_zip: Path, monkeypatch
) -> None:
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(gl_zip))  # the real table pins stay
    data_dir = tmp_path / "data"
    write_zip(data_dir / "downloads" / "ml-100k.zip", grouplens_files())
    with pytest.raises(d.DataUnavailableError) as info:
        d.load_movielens_100k(data_dir, download=False)
    assert "normalised" in info.value.attempts[1][1] and "nothing was cached" in str(info.value)
    assert files_under(data_dir) == ["downloads/ml-100k.zip"]


def test_a_long_failure_keeps_its_conclusion() -> None:
    # A deep data folder makes the message long; what it concludes must survive the cut.
    long = d.ChecksumError(
        f"the ratings.csv normalised from /{'deep/' * 100}x.zip differs; nothing was cached"
    )
    text = d._describe(long)
    assert len(text) == 400 and text.startswith("the ratings.csv normalised from /deep/")
    assert text.endswith("differs; nothing was cached") and " ... " in text


def test_interrupted_cache_write_leaves_no_partial_file(
    tmp_path: Path, pinned: d.MovieLens100K, monkeypatch
) -> None:
    data_dir = tmp_path / "data"
    write_zip(data_dir / "downloads" / "ml-100k.zip", grouplens_files())
    real_write = d._write_chunks

    def write_half_then_stop(fh, blob):
        fh.write(blob[: len(blob) // 2])
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-write

    monkeypatch.setattr(d, "_write_chunks", write_half_then_stop)
    with pytest.raises(KeyboardInterrupt):
        d.load_movielens_100k(data_dir, download=False)
    assert files_under(data_dir / "ml-100k") == []

    def disk_full(fh, blob):
        fh.write(blob[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(d, "_write_chunks", disk_full)
    with pytest.warns(RuntimeWarning, match="could not write the cache"):
        ml = d.load_movielens_100k(data_dir, download=False)
    tables_equal(ml, pinned)  # the data is still returned
    assert files_under(data_dir / "ml-100k") == []

    monkeypatch.setattr(d, "_write_chunks", real_write)
    d.load_movielens_100k(data_dir, download=False)
    assert files_under(data_dir / "ml-100k") == ["items.csv", "ratings.csv", "users.csv"]


# --------------------------------------------------------------------------------------------
# Unsafe archives and malformed files.
# --------------------------------------------------------------------------------------------

UNSAFE_NAMES = ["../evil.txt", "/etc/evil.txt", "ml-100k/../../evil.txt", "C:/evil.txt"]


@pytest.mark.parametrize("bad_name", UNSAFE_NAMES)
def test_unsafe_entry_in_the_grouplens_zip_is_refused(
    tmp_path: Path, monkeypatch, bad_name: str
) -> None:
    files = grouplens_files()
    files[bad_name] = b"evil"
    path = write_zip(tmp_path / "ml-100k.zip", files)
    assert bad_name in zipfile.ZipFile(path).namelist()
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(path))
    with pytest.raises(d.UnsafeArchiveError, match="unsafe entry"):
        d._read_grouplens_zip(path)
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize("bad_name", UNSAFE_NAMES)
def test_unsafe_entry_in_the_wheel_is_refused(tmp_path: Path, bad_name: str) -> None:
    files = mirror_files()
    files[bad_name] = b"evil"
    path = write_zip(tmp_path / d.MIRROR_WHEEL, files)
    with pytest.raises(d.UnsafeArchiveError, match="unsafe entry"):
        d._read_mirror_wheel(path)


def test_u_item_with_too_few_columns_names_the_file(tmp_path: Path, monkeypatch) -> None:
    lines = grouplens_files()["ml-100k/u.item"].decode("latin-1").splitlines()
    lines[2] = "|".join(lines[2].split("|")[:10])
    path = write_zip(tmp_path / "ml-100k.zip", grouplens_files(u_item_lines=lines))
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(path))
    with pytest.raises(d.MalformedDataError, match=r"u\.item line 3 has 10 columns, expected 24"):
        d._read_grouplens_zip(path)


def test_inter_missing_a_column_names_the_file(tmp_path: Path) -> None:
    files = mirror_files(inter_header="user_id:token\titem_id:token\trating:float\tstamp:float")
    path = write_zip(tmp_path / d.MIRROR_WHEEL, files)
    with pytest.raises(d.MalformedDataError, match=r"ml-100k\.inter has no column timestamp"):
        d._read_mirror_wheel(path)


def test_u_data_with_a_short_row_names_the_file(tmp_path: Path, monkeypatch) -> None:
    files = grouplens_files()
    files["ml-100k/u.data"] += b"1\t5\t3\n"
    path = write_zip(tmp_path / "ml-100k.zip", files)
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(path))
    with pytest.raises(d.MalformedDataError, match=r"u\.data is malformed"):
        d._read_grouplens_zip(path)


def test_missing_member_and_bad_zip_name_the_file(tmp_path: Path, monkeypatch) -> None:
    files = grouplens_files()
    del files["ml-100k/u.user"]
    path = write_zip(tmp_path / "ml-100k.zip", files)
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(path))
    with pytest.raises(d.MalformedDataError, match=r"has no ml-100k/u\.user"):
        d._read_grouplens_zip(path)

    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    monkeypatch.setattr(d, "GROUPLENS_ZIP_SHA256", sha256(junk))
    with pytest.raises(d.MalformedDataError, match=r"junk\.zip is not a valid zip"):
        d._read_grouplens_zip(junk)


def test_errors_are_value_errors_except_unavailable() -> None:
    for cls in (d.ChecksumError, d.MalformedDataError, d.UnsafeArchiveError):
        assert issubclass(cls, d.DataError) and issubclass(cls, ValueError)
    assert issubclass(d.DataUnavailableError, RuntimeError)


# --------------------------------------------------------------------------------------------
# Import hygiene, default folder and command line.
# --------------------------------------------------------------------------------------------


def test_import_does_not_pull_in_tensorflow_or_pooch() -> None:
    code = (
        "import sys, course_utils.data; "
        "bad = [m for m in ('tensorflow', 'keras', 'pooch') if m in sys.modules]; "
        "sys.exit(str(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_default_data_dir(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert d.default_data_dir() == tmp_path
    monkeypatch.delenv("COURSE_DATA_DIR")
    repo = Path(d.__file__).resolve().parents[1]
    assert d.default_data_dir() == repo / "datasets" / "cache"


def test_cli_fetch_and_info(tmp_path: Path, pinned: d.MovieLens100K, capsys) -> None:
    data_dir = tmp_path / "data"
    write_zip(data_dir / "downloads" / "ml-100k.zip", grouplens_files())
    assert d.main(["fetch", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "trying the zip placed by hand" in out and "ok" in out and "wrote" in out
    assert d.main(["info", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"ratings: {len(RATINGS):>6} rows" in out and "users:        3 rows" in out


def test_cli_failure_is_a_clear_message_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "course_utils.data", "info", "--data-dir", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: MovieLens 100K is not available")
    assert "Traceback" not in proc.stderr
    assert str(tmp_path / "downloads" / "ml-100k.zip") in proc.stderr


# --------------------------------------------------------------------------------------------
# The full data set (uses the shared cache; fetches it, through pip, if it is missing).
# --------------------------------------------------------------------------------------------


def test_full_movielens_100k() -> None:
    ml = d.load_movielens_100k()
    assert len(ml.ratings) == 100_000
    assert len(ml.users) == 943 and ml.users["user_id"].tolist() == list(range(1, 944))
    assert len(ml.items) == 1682 and ml.items["item_id"].tolist() == list(range(1, 1683))
    assert ml.ratings["rating"].between(1, 5).all()
    assert set(ml.ratings["rating"]) == {1, 2, 3, 4, 5}
    assert not ml.ratings.duplicated(["user_id", "item_id"]).any()
    keys = ml.ratings[["user_id", "timestamp", "item_id"]]
    assert keys.equals(keys.sort_values(list(keys.columns), ignore_index=True))
    items = ml.items.set_index("item_id")
    assert items.loc[1, "title"] == "Toy Story" and items.loc[1, "year"] == 1995
    assert items.loc[1, "genres"] == ["Animation", "Children's", "Comedy"]
    assert items.loc[267, "title"] == "unknown" and pd.isna(items.loc[267, "year"])
    assert items.loc[1412, "title"] == "Land Before Time III: The Time of the Great Giving (V)"
    assert items.loc[543, "title"] == "Misérables, Les"
    assert items["year"].isna().sum() == 1
    assert set(ml.users["gender"]) == {"F", "M"}
