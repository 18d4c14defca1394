"""Tests for course_utils.synthetic: determinism, schema and detectable planted structure."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from course_utils.metrics import evaluate_ranking
from course_utils.splits import leave_last_out
from course_utils.synthetic import (
    GENRES,
    SyntheticLog,
    make_synthetic_log,
    series_lengths,
)


@pytest.fixture(scope="module")
def log() -> SyntheticLog:
    """Return the default log (300 users, 120 items), built once per module."""
    return make_synthetic_log()


def _sequences(ratings: pd.DataFrame) -> dict[int, list[int]]:
    """Return each user's item ids in time order."""
    ordered = ratings.sort_values(["user_id", "timestamp"])
    return {int(u): group.tolist() for u, group in ordered.groupby("user_id")["item_id"]}


def _digest(frame: pd.DataFrame) -> str:
    """Hash a DataFrame's CSV text."""
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()


def test_same_seed_same_bytes_and_other_seed_differs() -> None:
    first = make_synthetic_log(seed=7)
    second = make_synthetic_log(seed=7)
    assert _digest(first.ratings) == _digest(second.ratings)
    assert _digest(first.items) == _digest(second.items)
    np.testing.assert_array_equal(first.truth.user_genre_weights, second.truth.user_genre_weights)
    assert first.truth.triples == second.truth.triples
    assert first.truth.series == second.truth.series
    other = make_synthetic_log(seed=8)
    assert _digest(other.ratings) != _digest(first.ratings)


def test_ratings_have_the_movielens_schema(log: SyntheticLog) -> None:
    ratings = log.ratings
    assert list(ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert all(ratings[c].dtype == np.int64 for c in ratings.columns)
    assert sorted(ratings["user_id"].unique().tolist()) == list(range(1, 301))
    assert ratings["item_id"].between(1, 120).all()
    assert ratings["rating"].between(1, 5).all()
    assert not ratings.duplicated(["user_id", "item_id"]).any()
    counts = ratings.groupby("user_id").size()
    assert counts.between(20, 40).all()
    # Rows are sorted by user and time, and timestamps strictly increase within each user.
    assert ratings.index.tolist() == list(range(len(ratings)))
    assert ratings["user_id"].is_monotonic_increasing
    steps = ratings.groupby("user_id")["timestamp"].diff().dropna()
    assert (steps > 0).all()


def test_items_table(log: SyntheticLog) -> None:
    items = log.items
    assert list(items.columns) == ["item_id", "title", "genres"]
    assert items["item_id"].tolist() == list(range(1, 121))
    series_items = {item for series in log.truth.series for item in series}
    for item_id, title, genres in items.itertuples(index=False):
        if item_id in series_items:
            assert re.fullmatch(r"[A-Z][A-Za-z ]+ \d", title)
        else:
            assert title == f"Item {item_id:03d}"
        assert 1 <= len(genres) <= 2 and len(set(genres)) == len(genres)
        assert set(genres) <= set(GENRES)
        # The primary genre, listed first, is the one the tastes act on.
        assert genres[0] == GENRES[log.truth.item_genre[item_id - 1]]
    # Series parts are titled in order: "<name> 1", "<name> 2", ...
    titles = items.set_index("item_id")["title"]
    for series in log.truth.series:
        names = [titles[item] for item in series]
        assert [name.rsplit(" ", 1)[1] for name in names] == [
            str(i) for i in range(1, len(series) + 1)
        ]
        assert len({name.rsplit(" ", 1)[0] for name in names}) == 1


def test_truth_records_what_was_planted(log: SyntheticLog) -> None:
    truth = log.truth
    assert truth.genres == GENRES
    assert truth.user_genre_weights.shape == (300, len(GENRES))
    np.testing.assert_allclose(truth.user_genre_weights.sum(axis=1), 1.0)
    assert (truth.user_genre_weights > 0).all()
    assert truth.item_genre.shape == truth.item_popularity.shape == (120,)
    assert len(truth.triples) == 4
    assert [len(series) for series in truth.series] == series_lengths(3) == [3, 4, 5]
    planted = [item for triple in truth.triples for item in triple]
    planted += [item for series in truth.series for item in series]
    assert len(set(planted)) == len(planted)
    assert all(1 <= item <= 120 for item in planted)


def test_triples_are_detectable(log: SyntheticLog) -> None:
    sequences = _sequences(log.ratings)
    chance = 1 / 120
    for a, b, c in log.truth.triples:
        after_ab = after_b_only = 0
        c_after_ab = c_after_b_only = 0
        for items in sequences.values():
            if b not in items:
                continue
            position = items.index(b)
            if position + 1 == len(items):
                continue
            if a in items[:position]:
                after_ab += 1
                c_after_ab += items[position + 1] == c
            else:
                after_b_only += 1
                c_after_b_only += items[position + 1] == c
        # Planted: C follows "A ... B" with probability 0.9 (unless C was already seen).
        assert after_ab >= 30, f"too few A..B occurrences for triple {(a, b, c)}"
        assert c_after_ab / after_ab > 0.6
        assert c_after_ab / after_ab > 50 * chance
        # Without A, B is an ordinary item and C rarely follows it.
        assert c_after_b_only <= 0.1 * max(after_b_only, 1)


def test_series_are_watched_in_order(log: SyntheticLog) -> None:
    sequences = _sequences(log.ratings)
    for series in log.truth.series:
        starters = finishers = 0
        for items in sequences.values():
            watched = [item for item in items if item in series]
            # Every user's series items are a prefix of the series, in order.
            assert watched == list(series[: len(watched)])
            starters += bool(watched)
            finishers += len(watched) == len(series)
        assert starters >= 50
        assert finishers >= 0.5 * starters


def test_genre_histograms_follow_the_tastes(log: SyntheticLog) -> None:
    weights = log.truth.user_genre_weights
    users = log.ratings["user_id"].to_numpy() - 1
    genres = log.truth.item_genre[log.ratings["item_id"].to_numpy() - 1]
    histogram = np.zeros_like(weights)
    np.add.at(histogram, (users, genres), 1.0)
    histogram /= histogram.sum(axis=1, keepdims=True)
    correlations = [np.corrcoef(histogram[u], weights[u])[0, 1] for u in range(len(weights))]
    assert np.mean(correlations) > 0.7
    # The most-watched genre is the favourite one for most users (chance: 1 in 6).
    assert np.mean(histogram.argmax(axis=1) == weights.argmax(axis=1)) > 0.5


def test_small_and_pattern_free_configurations() -> None:
    plain = make_synthetic_log(
        10, 30, num_triples=0, num_series=0, min_interactions=3, max_interactions=5
    )
    assert plain.truth.triples == () and plain.truth.series == ()
    assert plain.ratings.groupby("user_id").size().between(3, 5).all()
    # The smallest catalogue that fits: 2 triples (6) + series of 3 and 4 (7) + 10 items.
    tight = make_synthetic_log(
        5, 23, num_triples=2, num_series=2, max_interactions=10, min_interactions=10
    )
    assert tight.ratings.groupby("user_id").size().eq(10).all()
    assert "5 users" in repr(tight)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_users": 0}, "num_users must be an int >= 1"),
        ({"num_users": 2.5}, "num_users must be an int >= 1"),
        ({"num_items": True}, "num_items must be an int >= 1"),
        ({"seed": -1}, "seed must be an int >= 0"),
        ({"seed": "0"}, "seed must be an int >= 0"),
        ({"min_interactions": 2}, "min_interactions must be an int >= 3"),
        ({"min_interactions": 30, "max_interactions": 20}, "max_interactions must be an int >= 30"),
        ({"num_triples": -1}, "num_triples must be an int >= 0"),
        ({"num_series": 7}, "num_series must be at most 6"),
        ({"taste_concentration": 0.0}, "taste_concentration must be a positive"),
        ({"taste_concentration": float("inf")}, "taste_concentration must be a positive"),
        ({"triple_prob": 1.5}, "triple_prob must be a probability"),
        ({"pair_prob": -0.1}, "pair_prob must be a probability"),
        ({"series_prob": float("nan")}, "series_prob must be a probability"),
        ({"num_items": 63}, r"num_items=63 is too small.*at least 64 items"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_synthetic_log(**kwargs)  # type: ignore[arg-type]


def test_end_to_end_popularity_beats_random(log: SyntheticLog) -> None:
    split = leave_last_out(log.ratings)
    assert split.num_users == 300 and split.num_items == 120
    targets = split.targets("test")
    seen = split.seen_items("test")

    # Popularity: every user gets the training counts of each item code as scores.
    counts = np.bincount(
        split.encode_items(split.train["item_id"].to_numpy()), minlength=split.num_items + 1
    ).astype(float)
    popularity = evaluate_ranking(
        np.tile(counts, (split.num_users, 1)), targets, k=10, exclude=seen
    )
    rng = np.random.default_rng(0)
    random = evaluate_ranking(
        rng.random((split.num_users, split.num_items + 1)), targets, k=10, exclude=seen
    )
    # A random ranking's expected HR@10 is mean(min(10, n) / n) over each user's n candidates.
    candidates = split.num_items - np.array([len(items) for items in seen])
    expected_random_hr = float(np.mean(np.minimum(10, candidates) / candidates))
    assert random["HR@10"] == pytest.approx(expected_random_hr, abs=0.06)
    assert popularity["HR@10"] > expected_random_hr + 0.05
    assert popularity["HR@10"] > random["HR@10"]
    assert popularity["MRR"] > random["MRR"]
    # Popularity recommends the same few items to everyone; random covers the catalogue.
    assert popularity["coverage@10"] < random["coverage@10"]
