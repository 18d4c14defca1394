"""Tests for course_utils.baselines: values checked by hand, planted structure, bad input."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from course_utils import baselines
from course_utils.metrics import evaluate_ranking, target_ranks
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


# --- order-aware baselines ------------------------------------------------------------------
# In the tiny log the training transitions are 10->20 (users 1 and 4), 10->30 (user 2) and
# 20->30 (user 3); in codes: 1->2 twice, 1->3 once, 2->3 once. The test stage's newest items
# (the validation items) are 30, 20, 10 and 40 for users 1 to 4.
POPULARITY_SHARE = np.array([0, 3, 3, 2, 0]) / 8


def test_transition_counts_by_hand(tiny) -> None:
    counts = baselines.transition_counts(tiny).toarray()
    expected = np.zeros((5, 5), dtype=np.int64)
    expected[1, 2], expected[1, 3], expected[2, 3] = 2, 1, 1
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64


def test_markov_chain_by_hand(tiny) -> None:
    scores = baselines.markov_chain_scores(tiny, "test", alpha=0.5)
    assert np.all(scores[:, 0] == -np.inf)
    # User 3's newest item is 10 (code 1): P(20 | 10) = 2/3, P(30 | 10) = 1/3.
    conditional = np.array([0, 0, 2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(scores[2, 1:], (0.5 * conditional + 0.5 * POPULARITY_SHARE)[1:])
    # User 4's newest item, 40, was never followed by anything: popularity alone.
    np.testing.assert_allclose(scores[3, 1:], 0.5 * POPULARITY_SHARE[1:])
    # On the validation stage user 1's newest item is 20: only 30 ever followed it.
    valid = baselines.markov_chain_scores(tiny, "valid", alpha=1.0)
    np.testing.assert_allclose(valid[0, 1:], [0, 0, 1, 0])


def test_sequential_rules_by_hand() -> None:
    # User 1 trains on 10, 20, 30, 40; user 2 on 20, 10.
    rows = [(1, item, 4, t) for t, item in enumerate([10, 20, 30, 40, 50, 60])]
    rows += [(2, item, 4, t) for t, item in enumerate([20, 10, 60, 50])]
    split = leave_last_out(
        pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    )
    rules = baselines.sequential_rules(split, window=2, weighting="div").toarray()
    expected = np.zeros((7, 7))
    for a, b in [(1, 2), (2, 3), (3, 4), (2, 1)]:  # one step apart: weight 1
        expected[a, b] += 1.0
    for a, b in [(1, 3), (2, 4)]:  # two steps apart: weight 1/2
        expected[a, b] += 0.5
    np.testing.assert_allclose(rules, expected)
    linear = baselines.sequential_rules(split, window=2, weighting="linear").toarray()
    assert linear[1, 3] == pytest.approx(0.9) and linear[1, 2] == 1.0
    # Scores of user 1 at validation: the rules of 40 (none) and, with history 2, of 30
    # (-> 40, weight 1) discounted by 1/2 for its age. Normalised by the largest, then mixed.
    scores = baselines.sequential_rules_scores(
        split, "valid", window=2, weighting="div", history=2, history_weighting="div", alpha=1.0
    )
    np.testing.assert_allclose(scores[0, 1:], [0, 0, 0, 1, 0, 0])
    # A window of 1 with equal weights, the newest item only and normalised rows is the
    # Markov chain.
    np.testing.assert_allclose(
        baselines.sequential_rules_scores(
            split, "test", window=1, weighting="same", history=1, normalise=True, alpha=1.0
        ),
        baselines.markov_chain_scores(split, "test", alpha=1.0)
        / np.maximum(baselines.markov_chain_scores(split, "test", alpha=1.0).max(axis=1), 1e-300)[
            :, None
        ],
    )


def test_sknn_by_hand(tiny) -> None:
    # At validation user 1 knows 10 and 20; the training histories are {10, 20}, {10, 30},
    # {20, 30} and {10, 20}. Similarities with equal weights: users 2 and 3 share one item,
    # user 4 shares two; user 1 is not their own neighbour.
    one = baselines.sknn_scores(
        tiny, "valid", neighbours=1, recent=None, weighting="same", normalise=False, alpha=1.0
    )
    np.testing.assert_allclose(one[0, 1:], [1, 1, 0, 0])
    two = baselines.sknn_scores(
        tiny, "valid", neighbours=2, recent=None, weighting="same", normalise=False, alpha=1.0
    )
    # Users 2 and 3 tie for second place: the lower row (user 2: items 10, 30) votes.
    np.testing.assert_allclose(two[0, 1:], np.array([2 + 1, 2, 1, 0]) / 3)
    # With the newest item only, user 3 (who shares 20) becomes the second neighbour.
    newest = baselines.sknn_scores(
        tiny, "valid", neighbours=2, recent=1, weighting="same", normalise=False, alpha=1.0
    )
    np.testing.assert_allclose(newest[0, 1:], np.array([1, 2, 1, 0]) / 2)


def test_order_aware_baselines_read_order_and_item_knn_does_not(synthetic) -> None:
    log, split = synthetic
    # Reverse every user's training order (keep the held-out items last).
    reversed_log = log.ratings.copy()
    held_out = pd.concat([split.valid, split.test])[["user_id", "item_id"]].assign(keep=True)
    merged = reversed_log.merge(held_out, how="left", on=["user_id", "item_id"])
    train = merged["keep"].isna().to_numpy()
    reversed_log.loc[train, "timestamp"] = -reversed_log.loc[train, "timestamp"]
    reversed_split = leave_last_out(reversed_log)
    assert reversed_split.targets("test").tolist() == split.targets("test").tolist()
    np.testing.assert_array_equal(
        baselines.item_knn_scores(split, "test"), baselines.item_knn_scores(reversed_split, "test")
    )
    for scorer in (baselines.markov_chain_scores, baselines.sequential_rules_scores):
        assert not np.array_equal(scorer(split, "test"), scorer(reversed_split, "test"))


def test_markov_chain_continues_the_planted_series(synthetic) -> None:
    log, split = synthetic
    counts = baselines.transition_counts(split).toarray()
    for series in log.truth.series:
        codes = split.encode_items(np.array(series))
        for part, following in zip(codes[:-1], codes[1:]):
            # The next part is the most frequent successor of each part.
            assert counts[part].argmax() == following, (series, part)


def test_order_aware_baselines_rank_planted_successors_first(synthetic) -> None:
    log, split = synthetic
    # The planted successor of an item: the next part of a series, or C after B.
    successor = {}
    for series in log.truth.series:
        codes = split.encode_items(np.array(series))
        successor.update(zip(codes[:-1].tolist(), codes[1:].tolist()))
    for triple in log.truth.triples:
        _, b, c = split.encode_items(np.array(triple)).tolist()
        successor.setdefault(b, c)
    for stage in ("valid", "test"):
        histories, targets = split.histories(stage), split.targets(stage)
        planted = np.array(
            [successor.get(int(h[-1])) == int(t) for h, t in zip(histories, targets)]
        )
        assert planted.sum() >= 10

        def mrr(scores, targets=targets, stage=stage, planted=planted):
            ranks = target_ranks(scores, targets, exclude=split.seen_items(stage))
            return float(np.mean(1 / ranks[planted]))

        knn = mrr(baselines.item_knn_scores(split, stage))
        for scorer in (baselines.markov_chain_scores, baselines.sequential_rules_scores):
            ordered = mrr(scorer(split, stage))
            assert ordered > 0.9 and ordered > knn + 0.2, (scorer.__name__, stage, ordered, knn)
        assert mrr(baselines.sknn_scores(split, stage)) > mrr(
            baselines.popularity_scores(split, stage)
        )


def test_order_aware_scores_do_not_depend_on_the_row_order(synthetic) -> None:
    log, split = synthetic
    shuffled = leave_last_out(log.ratings.sample(frac=1.0, random_state=4))
    for scorer in (
        baselines.markov_chain_scores,
        baselines.sequential_rules_scores,
        baselines.sknn_scores,
    ):
        np.testing.assert_array_equal(scorer(split, "test"), scorer(shuffled, "test"))


def test_given_histories_are_scored_like_the_splits_own(synthetic) -> None:
    _, split = synthetic
    histories = split.histories("test")
    for scorer in (
        baselines.popularity_scores,
        baselines.item_knn_scores,
        baselines.markov_chain_scores,
        baselines.sequential_rules_scores,
    ):
        np.testing.assert_array_equal(
            scorer(split, "test", histories=histories), scorer(split, "test")
        )
    # A newcomer with a single known item: the chain reads it, popularity ignores it.
    one = [histories[0][-1:]]
    np.testing.assert_array_equal(
        baselines.markov_chain_scores(split, histories=one)[0],
        baselines.markov_chain_scores(split, "test")[0],
    )
    assert baselines.popularity_scores(split, histories=one).shape == (1, split.num_items + 1)
    # SKNN: a given history belongs to nobody, so even the user whose history it is may
    # vote; the split's own users never vote for themselves.
    own = baselines.sknn_scores(split, "test")
    given = baselines.sknn_scores(split, "test", histories=histories)
    assert given.shape == own.shape and not np.array_equal(given, own)


@pytest.mark.parametrize(
    ("histories", "match"),
    [
        ([np.array([], dtype=np.int64)], "non-empty 1-D array"),
        ([np.array([1.0, 2.0])], "integer item codes"),
        ([np.array([0, 1])], "codes outside 1..4"),
        ([np.array([5])], "codes outside 1..4"),
        (np.array([1, 2]), "wrap a single history in a list"),
        ([], "histories is empty"),
    ],
)
def test_bad_histories_are_refused(tiny, histories, match) -> None:
    for scorer in (
        baselines.popularity_scores,
        baselines.item_knn_scores,
        baselines.markov_chain_scores,
        baselines.sequential_rules_scores,
        baselines.sknn_scores,
    ):
        with pytest.raises(ValueError, match=match):
            scorer(tiny, "test", histories=histories)


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
        (lambda s, i: baselines.markov_chain_scores(s, "test", alpha=1.5), "alpha must be"),
        (lambda s, i: baselines.markov_chain_scores(s, "train"), "stage must be"),
        (lambda s, i: baselines.sequential_rules(s, window=0), "window must be an int >= 1"),
        (lambda s, i: baselines.sequential_rules_scores(s, weighting="log"), "weighting must"),
        (lambda s, i: baselines.sequential_rules_scores(s, history=0), "history must be"),
        (
            lambda s, i: baselines.sequential_rules_scores(s, history_weighting="x"),
            "history_weighting must",
        ),
        (lambda s, i: baselines.sequential_rules_scores(s, normalise="yes"), "normalise must"),
        (lambda s, i: baselines.sknn_scores(s, neighbours=0), "neighbours must be"),
        (lambda s, i: baselines.sknn_scores(s, recent=0), "recent must be"),
        (lambda s, i: baselines.sknn_scores(s, normalise=1), "normalise must"),
        (lambda s, i: baselines.sknn_scores(s, alpha=-0.1), "alpha must be"),
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
