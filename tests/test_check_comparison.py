"""Tests for course_utils/check/comparison.py, the checkers of notebook 10 (model comparison)."""

from __future__ import annotations

import numpy as np

from course_utils import check, metrics
from course_utils.check import comparison
from tools.notebooks import STUB_LINE


def correct_top_unseen(scores, seen, k):
    masked = np.asarray(scores, dtype=float).copy()
    masked[0] = -np.inf
    masked[list(seen)] = -np.inf
    order = np.argsort(-masked, kind="stable")
    return [int(code) for code in order if masked[code] > -np.inf][:k]


def keeps_padding_top_unseen(scores, seen, k):
    # The slip: a raw model output scores code 0 too, and it is not an item.
    masked = np.asarray(scores, dtype=float).copy()
    masked[list(seen)] = -np.inf
    return [int(code) for code in np.argsort(-masked, kind="stable")[:k]]


def keeps_seen_top_unseen(scores, seen, k):
    masked = np.asarray(scores, dtype=float).copy()
    masked[0] = -np.inf
    return [int(code) for code in np.argsort(-masked, kind="stable")[:k]]


def unstable_top_unseen(scores, seen, k):
    # The slip: ties broken by the higher code.
    masked = np.asarray(scores, dtype=float).copy()
    masked[0] = -np.inf
    masked[list(seen)] = -np.inf
    order = np.argsort(-masked, kind="stable")[::-1]
    order = sorted(order, key=lambda code: -masked[code])
    return [int(code) for code in order if masked[code] > -np.inf][:k]


def correct_sampled_rank(scores, target, negatives):
    return 1 + int(np.sum(np.asarray(scores)[list(negatives)] >= scores[target]))


def zero_based_sampled_rank(scores, target, negatives):
    return int(np.sum(np.asarray(scores)[list(negatives)] >= scores[target]))


def strict_sampled_rank(scores, target, negatives):
    # The slip: ties counted in the target's favour.
    return 1 + int(np.sum(np.asarray(scores)[list(negatives)] > scores[target]))


def every_item_sampled_rank(scores, target, negatives):
    # The slip: the full-ranking rank instead of the sampled one.
    scores = np.asarray(scores, dtype=float)
    return 1 + int(np.sum(scores[1:] >= scores[target])) - 1


def stub(*args, **kwargs):
    exec(STUB_LINE)


def test_checkers_are_registered():
    assert check.CHECKERS["top_unseen"] is comparison.top_unseen
    assert check.CHECKERS["sampled_rank"] is comparison.sampled_rank


def test_top_unseen_reference_by_hand():
    scores = np.array([9.0, 0.5, 2.0, 1.0, 3.0, 2.0])
    assert comparison.top_unseen_reference(scores, [], 3) == [4, 2, 5]
    assert comparison.top_unseen_reference(scores, [4], 3) == [2, 5, 3]
    assert comparison.top_unseen_reference(scores, [1, 2, 3, 4], 5) == [5]


def test_top_unseen_reference_agrees_with_metrics_top_k():
    rng = np.random.default_rng(3)
    scores = np.round(rng.normal(size=(4, 31)), 1)
    seen = [rng.choice(np.arange(1, 31), 5, replace=False) for _ in range(4)]
    scores_for_metrics = scores.copy()
    scores_for_metrics[:, 0] = -np.inf
    expected = metrics.top_k(scores_for_metrics, 7, exclude=seen)
    for row in range(4):
        assert comparison.top_unseen_reference(scores[row], seen[row], 7) == expected[row].tolist()


def test_sampled_rank_reference_by_hand():
    scores = np.array([0.0, 0.9, 0.1, 0.5, 0.7, 0.2, 0.5, 0.3])
    assert comparison.sampled_rank_reference(scores, 1, [2, 5, 7]) == 1
    assert comparison.sampled_rank_reference(scores, 3, [6, 2]) == 2
    assert comparison.sampled_rank_reference(scores, 2, [5, 7]) == 3


def test_correct_functions_pass():
    for name, function in [
        ("top_unseen", correct_top_unseen),
        ("sampled_rank", correct_sampled_rank),
    ]:
        verdict = check.CHECKERS[name](function)
        assert verdict.passed, verdict.message
        assert "Well done" in repr(verdict)


def test_wrong_top_unseen_fails_with_a_helpful_message():
    padding = check.top_unseen(keeps_padding_top_unseen)
    assert not padding.passed and "padding" in padding.message
    seen = check.top_unseen(keeps_seen_top_unseen)
    assert not seen.passed and "the best item already seen" in seen.message
    ties = check.top_unseen(unstable_top_unseen)
    assert not ties.passed and "ties" in ties.message
    assert "Hint" in ties.message


def test_wrong_sampled_rank_fails_with_a_helpful_message():
    zero = check.sampled_rank(zero_based_sampled_rank)
    assert not zero.passed and "off by one" in zero.message
    strict = check.sampled_rank(strict_sampled_rank)
    assert not strict.passed and "tie" in strict.message
    full = check.sampled_rank(every_item_sampled_rank)
    assert not full.passed and "different rank" in full.message
    text = check.sampled_rank(lambda scores, target, negatives: "1")
    assert not text.passed and "integer rank" in text.message


def test_stubs_fail_with_not_implemented():
    for name in ("top_unseen", "sampled_rank"):
        verdict = check.CHECKERS[name](stub)
        assert not verdict.passed
        assert "not implemented" in verdict.message


def test_a_crashing_function_is_reported_not_raised():
    verdict = check.top_unseen(lambda scores, seen, k: scores[k + 100])
    assert not verdict.passed and "IndexError" in verdict.message
