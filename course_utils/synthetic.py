"""A seeded generator of small interaction logs with planted, known structure.

Real data never tells us what a model *should* find. This generator does: it plants three
kinds of structure, records them in :class:`SyntheticTruth`, and writes a ratings table with
the same schema as MovieLens, so every tool in the course runs on it unchanged.

The planted structure:

* **Tastes.** Each item has one primary genre; each user has a taste distribution over
  genres (``truth.user_genre_weights``). Ordinary picks are drawn with probability
  proportional to ``taste[genre] * popularity``, so most of a user's items come from the
  preferred genres, and popular items are picked more often (``truth.item_popularity``).
  A matrix-factorisation model should recover the tastes; a popularity baseline only the
  popularity.
* **Triples** ``(A, B, C)`` (``truth.triples``). A user who watches A is, with probability
  ``pair_prob``, steered to B within the next few steps. Whenever a user watches B after
  having watched A, the very next item is C with probability ``triple_prob`` (unless the
  user has already seen C: nobody watches an item twice). B also occurs without A (it is
  an ordinary item), and then C does not follow. So whether C comes after B depends on A:
  a model that remembers A as well as B predicts C better than one that only sees B.
* **Series** (``truth.series``, e.g. "Star Saga 1", "Star Saga 2", ...). Only the first
  part is an ordinary item; after it, each step continues the series with probability
  ``series_prob``, possibly with other items in between. Parts are therefore watched in
  order: every user's series items form a prefix of the series, in order.

Each user watches every item at most once, and timestamps strictly increase within a user,
so the order of a user's history is unambiguous. The same arguments always give the same
bytes (a single NumPy ``Generator`` seeded with ``seed`` drives everything).

This module only uses NumPy and pandas, so importing it never starts TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from course_utils.validation import check_int

__all__ = [
    "GENRES",
    "SERIES_NAMES",
    "SyntheticLog",
    "SyntheticTruth",
    "make_synthetic_log",
    "series_lengths",
]

#: The genre vocabulary; ``truth.user_genre_weights`` has one column per genre, in order.
GENRES: tuple[str, ...] = ("Action", "Comedy", "Drama", "Romance", "Sci-Fi", "Horror")

#: Names of the planted series; series ``s`` has ``3 + s % 3`` parts (3, 4, 5, 3, ...).
SERIES_NAMES: tuple[str, ...] = (
    "Star Saga",
    "Dragon Chronicles",
    "Night Files",
    "Ocean Trilogy",
    "Robot Wars",
    "Castle Tales",
)

# The log starts on 2020-01-01 (UTC); each user starts within the following year.
_START_TIMESTAMP = 1_577_836_800
_SECONDS_PER_YEAR = 365 * 24 * 3600
# Steps between a user's consecutive interactions: one minute to two days.
_MIN_GAP_SECONDS, _MAX_GAP_SECONDS = 60, 2 * 24 * 3600
# When A steers a user to B, B comes after 0, 1 or 2 ordinary items.
_MAX_PAIR_DELAY = 2
# A small share of every user's taste is spread evenly over all genres, so that no genre
# has probability zero and every user can always find an ordinary item to pick.
_TASTE_FLOOR = 0.05
# Popularity follows a Zipf law over a random ranking of the items.
_ZIPF_EXPONENT = 0.8
# Probability that an item has a second genre, for the `genres` lists (display only).
_SECOND_GENRE_PROB = 0.3


@dataclass(frozen=True, eq=False)
class SyntheticTruth:
    """What :func:`make_synthetic_log` planted. Item ids are 1-based; row i is item i + 1.

    Attributes:
        genres: Genre names; the columns of ``user_genre_weights``.
        user_genre_weights: Shape (num_users, num_genres); row u (user id u + 1) is that
            user's taste distribution (rows sum to 1).
        item_genre: Shape (num_items,); index into ``genres`` of each item's primary genre.
        item_popularity: Shape (num_items,); relative popularity weight of each item.
        triples: ``(A, B, C)`` item ids: after A and then B, C comes next.
        series: Item ids of each series, in watching order.
        triple_prob: Probability that C follows B when A was watched before B.
        pair_prob: Probability that watching A steers the user to B soon after.
        series_prob: Probability, per step, of continuing a started series.
    """

    genres: tuple[str, ...]
    user_genre_weights: np.ndarray
    item_genre: np.ndarray
    item_popularity: np.ndarray
    triples: tuple[tuple[int, int, int], ...]
    series: tuple[tuple[int, ...], ...]
    triple_prob: float
    pair_prob: float
    series_prob: float


@dataclass(frozen=True, eq=False)
class SyntheticLog:
    """A synthetic interaction log and the structure planted in it.

    Attributes:
        ratings: Columns ``user_id``, ``item_id``, ``rating``, ``timestamp`` (all int64),
            sorted by user and time, like the MovieLens ratings table. Ids start at 1.
        items: Columns ``item_id``, ``title`` and ``genres`` (a list of genre names, the
            primary genre first).
        truth: The planted structure.
    """

    ratings: pd.DataFrame
    items: pd.DataFrame
    truth: SyntheticTruth

    def __repr__(self) -> str:
        """Return a one-line summary instead of printing two DataFrames."""
        return (
            f"SyntheticLog({self.ratings['user_id'].nunique()} users, {len(self.items)} items, "
            f"{len(self.ratings)} ratings, {len(self.truth.triples)} triples, "
            f"{len(self.truth.series)} series)"
        )


def _check_probability(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}.")
    return float(value)


def series_lengths(num_series: int) -> list[int]:
    """Return the number of parts of each planted series (3, 4, 5, 3, 4, 5, ...).

    Args:
        num_series: Number of series.

    Returns:
        One length per series.
    """
    return [3 + s % 3 for s in range(num_series)]


def _user_sequence(
    rng: np.random.Generator,
    length: int,
    weights: np.ndarray,
    ordinary: np.ndarray,
    triple_after_b: dict[int, tuple[int, int]],
    pair_after_a: dict[int, int],
    series_next: dict[int, tuple[int, ...]],
    probs: tuple[float, float, float],
) -> list[int]:
    """Generate one user's sequence of 0-based item indices."""
    triple_prob, pair_prob, series_prob = probs
    seen = np.zeros(len(weights), dtype=bool)
    sequence: list[int] = []
    forced_next: int | None = None  # C, due right after its B.
    pending_b: list[tuple[int, int]] = []  # (due step, B) queued by an A.
    open_series: list[list[int]] = []  # Remaining parts of each started series.

    while len(sequence) < length:
        step = len(sequence)
        item: int | None = None
        # Priorities: the planted C first (it must come *right after* B), then a due B,
        # then a series continuation, then an ordinary pick.
        if forced_next is not None and not seen[forced_next]:
            item = forced_next
        forced_next = None
        if item is None:
            due = [b for when, b in pending_b if when <= step and not seen[b]]
            if due:
                item = due[0]
                pending_b = [(when, b) for when, b in pending_b if b != item]
        if item is None and open_series and rng.random() < series_prob:
            parts = open_series[int(rng.integers(len(open_series)))]
            item = parts.pop(0)
            open_series = [rest for rest in open_series if rest]
        if item is None:
            candidates = ordinary & ~seen
            p = np.where(candidates, weights, 0.0)
            item = int(rng.choice(len(p), p=p / p.sum()))

        seen[item] = True
        sequence.append(item)
        if item in triple_after_b:
            a, c = triple_after_b[item]
            if seen[a] and not seen[c] and rng.random() < triple_prob:
                forced_next = c
        if item in pair_after_a:
            b = pair_after_a[item]
            if not seen[b] and rng.random() < pair_prob:
                delay = int(rng.integers(_MAX_PAIR_DELAY + 1))
                pending_b.append((step + 1 + delay, b))
        if item in series_next:
            open_series.append(list(series_next[item][1:]))
    return sequence


def make_synthetic_log(
    num_users: int = 300,
    num_items: int = 120,
    *,
    seed: int = 0,
    min_interactions: int = 20,
    max_interactions: int = 40,
    num_triples: int = 4,
    num_series: int = 3,
    taste_concentration: float = 0.3,
    triple_prob: float = 0.9,
    pair_prob: float = 0.5,
    series_prob: float = 0.5,
) -> SyntheticLog:
    """Generate a seeded interaction log with planted tastes, triples and series.

    Args:
        num_users: Number of users (ids 1..num_users).
        num_items: Number of items (ids 1..num_items).
        seed: Seed of the random generator; the same arguments give the same log.
        min_interactions: Fewest interactions per user (at least 3, so that
            :func:`course_utils.splits.leave_last_out` can hold two out).
        max_interactions: Most interactions per user.
        num_triples: Number of planted (A, B, C) triples.
        num_series: Number of planted series (at most ``len(SERIES_NAMES)``).
        taste_concentration: Dirichlet concentration of the user tastes; small values
            give users few, strong favourite genres.
        triple_prob: Probability that C follows B when A was watched before B.
        pair_prob: Probability that watching A steers the user to B soon after.
        series_prob: Probability, per step, of continuing a started series.

    Returns:
        A :class:`SyntheticLog`.

    Raises:
        ValueError: If an argument is out of range, or if ``num_items`` is too small to
            hold the triples, the series and ``max_interactions`` ordinary items.
    """
    num_users = check_int(num_users, "num_users", 1)
    num_items = check_int(num_items, "num_items", 1)
    seed = check_int(seed, "seed", 0)
    min_interactions = check_int(min_interactions, "min_interactions", 3)
    max_interactions = check_int(max_interactions, "max_interactions", min_interactions)
    num_triples = check_int(num_triples, "num_triples", 0)
    num_series = check_int(num_series, "num_series", 0)
    if num_series > len(SERIES_NAMES):
        raise ValueError(
            f"num_series must be at most {len(SERIES_NAMES)} (one per name in SERIES_NAMES), "
            f"got {num_series}."
        )
    if (
        isinstance(taste_concentration, bool)
        or not isinstance(taste_concentration, Real)
        or not np.isfinite(taste_concentration)
        or taste_concentration <= 0
    ):
        raise ValueError(
            f"taste_concentration must be a positive finite number, got {taste_concentration!r}."
        )
    probs = (
        _check_probability(triple_prob, "triple_prob"),
        _check_probability(pair_prob, "pair_prob"),
        _check_probability(series_prob, "series_prob"),
    )
    lengths = series_lengths(num_series)
    planted = 3 * num_triples + sum(lengths)
    # Later series parts are never ordinary picks, and a user must always find an unseen
    # ordinary item, so the catalogue must hold the planted items plus a full history.
    needed = planted + max_interactions
    if num_items < needed:
        raise ValueError(
            f"num_items={num_items} is too small: {num_triples} triples and {num_series} "
            f"series use {planted} items, and users need {max_interactions} "
            f"(max_interactions) more, so at least {needed} items are needed. Raise num_items "
            "or lower num_triples, num_series or max_interactions."
        )

    rng = np.random.default_rng(seed)
    num_genres = len(GENRES)

    # Items: a balanced random genre assignment and a Zipf popularity over a random ranking.
    item_genre = rng.permutation(np.arange(num_items) % num_genres)
    popularity_rank = rng.permutation(num_items)
    # The planted items are drawn from a random permutation: triples first, then series.
    planted_items = rng.permutation(num_items)[:planted]
    triple_items = planted_items[: 3 * num_triples].reshape(num_triples, 3)
    series_items: list[np.ndarray] = []
    cursor = 3 * num_triples
    for length in lengths:
        series_items.append(planted_items[cursor : cursor + length])
        cursor += length
    # The A items and the series openers get the top popularity ranks, so that enough users
    # meet them for the triples and series to be visible in a few hundred users.
    openers = np.concatenate([triple_items[:, 0], [s[0] for s in series_items]]).astype(int)
    for new_rank, item in enumerate(openers):
        swap_with = int(np.flatnonzero(popularity_rank == new_rank)[0])
        popularity_rank[swap_with], popularity_rank[item] = popularity_rank[item], new_rank
    item_popularity = 1.0 / (1.0 + popularity_rank) ** _ZIPF_EXPONENT
    # A series shares one genre, so that liking the genre and following the series agree.
    for parts in series_items:
        item_genre[parts] = item_genre[parts[0]]

    ordinary = np.ones(num_items, dtype=bool)
    for parts in series_items:
        ordinary[parts[1:]] = False

    tastes = rng.dirichlet(np.full(num_genres, float(taste_concentration)), size=num_users)
    user_genre_weights = (1.0 - _TASTE_FLOOR) * tastes + _TASTE_FLOOR / num_genres

    triple_after_b = {int(b): (int(a), int(c)) for a, b, c in triple_items}
    pair_after_a = {int(a): int(b) for a, b, _ in triple_items}
    series_next = {int(parts[0]): tuple(int(i) for i in parts) for parts in series_items}

    user_column: list[np.ndarray] = []
    item_column: list[np.ndarray] = []
    rating_column: list[np.ndarray] = []
    time_column: list[np.ndarray] = []
    for user in range(num_users):
        taste = user_genre_weights[user]
        length = int(rng.integers(min_interactions, max_interactions + 1))
        sequence = np.asarray(
            _user_sequence(
                rng,
                length,
                taste[item_genre] * item_popularity,
                ordinary,
                triple_after_b,
                pair_after_a,
                series_next,
                probs,
            ),
            dtype=np.int64,
        )
        # Ratings follow taste: items from a user's favourite genre tend to get 5 stars.
        affinity = taste[item_genre[sequence]] / taste.max()
        noise = rng.normal(0.0, 0.7, size=length)
        ratings = np.clip(np.rint(2.0 + 3.0 * affinity + noise), 1, 5).astype(np.int64)
        start = _START_TIMESTAMP + int(rng.integers(_SECONDS_PER_YEAR))
        gaps = rng.integers(_MIN_GAP_SECONDS, _MAX_GAP_SECONDS + 1, size=length)
        user_column.append(np.full(length, user + 1, dtype=np.int64))
        item_column.append(sequence + 1)
        rating_column.append(ratings)
        time_column.append(start + np.cumsum(gaps))

    ratings_table = pd.DataFrame(
        {
            "user_id": np.concatenate(user_column),
            "item_id": np.concatenate(item_column),
            "rating": np.concatenate(rating_column),
            "timestamp": np.concatenate(time_column).astype(np.int64),
        }
    )

    titles = [f"Item {i:03d}" for i in range(1, num_items + 1)]
    for name, parts in zip(SERIES_NAMES, series_items, strict=False):
        for part, item in enumerate(parts, start=1):
            titles[item] = f"{name} {part}"
    genres: list[list[str]] = []
    for item in range(num_items):
        names = [GENRES[item_genre[item]]]
        if rng.random() < _SECOND_GENRE_PROB:
            other = int(rng.integers(num_genres - 1))
            # Skip the primary genre so the second genre always differs from it.
            names.append(GENRES[other + (other >= item_genre[item])])
        genres.append(names)
    items_table = pd.DataFrame(
        {
            "item_id": np.arange(1, num_items + 1, dtype=np.int64),
            "title": titles,
            "genres": genres,
        }
    )

    for array in (user_genre_weights, item_genre, item_popularity):
        array.setflags(write=False)
    truth = SyntheticTruth(
        genres=GENRES,
        user_genre_weights=user_genre_weights,
        item_genre=item_genre,
        item_popularity=item_popularity,
        triples=tuple((int(a) + 1, int(b) + 1, int(c) + 1) for a, b, c in triple_items),
        series=tuple(tuple(int(i) + 1 for i in parts) for parts in series_items),
        triple_prob=probs[0],
        pair_prob=probs[1],
        series_prob=probs[2],
    )
    return SyntheticLog(ratings=ratings_table, items=items_table, truth=truth)
