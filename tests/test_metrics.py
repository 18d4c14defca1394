"""Tests for course_utils.metrics, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.metrics import (
    coverage_at_k,
    evaluate_ranking,
    hit_rate_at_k,
    mrr,
    ndcg_at_k,
    target_ranks,
    top_k,
)

# Column 0 is padding. It gets the highest score on purpose: it must never count.
SCORES = np.array(
    [
        # items:  1    2    3    4
        [99.0, 0.1, 0.9, 0.5, 0.3],  # user 0
        [99.0, 0.4, 0.4, 0.4, 0.1],  # user 1
    ]
)
TARGETS = np.array([3, 2])


def test_ranks_by_hand() -> None:
    # User 0: target item 3 scores 0.5; only item 2 (0.9) is higher -> rank 2.
    # User 1: target item 2 scores 0.4; items 1 and 3 tie at 0.4 and ties count against
    #         the target -> rank 1 + 2 = 3.
    assert target_ranks(SCORES, TARGETS).tolist() == [2, 3]


def test_evaluate_ranking_by_hand() -> None:
    result = evaluate_ranking(SCORES, TARGETS, k=2)
    assert list(result) == ["HR@2", "NDCG@2", "MRR", "coverage@2"]
    # Ranks [2, 3] (see test_ranks_by_hand).
    # HR@2   = mean([2 <= 2, 3 <= 2]) = (1 + 0) / 2 = 0.5
    # NDCG@2 = mean([1 / log2(2 + 1), 0]) = 0.6309298 / 2 = 0.3154649
    # MRR    = mean([1/2, 1/3]) = 0.8333333 / 2 = 0.4166667
    # Top-2: user 0 -> [2, 3]; user 1 -> [1, 2] (three-way tie, lower codes first).
    # coverage@2 = |{1, 2, 3}| / 4 items = 0.75
    assert result["HR@2"] == pytest.approx(0.5)
    assert result["NDCG@2"] == pytest.approx(0.3154649, abs=1e-7)
    assert result["MRR"] == pytest.approx(0.4166667, abs=1e-7)
    assert result["coverage@2"] == pytest.approx(0.75)
    assert all(type(value) is float for value in result.values())
    assert list(evaluate_ranking(SCORES, TARGETS)) == ["HR@10", "NDCG@10", "MRR", "coverage@10"]


def test_top_k_by_hand() -> None:
    # User 0 sorted: item 2 (0.9), 3 (0.5), 4 (0.3), 1 (0.1).
    # User 1 sorted: items 1, 2, 3 tie at 0.4 (lower code first), then 4 (0.1).
    assert top_k(SCORES, 3).tolist() == [[2, 3, 4], [1, 2, 3]]
    assert top_k(SCORES, 1).tolist() == [[2], [1]]
    assert top_k(SCORES, 3).dtype == np.int64


def test_exclude_removes_items_but_keeps_the_target() -> None:
    # User 0 excludes item 2: target 3 (0.5) is now the best candidate -> rank 1.
    # User 1 excludes items 2 and 1. Item 2 is its target, so it stays; item 1 goes.
    #         Only item 3 ties with the target -> rank 2.
    exclude = [np.array([2]), np.array([2, 1])]
    assert target_ranks(SCORES, TARGETS, exclude=exclude).tolist() == [1, 2]
    # HR@1 = (1 + 0) / 2 = 0.5; NDCG@2 = (1/log2(2) + 1/log2(3)) / 2 = (1 + 0.6309298) / 2;
    # MRR = (1 + 1/2) / 2 = 0.75.
    result = evaluate_ranking(SCORES, TARGETS, k=2, exclude=exclude)
    assert result["NDCG@2"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert result["MRR"] == pytest.approx(0.75)
    assert evaluate_ranking(SCORES, TARGETS, k=1, exclude=exclude)["HR@1"] == pytest.approx(0.5)
    # top_k has no targets, so excluded items are always removed there.
    assert top_k(SCORES, 2, exclude=exclude).tolist() == [[3, 4], [3, 4]]
    # Within evaluate_ranking the target stays a candidate for the coverage lists as well:
    # user 0 top-2 [3, 4], user 1 top-2 [2, 3] -> coverage = |{2, 3, 4}| / 4 = 0.75.
    assert result["coverage@2"] == pytest.approx(0.75)


def test_exclude_accepts_padded_rows_and_lists() -> None:
    # A padded 2-D array (like split.padded_sequences) works; its 0s hit the padding column.
    padded = np.array([[0, 0, 2], [0, 1, 2]])
    listed = [[2], [1, 2]]
    expected = [1, 2]
    assert target_ranks(SCORES, TARGETS, exclude=padded).tolist() == expected
    assert target_ranks(SCORES, TARGETS, exclude=listed).tolist() == expected
    empty = [np.array([], dtype=np.int64), []]
    assert target_ranks(SCORES, TARGETS, exclude=empty).tolist() == [2, 3]


def test_all_equal_scores_rank_every_target_last() -> None:
    # 3 users, 5 items, every score 0. Each target ties with the 4 other items, so its
    # pessimistic rank is 1 + 4 = 5 (an optimistic rule would give 1 to a useless model).
    scores = np.zeros((3, 6))
    targets = np.array([1, 3, 5])
    assert target_ranks(scores, targets).tolist() == [5, 5, 5]
    # HR@4 = 0; HR@5 = 1 (k covers every candidate); MRR = 1/5;
    # NDCG@5 = 1 / log2(5 + 1) = 0.3868528.
    assert evaluate_ranking(scores, targets, k=4)["HR@4"] == 0.0
    result = evaluate_ranking(scores, targets, k=5)
    assert result["HR@5"] == 1.0
    assert result["MRR"] == pytest.approx(0.2)
    assert result["NDCG@5"] == pytest.approx(0.3868528, abs=1e-7)


def test_k_larger_than_the_number_of_items() -> None:
    # 4 items, k = 100: every target is in the top k. Top-k lists are min(100, 4) = 4 wide.
    result = evaluate_ranking(SCORES, TARGETS, k=100)
    assert result["HR@100"] == 1.0
    # NDCG = mean(1/log2(3), 1/log2(4)) = (0.6309298 + 0.5) / 2 = 0.5654649.
    assert result["NDCG@100"] == pytest.approx(0.5654649, abs=1e-7)
    assert result["coverage@100"] == 1.0
    assert top_k(SCORES, 100).tolist() == [[2, 3, 4, 1], [1, 2, 3, 4]]
    # With exclusions users have fewer candidates; the missing places hold -1.
    # User 0 excludes 2 and 4 -> [3, 1]; user 1 excludes 1 -> [2, 3, 4].
    assert top_k(SCORES, 100, exclude=[[2, 4], [1]]).tolist() == [[3, 1, -1, -1], [2, 3, 4, -1]]
    # All candidates excluded: only -1.
    assert top_k(SCORES, 2, exclude=[[1, 2, 3, 4], [1, 2, 3, 4]]).tolist() == [[-1, -1]] * 2


def test_infinite_scores() -> None:
    # -inf means "never": item 2 (-inf) is no candidate for user 0, so it is not returned
    # and does not outrank the target. +inf ranks first.
    scores = np.array([[0.0, 0.2, -np.inf, 0.5, np.inf]])
    assert top_k(scores, 4).tolist() == [[4, 3, 1, -1]]
    # Target 3 (0.5): only item 4 (+inf) is higher -> rank 2.
    assert target_ranks(scores, np.array([3])).tolist() == [2]
    # A target scored -inf is ranked last among the 3 other candidates (1, 3, 4) -> rank 4.
    assert target_ranks(scores, np.array([2])).tolist() == [4]
    # Two +inf items tie: pessimistic rank 2 for the target.
    tied = np.array([[0.0, np.inf, np.inf, 0.0]])
    assert target_ranks(tied, np.array([1])).tolist() == [2]


def test_nan_scores_are_rejected_with_rows() -> None:
    scores = np.ones((5, 4))
    scores[1, 2] = np.nan
    scores[3, 1] = np.nan
    scores[3, 3] = np.nan
    with pytest.raises(ValueError, match=r"3 NaN values in 2 rows \(rows 1, 3\).*nan_to_num"):
        evaluate_ranking(scores, np.ones(5, dtype=int))
    with pytest.raises(ValueError, match="NaN"):
        top_k(scores, 2)
    with pytest.raises(ValueError, match="NaN"):
        target_ranks(scores, np.ones(5, dtype=int))
    # A NaN in the padding column is still a bug in the model's output.
    padding_nan = np.ones((2, 3))
    padding_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"1 NaN values in 1 rows \(rows 0\)"):
        evaluate_ranking(padding_nan, np.array([1, 2]))
    many = np.full((8, 3), np.nan)
    with pytest.raises(ValueError, match=r"rows 0, 1, 2, 3, 4, \.\.\."):
        top_k(many, 1)


@pytest.mark.parametrize(
    ("scores", "targets", "message"),
    [
        (np.ones(5), np.array([1]), "must be 2-D"),
        (np.ones((2, 3, 4)), np.array([1, 1]), "must be 2-D"),
        (np.ones((0, 4)), np.array([], dtype=int), "at least one row"),
        (np.ones((2, 1)), np.array([1, 1]), "two columns"),
        (np.array([["a", "b"]]), np.array([1]), "real numbers"),
        (np.ones((2, 4), dtype=bool), np.array([1, 1]), "real numbers"),
        (np.ones((2, 4)), np.array([1, 1, 1]), "one item code per row"),
        (np.ones((2, 4)), np.array([[1, 1]]), "one item code per row"),
        (np.ones((2, 4)), np.array([1.0, 2.0]), "integer item codes"),
        (np.ones((2, 4)), np.array([0, 1]), r"outside the item codes 1\.\.3 \(rows \[0\]"),
        (np.ones((2, 4)), np.array([1, 4]), r"outside the item codes 1\.\.3 \(rows \[1\]"),
    ],
)
def test_bad_shapes_and_targets_are_rejected(
    scores: np.ndarray, targets: np.ndarray, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate_ranking(scores, targets)


@pytest.mark.parametrize("k", [0, -1, 1.5, True, "10", None])
def test_bad_k_is_rejected(k: object) -> None:
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        evaluate_ranking(SCORES, TARGETS, k=k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        top_k(SCORES, k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        hit_rate_at_k(np.array([1]), k)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exclude", "message"),
    [
        ([[1]], r"one array of item codes per user \(2\), got 1"),
        (np.array([1, 2]), "got a flat array"),
        ([[1], [5]], r"1 codes outside 0\.\.4 \(e\.g\. \[5\]\)"),
        ([[-1], [2]], r"outside 0\.\.4"),
        ([[1.0], [2]], "integer item codes"),
    ],
)
def test_bad_exclude_is_rejected(exclude: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate_ranking(SCORES, TARGETS, exclude=exclude)  # type: ignore[arg-type]


def test_rank_metric_building_blocks_by_hand() -> None:
    ranks = np.array([1, 2, 4, 11])
    # HR@10  = 3 of 4 ranks are <= 10 -> 0.75
    # NDCG@10 = (1/log2(2) + 1/log2(3) + 1/log2(5) + 0) / 4
    #         = (1 + 0.6309298 + 0.4306766 + 0) / 4 = 0.5154016
    # MRR     = (1 + 1/2 + 1/4 + 1/11) / 4 = 1.8409091 / 4 = 0.4602273
    assert hit_rate_at_k(ranks, 10) == pytest.approx(0.75)
    assert ndcg_at_k(ranks, 10) == pytest.approx(0.5154016, abs=1e-7)
    assert mrr(ranks) == pytest.approx(0.4602273, abs=1e-7)
    # At k = 1 only the first user counts: HR = NDCG = 1/4.
    assert hit_rate_at_k(ranks, 1) == ndcg_at_k(ranks, 1) == pytest.approx(0.25)
    for bad in (np.array([0, 1]), np.array([], dtype=int), np.array([[1]]), np.array([1.0])):
        with pytest.raises(ValueError, match="ranks"):
            mrr(bad)


def test_coverage_by_hand() -> None:
    # Distinct codes {1, 2, 3} out of 6 items (-1 is padding) -> 0.5.
    assert coverage_at_k(np.array([[1, 2], [2, -1], [3, 1]]), 6) == pytest.approx(0.5)
    assert coverage_at_k(np.full((2, 2), -1), 6) == 0.0
    with pytest.raises(ValueError, match=r"codes outside 1\.\.3"):
        coverage_at_k(np.array([[1, 4]]), 3)
    with pytest.raises(ValueError, match=r"codes outside 1\.\.3"):
        coverage_at_k(np.array([[0, 1]]), 3)
    with pytest.raises(ValueError, match="must be 2-D"):
        coverage_at_k(np.array([1, 2]), 3)
    with pytest.raises(ValueError, match="num_items must be an int >= 1"):
        coverage_at_k(np.array([[1]]), 0)


def test_inputs_are_not_modified_and_integer_scores_work() -> None:
    scores = SCORES.copy()
    evaluate_ranking(scores, TARGETS, k=2, exclude=[[2], [1]])
    np.testing.assert_array_equal(scores, SCORES)
    # Integer scores: user 0 target 3 (5) behind item 2 (9) -> rank 2.
    assert target_ranks(np.array([[0, 1, 9, 5]]), np.array([3])).tolist() == [2]


# ---------------------------------------------------------------------------------------
# Cross-check against a slow, obviously correct reference written with Python loops.


def _reference(
    scores: np.ndarray, targets: np.ndarray, k: int, exclude: list[np.ndarray]
) -> tuple[list[int], list[list[int]], dict[str, float]]:
    """Compute ranks, top-k lists and metrics one user and one item at a time."""
    n_users, n_columns = scores.shape
    ranks, lists = [], []
    for u in range(n_users):
        target = int(targets[u])
        # The target is never excluded; -inf items are never candidates.
        excluded = {int(c) for c in exclude[u]} - {target}
        candidates = [
            c for c in range(1, n_columns) if c not in excluded and scores[u, c] != -np.inf
        ]
        ahead = [c for c in candidates if c != target and scores[u, c] >= scores[u, target]]
        ranks.append(1 + len(ahead))
        lists.append(sorted(candidates, key=lambda c: (-scores[u, c], c))[:k])
    hr = sum(r <= k for r in ranks) / n_users
    ndcg = sum(1 / math.log2(r + 1) for r in ranks if r <= k) / n_users
    reciprocal = sum(1 / r for r in ranks) / n_users
    covered = {c for top in lists for c in top}
    metrics = {
        f"HR@{k}": hr,
        f"NDCG@{k}": ndcg,
        "MRR": reciprocal,
        f"coverage@{k}": len(covered) / (n_columns - 1),
    }
    return ranks, lists, metrics


@pytest.mark.parametrize("seed", range(6))
def test_matches_a_slow_reference_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_users, num_items, k = 25, int(rng.integers(3, 30)), int(rng.integers(1, 12))
    # Few distinct values, so ties are frequent; a few -inf and +inf entries too.
    scores = rng.integers(0, 4, size=(n_users, num_items + 1)).astype(float)
    scores[rng.random(scores.shape) < 0.05] = -np.inf
    scores[rng.random(scores.shape) < 0.02] = np.inf
    targets = rng.integers(1, num_items + 1, size=n_users)
    exclude = [
        rng.choice(np.arange(num_items + 1), size=int(rng.integers(0, num_items)), replace=False)
        for _ in range(n_users)
    ]
    # Make sure some users' targets are in their exclusion list.
    exclude[0] = np.append(exclude[0][exclude[0] != targets[0]], targets[0])

    ranks, _, expected = _reference(scores, targets, k, exclude)
    assert target_ranks(scores, targets, exclude=exclude).tolist() == ranks
    result = evaluate_ranking(scores, targets, k=k, exclude=exclude)
    assert result == pytest.approx(expected)

    # top_k removes excluded items unconditionally (it has no targets).
    no_targets = np.zeros(n_users, dtype=int)
    _, plain_lists, _ = _reference(scores, no_targets, k, exclude)
    width = min(k, num_items)
    expected_top = [(top + [-1] * width)[:width] for top in plain_lists]
    assert top_k(scores, k, exclude=exclude).tolist() == expected_top


@pytest.mark.parametrize("k", [1, 10, 150, 599, 1000])
@pytest.mark.parametrize("levels", [0, 3, None])
def test_top_k_matches_a_full_stable_sort(k: int, levels: int | None) -> None:
    # top_k sorts only the entries that can reach the top when k is small, and whole rows
    # otherwise; both paths must equal a full stable sort of the negated scores.
    # levels=None: continuous scores; 3: heavy ties; 0: every score equal.
    rng = np.random.default_rng(k)
    scores = rng.random((120, 600)) if levels is None else rng.integers(0, levels + 1, (120, 600))
    scores = scores.astype(float)
    exclude = [rng.choice(600, size=int(rng.integers(0, 300)), replace=False) for _ in range(120)]
    masked = scores.copy()
    masked[:, 0] = -np.inf
    for u, codes in enumerate(exclude):
        masked[u, codes] = -np.inf
    order = np.argsort(-masked, axis=1, kind="stable")[:, : min(k, 599)]
    expected = np.where(np.take_along_axis(masked, order, axis=1) > -np.inf, order, -1)
    np.testing.assert_array_equal(top_k(scores, k, exclude=exclude), expected)
