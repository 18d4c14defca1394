"""Tests for course_utils.baselines: values checked by hand, planted structure, bad input."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from course_utils import baselines
from course_utils.metrics import evaluate_ranking
from course_utils.splits import leave_last_out
from course_utils.synthetic import make_synthetic_log

# --- a log small enough to check by hand ----------------------------------------------------
# Each user's order (oldest first); the last item is the test target, the one before it
# the validation target. Training interactions:
#   user 1: 10, 20   user 2: 10, 30   user 3: 20, 30   user 4: 10, 20
# so item 10 has 3 training users, item 20 has 3, item 30 has 2 and item 40 has none.
ORDERS = {1: [10, 20, 30, 40], 2: [10, 30, 20, 40], 3: [20, 30, 10, 40], 4: [10, 20, 40, 30]}


def _tiny_ratings() -> pd.DataFrame:
    rows = [
        (user, item, 4, 1_000 * user + position)
        for user, order in ORDERS.items()
        for position, item in enumerate(order)
    ]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


@pytest.fixture(scope="module")
def tiny():
    return leave_last_out(_tiny_ratings())


@pytest.fixture(scope="module")
def tiny_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": [10, 20, 30, 40],
            "title": ["ten", "twenty", "thirty", "forty"],
            "year": pd.array([1995, 1995, 1985, None], dtype="Int64"),
            "genres": [["Action"], ["Action", "Comedy"], ["Comedy"], ["Action"]],
        }
    )


@pytest.fixture(scope="module")
def synthetic():
    log = make_synthetic_log()
    return log, leave_last_out(log.ratings)


# --- popularity -----------------------------------------------------------------------------


def test_popularity_counts_training_interactions(tiny) -> None:
    scores = baselines.popularity_scores(tiny, "test")
    assert scores.shape == (4, 5)
    expected = np.array([-np.inf, 3.0, 3.0, 2.0, 0.0])
    for row in scores:
        np.testing.assert_array_equal(row, expected)
    np.testing.assert_array_equal(baselines.popularity_scores(tiny, "valid"), scores)


# --- item similarity and item-kNN -----------------------------------------------------------


def test_item_similarity_by_hand(tiny) -> None:
    similarity = baselines.item_similarity(tiny)
    assert similarity.shape == (5, 5)
    third = 1 / math.sqrt(6)
    expected = np.array(
        [
            [0, 0, 0, 0, 0],
            [0, 0, 2 / 3, third, 0],
            [0, 2 / 3, 0, third, 0],
            [0, third, third, 0, 0],
            [0, 0, 0, 0, 0],
        ]
    )
    np.testing.assert_allclose(similarity, expected, atol=1e-15)


def test_item_similarity_matches_a_plain_loop(synthetic) -> None:
    _, split = synthetic
    codes = split.encode_items(split.train["item_id"].to_numpy())
    users = np.searchsorted(split.user_ids, split.train["user_id"].to_numpy())
    matrix = np.zeros((split.num_users, split.num_items + 1))
    matrix[users, codes] = 1
    similarity = baselines.item_similarity(split)
    for i, j in [(1, 2), (5, 17), (30, 31), (100, 7)]:
        a, b = matrix[:, i], matrix[:, j]
        denominator = np.linalg.norm(a) * np.linalg.norm(b)
        expected = a @ b / denominator if denominator else 0.0
        assert similarity[i, j] == pytest.approx(expected, abs=1e-12)
    np.testing.assert_array_equal(similarity, similarity.T)
    assert np.all(np.diag(similarity) == 0)
    assert similarity.min() >= 0 and similarity.max() <= 1 + 1e-12


def test_neighbours_keep_the_largest_and_break_ties_by_lower_code(tiny) -> None:
    pruned = baselines.item_similarity(tiny, neighbours=1)
    # Item 30 is equally similar to 10 and 20: the lower code (item 10, code 1) wins.
    assert np.count_nonzero(pruned[3]) == 1 and pruned[3, 1] > 0
    assert pruned[1, 2] == pytest.approx(2 / 3) and np.count_nonzero(pruned[1]) == 1
    everything = baselines.item_similarity(tiny, neighbours=1000)
    np.testing.assert_array_equal(everything, baselines.item_similarity(tiny))


def test_item_knn_sums_similarity_over_the_history(tiny) -> None:
    scores = baselines.item_knn_scores(tiny, "test", neighbours=None)
    similarity = baselines.item_similarity(tiny)
    # User 1's test history is 10, 20 (training) and 30 (validation): codes 1, 2, 3.
    np.testing.assert_allclose(scores[0, 1:], similarity[[1, 2, 3]].sum(axis=0)[1:])
    assert scores[0, 0] == -np.inf
    # On the validation stage only the training items count.
    valid = baselines.item_knn_scores(tiny, "valid", neighbours=None)
    np.testing.assert_allclose(valid[0, 1:], similarity[[1, 2]].sum(axis=0)[1:])
    # Item 40 has no training interactions: collaborative filtering cannot score it.
    assert np.all(scores[:, 4] == 0)


def test_scores_do_not_depend_on_the_row_order_of_the_log(synthetic) -> None:
    log, split = synthetic
    shuffled = leave_last_out(log.ratings.sample(frac=1.0, random_state=3))
    for scorer in (baselines.item_knn_scores, baselines.popularity_scores):
        np.testing.assert_array_equal(scorer(split, "test"), scorer(shuffled, "test"))
    np.testing.assert_array_equal(
        baselines.content_scores(split, log.items, "test"),
        baselines.content_scores(shuffled, log.items, "test"),
    )


def _hr(scores, split, stage="test") -> float:
    return evaluate_ranking(scores, split.targets(stage), exclude=split.seen_items(stage))["HR@10"]


def test_item_knn_beats_popularity_on_planted_patterns(synthetic) -> None:
    _, split = synthetic
    for stage in ("valid", "test"):
        knn = _hr(baselines.item_knn_scores(split, stage), split, stage)
        popularity = _hr(baselines.popularity_scores(split, stage), split, stage)
        assert knn > popularity + 0.05, (stage, knn, popularity)


def test_content_beats_random_on_planted_tastes(synthetic) -> None:
    log, split = synthetic
    content = _hr(baselines.content_scores(split, log.items, "test"), split)
    random = _hr(baselines.random_scores(split, seed=0), split)
    assert content > random + 0.03, (content, random)


# --- content-based --------------------------------------------------------------------------


def test_item_features_by_hand(tiny, tiny_items) -> None:
    features = baselines.item_features(tiny_items, tiny)
    # Genres Action, Comedy (MovieLens order), then one column per decade.
    assert features.shape == (5, 2 + len(baselines.DECADES))
    nineties = 2 + baselines.DECADES.index(1990)
    eighties = 2 + baselines.DECADES.index(1980)
    np.testing.assert_array_equal(features[0], 0)
    assert features[2, :2].tolist() == [1, 1] and features[2, nineties] == 1
    assert features[3, :2].tolist() == [0, 1] and features[3, eighties] == 1
    # An unknown year gives no decade.
    assert features[4].tolist()[:2] == [1, 0] and features[4, 2:].sum() == 0


def test_content_scores_by_hand_and_cold_items(tiny, tiny_items) -> None:
    scores = baselines.content_scores(tiny, tiny_items, "valid")
    features = baselines.item_features(tiny_items, tiny).astype(float)
    # User 1's training items are 10 and 20 (codes 1 and 2): the profile is their sum.
    profile = features[1] + features[2]
    for code in range(1, 5):
        expected = (
            profile @ features[code] / np.linalg.norm(profile) / np.linalg.norm(features[code])
        )
        assert scores[0, code] == pytest.approx(expected, abs=1e-12)
    assert scores[0, 0] == -np.inf
    # Item 40 has no interactions at all in training, yet it gets a content score.
    assert scores[0, 4] > 0
    assert np.all((scores[:, 1:] >= 0) & (scores[:, 1:] <= 1 + 1e-12))


# --- random ---------------------------------------------------------------------------------


def test_random_scores_are_seeded(tiny) -> None:
    first = baselines.random_scores(tiny, seed=5)
    np.testing.assert_array_equal(first, baselines.random_scores(tiny, seed=5))
    assert not np.array_equal(first[:, 1:], baselines.random_scores(tiny, seed=6)[:, 1:])
    assert np.all(first[:, 0] == -np.inf)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda s, i: baselines.popularity_scores(s, "train"), "stage must be"),
        (lambda s, i: baselines.item_knn_scores(s, "test", neighbours=0), "neighbours"),
        (lambda s, i: baselines.item_knn_scores(s, "test", neighbours=True), "neighbours"),
        (lambda s, i: baselines.item_knn_scores(s, "test", neighbours=2.5), "neighbours"),
        (lambda s, i: baselines.item_similarity(s, neighbours=-1), "neighbours"),
        (lambda s, i: baselines.content_scores(s, i.drop(columns="genres")), "genres"),
        (lambda s, i: baselines.content_scores(s, i.iloc[:2]), "misses 2 item ids"),
        (lambda s, i: baselines.random_scores(s, seed=-1), "seed"),
        (lambda s, i: baselines.popularity_scores(s.train), "LeaveLastOut"),
    ],
)
def test_bad_input_raises_a_helpful_value_error(tiny, tiny_items, call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call(tiny, tiny_items)


def test_importing_baselines_does_not_import_tensorflow() -> None:
    code = "import sys, course_utils.baselines; print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "False", result.stderr
