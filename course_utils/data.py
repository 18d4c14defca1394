"""MovieLens 100K for the course, offline-first.

``load_movielens_100k()`` returns the MovieLens 100K data set (ML-100K) as three pandas tables:
ratings, items and users. It tries these sources in order and stops at the first that works:

1. the cache: ``<data_dir>/ml-100k/{ratings,items,users}.csv``, the normalised tables written
   canonically; each file is checked against a pinned sha256 before it is parsed, and a file
   that does not match is reported and ignored (fetched again), never used;
2. the GroupLens ``ml-100k.zip``: a copy placed by hand at ``<data_dir>/downloads/ml-100k.zip``,
   else a download from GroupLens (both checked against the zip's pinned sha256);
3. an offline mirror: the RecBole 1.2.1 wheel from the Python package index, which bundles
   ML-100K; it is fetched with ``pip download`` (never installed), checked against its pinned
   sha256, and only its three data files are read.

Both routes give identical tables by construction, and the tables are checked against the pinned
checksums of their canonical serialisation before they are cached. Every cache file is written
under a temporary name and moved into place only once its checksum verifies.

``data_dir`` defaults to ``$COURSE_DATA_DIR`` if set, else ``<repo>/datasets/cache``.

Command line::

    python -m course_utils.data fetch [--data-dir DIR]   # fill the cache
    python -m course_utils.data info [--data-dir DIR]    # print the table sizes

Licence (summary of the GroupLens terms in the data set's README): the data may be used for
research; it may not be redistributed without separate permission, nor used commercially
without permission; no endorsement by the University of Minnesota or GroupLens may be implied;
publications that use it must cite:

    F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context.
    ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19 (December 2015),
    19 pages. https://doi.org/10.1145/2827872

This is why nothing of MovieLens is committed to the repository: it is fetched into the cache.

Importing this module does not import TensorFlow (nor keras); pooch is imported only when a
download is attempted.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "GENRES",
    "GROUPLENS_URL",
    "GROUPLENS_ZIP_SHA256",
    "MIRROR_WHEEL_SHA256",
    "NORMALISED_SHA256",
    "ChecksumError",
    "DataError",
    "DataUnavailableError",
    "MalformedDataError",
    "MovieLens100K",
    "UnsafeArchiveError",
    "default_data_dir",
    "fetch",
    "load_movielens_100k",
    "main",
]

# --------------------------------------------------------------------------------------------
# Pinned sources and checksums.
# --------------------------------------------------------------------------------------------

GROUPLENS_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
#: sha256 of GroupLens' ml-100k.zip (4,924,029 bytes; MD5 0e33842e24a9c977be4e0107933c0723).
#: Not measured here (GroupLens was unreachable) but agreed by many independent public pins. A
#: variant ending in "...cd717c9a3328" matches none of them and is wrong.
GROUPLENS_ZIP_SHA256 = "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"
GROUPLENS_MEMBERS = {
    "ratings": "ml-100k/u.data",
    "items": "ml-100k/u.item",
    "users": "ml-100k/u.user",
}

MIRROR_PACKAGE = "recbole"
MIRROR_VERSION = "1.2.1"
MIRROR_WHEEL = "recbole-1.2.1-py3-none-any.whl"
#: sha256 of the RecBole 1.2.1 wheel (measured).
MIRROR_WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
MIRROR_MEMBERS = {
    "ratings": "recbole/dataset_example/ml-100k/ml-100k.inter",
    "items": "recbole/dataset_example/ml-100k/ml-100k.item",
    "users": "recbole/dataset_example/ml-100k/ml-100k.user",
}

#: sha256 of the three canonical cache files (measured on the full data set).
NORMALISED_SHA256 = {
    "ratings.csv": "ff41a947c20fa065e66308592f7ff9db1801922beaeb030f30efe3f87c234b93",
    "items.csv": "6058b428b1dc264e78e16d742bf331fba23a83a4229b7076946a0aa553d0ffc2",
    "users.csv": "f0666955a899ab27004d413eec2d92e393f5050879597e126ede637390e5a238",
}

CACHE_SUBDIR = "ml-100k"
DOWNLOADS_SUBDIR = "downloads"
HAND_PLACED_ZIP = "ml-100k.zip"
DATA_DIR_ENV = "COURSE_DATA_DIR"

#: GroupLens' 19 genres, in the order of u.item's flags (and of u.genre).
GENRES: tuple[str, ...] = (
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)
_GENRE_INDEX = {g: i for i, g in enumerate(GENRES)}

RATINGS_COLUMNS = ("user_id", "item_id", "rating", "timestamp")
ITEMS_COLUMNS = ("item_id", "title", "year", "genres")
USERS_COLUMNS = ("user_id", "age", "gender", "occupation", "zip_code")
_CACHE_FILES = {"ratings": "ratings.csv", "items": "items.csv", "users": "users.csv"}

# Time limits. With the network down, the whole search must fail within 30 s: GroupLens gets
# HTTP_TIMEOUT_S (connect and read), pip gets --timeout PIP_SOCKET_TIMEOUT_S and no retries,
# and the pip process is stopped at what is left of NETWORK_BUDGET_S (at least PIP_MIN_S,
# at most PIP_MAX_S).
HTTP_TIMEOUT_S = 10
PIP_SOCKET_TIMEOUT_S = 10
NETWORK_BUDGET_S = 27.0
PIP_MIN_S = 8.0
PIP_MAX_S = 25.0

_MAX_MEMBER_BYTES = 64 * 1024 * 1024
_WRITE_CHUNK = 1 << 16


# --------------------------------------------------------------------------------------------
# Errors and the result type.
# --------------------------------------------------------------------------------------------


class DataError(ValueError):
    """A data file is wrong: damaged, malformed, unsafe or not the expected file."""


class ChecksumError(DataError):
    """A file's sha256 does not match its pinned value."""


class MalformedDataError(DataError):
    """A data file is missing or cannot be parsed (too few columns, bad values, ...)."""


class UnsafeArchiveError(DataError):
    """An archive holds an entry with an absolute path, a ``..`` part or an excessive size."""


class DataUnavailableError(RuntimeError):
    """No source worked; ``attempts`` lists ``(source, reason)`` for each one tried."""

    def __init__(self, message: str, attempts: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.attempts = tuple(attempts)


@dataclass(frozen=True, eq=False)
class MovieLens100K:
    """MovieLens 100K as three normalised tables.

    Attributes:
        ratings: ``user_id``, ``item_id``, ``rating``, ``timestamp`` (int64), sorted by
            user_id, timestamp, item_id.
        items: ``item_id`` (int64), ``title`` (str), ``year`` (Int64, <NA> if unknown),
            ``genres`` (list of str in ``GENRES`` order), sorted by item_id.
        users: ``user_id``, ``age`` (int64), ``gender``, ``occupation``, ``zip_code`` (str),
            sorted by user_id.
    """

    ratings: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame

    def __repr__(self) -> str:
        return (
            f"MovieLens100K(ratings={len(self.ratings)} rows, items={len(self.items)} rows, "
            f"users={len(self.users)} rows)"
        )


# --------------------------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    """Return the folder that holds the data cache.

    Returns:
        ``$COURSE_DATA_DIR`` if that is set and not empty, else ``<repo>/datasets/cache``.
    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[1] / "datasets" / "cache"


def load_movielens_100k(
    data_dir: str | Path | None = None, *, download: bool = True, verbose: bool = False
) -> MovieLens100K:
    """Load MovieLens 100K, from the cache if it verifies, else fetching it first.

    Sources, in order: the cache in ``<data_dir>/ml-100k/``; the GroupLens ``ml-100k.zip``
    (placed by hand at ``<data_dir>/downloads/ml-100k.zip``, else downloaded); the RecBole
    1.2.1 wheel from the Python package index (``pip download``, never installed). Every file
    is checked against a pinned sha256; the tables are cached once they verify.

    Licence: GroupLens allows research use; the data may not be redistributed (so it is never
    committed) nor used commercially without permission; publications must cite F. Maxwell
    Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. ACM
    Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19.

    Args:
        data_dir: Folder of the cache; ``None`` means ``default_data_dir()``.
        download: Whether the network may be used (GroupLens, then pip). With ``False`` only
            the cache and a zip placed by hand are tried.
        verbose: Print one line per step (and a download progress bar where available).

    Returns:
        The ratings, items and users tables.

    Raises:
        DataUnavailableError: No source worked; the message lists each source and its reason
            and says how to place the zip by hand or set ``COURSE_DATA_DIR``.
    """
    data, _ = _load(_resolve(data_dir), download=download, say=print if verbose else _quiet)
    return data


def fetch(data_dir: str | Path | None = None, *, verbose: bool = True) -> Path:
    """Fill the cache (if it does not verify already) and say what was done.

    Args:
        data_dir: Folder of the cache; ``None`` means ``default_data_dir()``.
        verbose: Print one line per step.

    Returns:
        The folder that holds the cached ``ratings.csv``, ``items.csv`` and ``users.csv``.

    Raises:
        DataUnavailableError: No source worked (see ``load_movielens_100k``).
    """
    start = time.monotonic()
    say = print if verbose else _quiet
    data, cache_dir = _load(_resolve(data_dir), download=True, say=say)
    say(
        f"MovieLens 100K ready in {cache_dir}: {len(data.ratings)} ratings, "
        f"{len(data.users)} users, {len(data.items)} items ({time.monotonic() - start:.1f} s)"
    )
    return cache_dir


# --------------------------------------------------------------------------------------------
# The source search.
# --------------------------------------------------------------------------------------------


def _quiet(*_args: object, **_kwargs: object) -> None:
    return None


def _resolve(data_dir: str | Path | None) -> Path:
    return default_data_dir() if data_dir is None else Path(data_dir).expanduser()


def _load(
    data_dir: Path, *, download: bool, say: Callable[..., None]
) -> tuple[MovieLens100K, Path]:
    cache_dir = data_dir / CACHE_SUBDIR
    attempts: list[tuple[str, str]] = []

    say(f"trying the cache in {cache_dir} ... ", end="", flush=True)
    cached, reason = _read_cache(cache_dir)
    if cached is not None:
        say("ok")
        return cached, cache_dir
    say(reason)
    attempts.append((f"the cache in {cache_dir}", reason))

    hand_zip = data_dir / DOWNLOADS_SUBDIR / HAND_PLACED_ZIP
    deadline = time.monotonic() + NETWORK_BUDGET_S
    offline = "skipped (download=False)"
    sources: list[tuple[str, Callable[[], MovieLens100K], str | None]] = [
        (
            f"the zip placed by hand at {hand_zip}",
            lambda: _read_grouplens_zip(hand_zip),
            None if hand_zip.is_file() else "not there",
        ),
        (
            f"GroupLens ({GROUPLENS_URL})",
            lambda: _from_grouplens_download(verbose=say is not _quiet),
            None if download else offline,
        ),
        (
            f"the PyPI mirror (pip download {MIRROR_PACKAGE}=={MIRROR_VERSION})",
            lambda: _from_pip_mirror(deadline),
            None if download else offline,
        ),
    ]
    for label, get, skip in sources:
        if skip is not None:
            say(f"trying {label} ... {skip}")
            attempts.append((label, skip))
            continue
        say(f"trying {label} ... ", end="", flush=True)
        try:
            data = get()
            blobs = _serialise(data)
            _verify_normalised(blobs, label)
        except Exception as exc:
            reason = f"failed: {_describe(exc)}"
            say(reason)
            attempts.append((label, reason))
            continue
        say("ok")
        _write_cache(cache_dir, blobs, say)
        return data, cache_dir

    raise DataUnavailableError(_unavailable_message(hand_zip, attempts), attempts)


def _unavailable_message(hand_zip: Path, attempts: Sequence[tuple[str, str]]) -> str:
    tried = "\n".join(f"  - {label}: {reason}" for label, reason in attempts)
    return (
        "MovieLens 100K is not available: no source worked.\n"
        f"Tried:\n{tried}\n"
        "To fix it, either:\n"
        "  - connect to the internet and run `python -m course_utils.data fetch`; or\n"
        f"  - download {GROUPLENS_URL} on another machine and place it, unchanged, at\n"
        f"    {hand_zip}; or\n"
        f"  - set {DATA_DIR_ENV} to a folder whose {CACHE_SUBDIR}/ already holds the cache "
        "(ratings.csv, items.csv, users.csv)."
    )


def _describe(exc: BaseException) -> str:
    """One line for an attempt that failed; a long one loses its middle (often a long path),
    not its end, which says what happened."""
    text = " ".join(str(exc).split()) or "(no message)"
    if len(text) > 400:
        text = text[:200] + " ... " + text[-195:]
    if isinstance(exc, (DataError, DataUnavailableError)):
        return text
    return f"{type(exc).__name__}: {text}"


def _sha256_bytes(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_file(path: Path, expected: str, what: str) -> None:
    actual = _sha256_file(path)
    if actual != expected:
        raise ChecksumError(
            f"{path} has sha256 {actual}, expected {expected}: it is not {what} or it is "
            "damaged. Delete it and fetch again."
        )


# --------------------------------------------------------------------------------------------
# The cache.
# --------------------------------------------------------------------------------------------


def _read_cache(cache_dir: Path) -> tuple[MovieLens100K | None, str]:
    """Return the cached tables, or ``None`` and why the cache cannot be used."""
    blobs: dict[str, bytes] = {}
    missing = []
    for name in _CACHE_FILES.values():
        path = cache_dir / name
        try:
            blobs[name] = path.read_bytes()
        except FileNotFoundError:
            missing.append(name)
    if missing:
        return None, "missing " + ", ".join(missing)
    for name, blob in blobs.items():
        actual = _sha256_bytes(blob)
        if actual != NORMALISED_SHA256[name]:
            return None, (
                f"{cache_dir / name} has sha256 {actual}, expected {NORMALISED_SHA256[name]}; "
                "ignoring the cache and fetching again"
            )
    try:
        return _parse_cache(blobs), "ok"
    except (DataError, ValueError, UnicodeDecodeError) as exc:
        return None, f"could not be parsed ({_describe(exc)}); ignoring it and fetching again"


def _parse_cache(blobs: dict[str, bytes]) -> MovieLens100K:
    def rows(name: str, header: Sequence[str]) -> list[list[str]]:
        text = blobs[name].decode("utf-8")
        table = list(csv.reader(io.StringIO(text, newline="")))
        if not table or tuple(table[0]) != tuple(header):
            raise MalformedDataError(f"{name}: the header is not {','.join(header)}")
        return table[1:]

    ratings_text = blobs["ratings.csv"].decode("utf-8")
    header, _, body = ratings_text.partition("\n")
    if tuple(header.split(",")) != RATINGS_COLUMNS:
        raise MalformedDataError(f"ratings.csv: the header is not {','.join(RATINGS_COLUMNS)}")
    ratings = _int_matrix(body, ",", "ratings.csv")
    items = [
        (int(i), title, int(year) if year else None, tuple(genres.split("|")) if genres else ())
        for i, title, year, genres in rows("items.csv", ITEMS_COLUMNS)
    ]
    users = [
        (int(u), int(age), gender, occupation, zip_code)
        for u, age, gender, occupation, zip_code in rows("users.csv", USERS_COLUMNS)
    ]
    return _make_tables(ratings, items, users, source="the cache")


def _serialise(data: MovieLens100K) -> dict[str, bytes]:
    """Write the tables canonically: UTF-8, ``\\n``, fixed columns, no index."""
    out = io.StringIO()
    out.write(",".join(RATINGS_COLUMNS) + "\n")
    np.savetxt(out, data.ratings[list(RATINGS_COLUMNS)].to_numpy(np.int64), fmt="%d", delimiter=",")
    ratings = out.getvalue()

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ITEMS_COLUMNS)
    for item_id, title, year, genres in zip(
        data.items["item_id"],
        data.items["title"],
        data.items["year"],
        data.items["genres"],
        strict=True,
    ):
        writer.writerow(
            [int(item_id), str(title), "" if pd.isna(year) else int(year), "|".join(genres)]
        )
    items = out.getvalue()

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(USERS_COLUMNS)
    users_table = data.users[list(USERS_COLUMNS)]
    for user_id, age, gender, occupation, zip_code in users_table.itertuples(index=False):
        writer.writerow([int(user_id), int(age), gender, occupation, zip_code])
    users = out.getvalue()

    return {
        "ratings.csv": ratings.encode("utf-8"),
        "items.csv": items.encode("utf-8"),
        "users.csv": users.encode("utf-8"),
    }


def _verify_normalised(blobs: dict[str, bytes], source: str) -> None:
    for name, blob in blobs.items():
        actual = _sha256_bytes(blob)
        if actual != NORMALISED_SHA256[name]:
            raise ChecksumError(
                f"the {name} normalised from {source} has sha256 {actual}, expected "
                f"{NORMALISED_SHA256[name]}: the source differs from the pinned MovieLens 100K "
                "(or the parser changed); nothing was cached"
            )


def _write_cache(cache_dir: Path, blobs: dict[str, bytes], say: Callable[..., None]) -> None:
    """Write each verified file atomically; a cache that cannot be written is only a warning."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for name, blob in blobs.items():
            _write_atomic(cache_dir / name, blob, NORMALISED_SHA256[name])
            say(f"wrote {cache_dir / name} ({len(blob):,} bytes, sha256 verified)")
    except OSError as exc:
        message = f"could not write the cache in {cache_dir}: {_describe(exc)}"
        say(message)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _write_chunks(fh: io.BufferedWriter, blob: bytes) -> None:
    fh.writelines(blob[start : start + _WRITE_CHUNK] for start in range(0, len(blob), _WRITE_CHUNK))


def _write_atomic(path: Path, blob: bytes, expected_sha256: str) -> None:
    """Write ``blob`` to a temporary file beside ``path``; move it there once it verifies."""
    # Not mkstemp: its files are private (0600); the cache gets the usual umask permissions.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_chunks(fh, blob)
            fh.flush()
            os.fsync(fh.fileno())
        _verify_file(tmp, expected_sha256, f"the canonical {path.name}")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# The sources: the GroupLens zip and the RecBole wheel.
# --------------------------------------------------------------------------------------------


def _from_grouplens_download(*, verbose: bool) -> MovieLens100K:
    import pooch  # lazy: only a download needs it

    logger = pooch.get_logger()  # our own step lines say what happens; keep pooch's quiet
    old_level = logger.level
    logger.setLevel("WARNING")
    try:
        with tempfile.TemporaryDirectory(prefix="course-data-") as tmp:
            path = pooch.retrieve(
                GROUPLENS_URL,
                known_hash=f"sha256:{GROUPLENS_ZIP_SHA256}",
                fname=HAND_PLACED_ZIP,
                path=tmp,
                downloader=pooch.HTTPDownloader(
                    timeout=HTTP_TIMEOUT_S, progressbar=verbose and _has_tqdm()
                ),
            )
            return _read_grouplens_zip(Path(path))
    finally:
        logger.setLevel(old_level)


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _pip_download_command(dest: Path) -> list[str]:
    """The ordinary pip client fetching the wheel only: no dependencies, no build, no install."""
    return [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--only-binary=:all:", "--no-cache-dir",
        "--no-input", "--disable-pip-version-check",
        "--timeout", str(PIP_SOCKET_TIMEOUT_S), "--retries", "0",
        "--dest", str(dest),
        f"{MIRROR_PACKAGE}=={MIRROR_VERSION}",
    ]  # fmt: skip


def _from_pip_mirror(deadline: float) -> MovieLens100K:
    limit = min(PIP_MAX_S, max(PIP_MIN_S, deadline - time.monotonic()))
    with tempfile.TemporaryDirectory(prefix="course-data-") as tmp:
        dest = Path(tmp)
        try:
            proc = subprocess.run(
                _pip_download_command(dest),
                check=False,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=limit,
            )
        except subprocess.TimeoutExpired:
            raise DataUnavailableError(f"pip did not finish within {limit:.0f} s") from None
        if proc.returncode != 0:
            lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
            detail = " | ".join(lines[-3:]) or "no output"
            raise DataUnavailableError(f"pip exited with status {proc.returncode}: {detail}")
        wheel = dest / MIRROR_WHEEL
        if not wheel.is_file():
            saved = ", ".join(sorted(p.name for p in dest.iterdir())) or "nothing"
            raise MalformedDataError(f"pip did not save {MIRROR_WHEEL} (it saved: {saved})")
        _verify_file(wheel, MIRROR_WHEEL_SHA256, f"the {MIRROR_WHEEL} that was pinned")
        return _read_mirror_wheel(wheel)


def _safe_members(path: Path, wanted: Iterable[str]) -> dict[str, bytes]:
    """Read ``wanted`` from a zip, refusing an archive with any unsafe entry."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {}
            for info in zf.infolist():
                name = info.filename
                parts = name.replace("\\", "/").split("/")
                if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
                    raise UnsafeArchiveError(
                        f"{path} holds an unsafe entry {name!r} (absolute path or '..'); "
                        "refusing the whole archive. Delete it and fetch a genuine copy."
                    )
                infos[name] = info
            out = {}
            for name in wanted:
                if name not in infos:
                    raise MalformedDataError(
                        f"{path} has no {name}: it is not the expected archive. Delete it and "
                        "fetch again."
                    )
                if infos[name].file_size > _MAX_MEMBER_BYTES:
                    raise UnsafeArchiveError(
                        f"{path}: {name} claims {infos[name].file_size:,} bytes, more than "
                        f"{_MAX_MEMBER_BYTES:,}; refusing it"
                    )
                out[name] = zf.read(infos[name])
            return out
    except zipfile.BadZipFile as exc:
        raise MalformedDataError(
            f"{path} is not a valid zip ({exc}). Delete it and fetch again."
        ) from None


def _read_grouplens_zip(path: Path) -> MovieLens100K:
    """Parse GroupLens' ml-100k.zip after checking its sha256."""
    _verify_file(path, GROUPLENS_ZIP_SHA256, "GroupLens' ml-100k.zip")
    blobs = _safe_members(path, GROUPLENS_MEMBERS.values())
    return _parse_grouplens(
        blobs[GROUPLENS_MEMBERS["ratings"]],
        blobs[GROUPLENS_MEMBERS["items"]],
        blobs[GROUPLENS_MEMBERS["users"]],
    )


def _read_mirror_wheel(path: Path) -> MovieLens100K:
    """Parse the ML-100K files bundled in the RecBole wheel (the wheel is never installed)."""
    blobs = _safe_members(path, MIRROR_MEMBERS.values())
    return _parse_mirror(
        blobs[MIRROR_MEMBERS["ratings"]],
        blobs[MIRROR_MEMBERS["items"]],
        blobs[MIRROR_MEMBERS["users"]],
    )


# --------------------------------------------------------------------------------------------
# Parsing and normalisation.
# --------------------------------------------------------------------------------------------

_YEAR_GROUP = re.compile(r"\((\d{4})\)")
_ItemRow = tuple[int, str, "int | None", tuple[str, ...]]
_UserRow = tuple[int, int, str, str, str]


def _split_full_title(full_title: str) -> tuple[str, int | None]:
    """Split a GroupLens title: year = the last ``(dddd)`` group, title = the rest."""
    matches = list(_YEAR_GROUP.finditer(full_title))
    if not matches:
        return " ".join(full_title.split()), None
    last = matches[-1]
    rest = full_title[: last.start()] + " " + full_title[last.end() :]
    return " ".join(rest.split()), int(last.group(1))


def _lines(blob: bytes, encoding: str, name: str) -> list[str]:
    try:
        text = blob.decode(encoding)
    except UnicodeDecodeError as exc:
        raise MalformedDataError(f"{name} is not {encoding} text ({exc})") from None
    return [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _int_matrix(text: str, sep: str, name: str, usecols: Sequence[int] | None = None) -> np.ndarray:
    """Parse a separated table of integers into an (n, k) int64 array, naming the file on error."""
    ncols = len(usecols) if usecols is not None else None
    if not text.strip():
        return np.empty((0, ncols or 4), dtype=np.int64)
    kwargs = {"delimiter": sep, "comments": None, "ndmin": 2, "usecols": usecols}
    try:
        return np.loadtxt(io.StringIO(text), dtype=np.int64, **kwargs)
    except ValueError:
        pass
    try:
        values = np.loadtxt(io.StringIO(text), dtype=np.float64, **kwargs)
    except ValueError as exc:
        raise MalformedDataError(
            f"{name} is malformed: {exc}. Delete the download and fetch again."
        ) from None
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        raise MalformedDataError(f"{name} is malformed: it holds values that are not integers")
    return values.astype(np.int64)


def _parse_grouplens(u_data: bytes, u_item: bytes, u_user: bytes) -> MovieLens100K:
    text = u_data.decode("ascii", errors="replace").replace("\r\n", "\n")
    ratings = _int_matrix(text, "\t", "u.data")
    if ratings.shape[1] != 4:
        raise MalformedDataError(
            f"u.data is malformed: {ratings.shape[1]} columns, expected 4 "
            "(user id, item id, rating, timestamp)"
        )

    items: list[_ItemRow] = []
    for lineno, line in enumerate(_lines(u_item, "latin-1", "u.item"), start=1):
        fields = line.split("|")
        if len(fields) != 5 + len(GENRES):
            raise MalformedDataError(
                f"u.item line {lineno} has {len(fields)} columns, expected {5 + len(GENRES)} "
                "(id | title | release date | video release date | IMDb URL | 19 genre flags)"
            )
        flags = fields[5:]
        if any(f not in ("0", "1") for f in flags):
            raise MalformedDataError(f"u.item line {lineno}: genre flags must be 0 or 1")
        title, year = _split_full_title(fields[1])
        genres = tuple(g for g, f in zip(GENRES, flags, strict=True) if f == "1")
        items.append((_to_int(fields[0], "u.item", lineno, "item id"), title, year, genres))

    users: list[_UserRow] = []
    for lineno, line in enumerate(_lines(u_user, "latin-1", "u.user"), start=1):
        fields = line.split("|")
        if len(fields) != 5:
            raise MalformedDataError(
                f"u.user line {lineno} has {len(fields)} columns, expected 5 "
                "(id | age | gender | occupation | zip code)"
            )
        users.append(_user_row(fields, "u.user", lineno))
    return _make_tables(ratings, items, users, source="the GroupLens zip")


def _to_int(value: str, name: str, lineno: int, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise MalformedDataError(
            f"{name} line {lineno}: {what} {value!r} is not an integer"
        ) from None


def _user_row(fields: Sequence[str], name: str, lineno: int) -> _UserRow:
    user_id, age, gender, occupation, zip_code = (f.strip() for f in fields)
    return (
        _to_int(user_id, name, lineno, "user id"),
        _to_int(age, name, lineno, "age"),
        gender,
        occupation,
        zip_code,
    )


def _mirror_table(
    blob: bytes, name: str, columns: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """Split a RecBole atomic file; return its body lines' fields and the wanted column order."""
    lines = _lines(blob, "utf-8", name)
    if not lines:
        raise MalformedDataError(f"{name} is empty")
    header = [field.split(":", 1)[0].strip() for field in lines[0].split("\t")]
    missing = [c for c in columns if c not in header]
    if missing:
        raise MalformedDataError(
            f"{name} has no column {', '.join(missing)} (its header is {lines[0]!r})"
        )
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise MalformedDataError(
                f"{name} line {lineno} has {len(fields)} columns, expected {len(header)}"
            )
        rows.append([fields[header.index(c)] for c in columns])
    return header, rows


def _parse_mirror(inter: bytes, item: bytes, user: bytes) -> MovieLens100K:
    text = inter.decode("utf-8", errors="replace").replace("\r\n", "\n")
    header_line, _, body = text.partition("\n")
    header = [field.split(":", 1)[0].strip() for field in header_line.split("\t")]
    missing = [c for c in RATINGS_COLUMNS if c not in header]
    if missing:
        raise MalformedDataError(
            f"ml-100k.inter has no column {', '.join(missing)} (its header is {header_line!r})"
        )
    ratings = _int_matrix(
        body, "\t", "ml-100k.inter", usecols=[header.index(c) for c in RATINGS_COLUMNS]
    )

    items: list[_ItemRow] = []
    _, rows = _mirror_table(
        item, "ml-100k.item", ("item_id", "movie_title", "release_year", "class")
    )
    for lineno, (item_id, movie_title, release_year, classes) in enumerate(rows, start=2):
        # The mirror split GroupLens' title at its last parenthesised group: put it back.
        if movie_title == "unkonwn" and release_year == "unkonwn":
            full_title = "unknown"
        elif release_year.strip():
            full_title = f"{movie_title} ({release_year})"
        else:
            full_title = movie_title
        title, year = _split_full_title(full_title)
        genres = tuple(classes.split())
        items.append((_to_int(item_id, "ml-100k.item", lineno, "item id"), title, year, genres))

    _, rows = _mirror_table(user, "ml-100k.user", USERS_COLUMNS)
    users = [_user_row(fields, "ml-100k.user", n) for n, fields in enumerate(rows, start=2)]
    return _make_tables(ratings, items, users, source="the RecBole wheel")


def _make_tables(
    ratings: np.ndarray, items: list[_ItemRow], users: list[_UserRow], *, source: str
) -> MovieLens100K:
    """Build the three normalised tables; every route goes through here."""
    ratings = np.asarray(ratings, dtype=np.int64).reshape(-1, 4)
    order = np.lexsort((ratings[:, 2], ratings[:, 1], ratings[:, 3], ratings[:, 0]))
    ratings = ratings[order]
    if ratings.size and (ratings[:, 2].min() < 1 or ratings[:, 2].max() > 5):
        raise MalformedDataError(f"{source}: ratings must lie in 1..5")

    items = sorted(items, key=lambda row: row[0])
    users = sorted(users, key=lambda row: row[0])
    item_ids = np.array([row[0] for row in items], dtype=np.int64)
    user_ids = np.array([row[0] for row in users], dtype=np.int64)
    for what, ids in (("item", item_ids), ("user", user_ids)):
        if len(np.unique(ids)) != len(ids):
            raise MalformedDataError(f"{source}: {what} ids are not unique")
    unknown_users = np.setdiff1d(ratings[:, 0], user_ids)
    unknown_items = np.setdiff1d(ratings[:, 1], item_ids)
    if unknown_users.size or unknown_items.size:
        raise MalformedDataError(
            f"{source}: ratings refer to {unknown_users.size} unknown users and "
            f"{unknown_items.size} unknown items (the files do not belong together)"
        )

    genres = []
    for item_id, _title, _year, item_genres in items:
        bad = [g for g in item_genres if g not in _GENRE_INDEX]
        if bad:
            raise MalformedDataError(f"{source}: item {item_id} has unknown genres {bad}")
        genres.append(sorted(set(item_genres), key=_GENRE_INDEX.__getitem__))

    ratings_df = pd.DataFrame({col: ratings[:, i].copy() for i, col in enumerate(RATINGS_COLUMNS)})
    items_df = pd.DataFrame(
        {
            "item_id": item_ids,
            "title": pd.Series([row[1] for row in items], dtype=str),
            "year": pd.array([row[2] for row in items], dtype="Int64"),
            "genres": pd.Series(genres, dtype=object),
        }
    )
    users_df = pd.DataFrame(
        {
            "user_id": user_ids,
            "age": np.array([row[1] for row in users], dtype=np.int64),
            "gender": pd.Series([row[2] for row in users], dtype=str),
            "occupation": pd.Series([row[3] for row in users], dtype=str),
            "zip_code": pd.Series([row[4] for row in users], dtype=str),
        }
    )
    return MovieLens100K(ratings=ratings_df, items=items_df, users=users_df)


# --------------------------------------------------------------------------------------------
# Command line.
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line: ``fetch`` fills the cache, ``info`` prints the table sizes.

    Args:
        argv: The arguments (without the program name); ``None`` means ``sys.argv[1:]``.

    Returns:
        The exit status: 0 on success, 1 when the data is unavailable or wrong.
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.data",
        description="MovieLens 100K for the course: fetch it into the cache, or describe it.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("fetch", "fill the cache (GroupLens, else the PyPI mirror) and verify it"),
        ("info", "print the sizes of the cached tables (no download)"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help=f"cache folder (default: ${DATA_DIR_ENV}, else <repo>/datasets/cache)",
        )
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            fetch(args.data_dir, verbose=True)
        else:
            data, cache_dir = _load(_resolve(args.data_dir), download=False, say=_quiet)
            ratings = data.ratings
            print(f"MovieLens 100K in {cache_dir}")
            print(
                f"  ratings: {len(ratings):>6} rows  (ratings {ratings['rating'].min()}"
                f"..{ratings['rating'].max()})"
            )
            print(f"  users:   {len(data.users):>6} rows")
            print(f"  items:   {len(data.items):>6} rows")
    except (DataUnavailableError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing partial was left in the cache", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
