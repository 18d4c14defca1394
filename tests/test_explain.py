"""Tests for course_utils/explain.py: left padding and leave-one-out influence."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import explain


def test_left_pad_keeps_the_newest_items_at_the_end() -> None:
    windows = explain.left_pad([[3, 4, 5], [7], [1, 2, 3, 4, 5, 6]], 4)
    assert windows.dtype == np.int32
    assert windows.tolist() == [[0, 3, 4, 5], [0, 0, 0, 7], [3, 4, 5, 6]]
    assert explain.left_pad([], 3).shape == (0, 3)
    assert explain.left_pad([[]], 2).tolist() == [[0, 0]]


@pytest.mark.parametrize(
    ("histories", "width", "message"),
    [
        ([[1, 2]], 0, "width must be an int >= 1"),
        ([[1, 2]], 2.0, "width must be an int >= 1"),
        ([[1, 0]], 2, "item codes start at 1"),
        ([[1.5, 2]], 2, "flat list of integer item codes"),
        ([[[1], [2]]], 2, "flat list of integer item codes"),
    ],
)
def test_left_pad_refuses_bad_input(histories, width, message) -> None:
    with pytest.raises(ValueError, match=message):
        explain.left_pad(histories, width)


def counting_scores(histories):
    """A model whose score of item i is 2 * (times i is in the history) + (newest item == i)."""
    scores = np.zeros((len(histories), 6))
    for row, history in enumerate(histories):
        for item in history:
            scores[row, item] += 2.0
        if len(history):
            scores[row, history[-1]] += 1.0
    return scores


def test_leave_one_out_measures_each_deletion() -> None:
    drops, ranks = explain.leave_one_out(counting_scores, [1, 2, 1], 1)
    # Deleting the first 1 loses 2; the middle 2 changes nothing; the newest 1 loses 2 + 1.
    assert drops.tolist() == [2.0, 0.0, 3.0]
    assert ranks.dtype == np.int64 and ranks.shape == (3,)
    # Item 1 is in the history: only items 3, 4, 5 (and 1 itself) are ranked. With the first
    # 1 deleted, it keeps 2 + 1 = 3 > 0, so it still ranks first.
    assert ranks.tolist() == [1, 1, 1]


def test_leave_one_out_last_deletes_only_the_newest_positions() -> None:
    every, _ = explain.leave_one_out(counting_scores, [1, 2, 1, 3], 1)
    newest, ranks = explain.leave_one_out(counting_scores, [1, 2, 1, 3], 1, last=2)
    assert newest.tolist() == every[-2:].tolist() and len(ranks) == 2
    longer, _ = explain.leave_one_out(counting_scores, [1, 2], 1, last=5)
    assert len(longer) == 2


def test_leave_one_out_calls_the_model_once() -> None:
    calls = []

    def scores(histories):
        calls.append(len(histories))
        return counting_scores(histories)

    explain.leave_one_out(scores, [1, 2, 3, 4], 2)
    assert calls == [5], "the full history and each deletion, in one call"


@pytest.mark.parametrize(
    ("history", "item", "kwargs", "message"),
    [
        ([], 1, {}, "history is empty"),
        ([1, 2], 0, {}, "item must be an int >= 1"),
        ([1, 2], 9, {}, "item 9 is not an item code"),
        ([1, 2], 1, {"last": 0}, "last must be an int >= 1"),
        ([0, 2], 1, {}, "item codes start at 1"),
    ],
)
def test_leave_one_out_refuses_bad_input(history, item, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        explain.leave_one_out(counting_scores, history, item, **kwargs)


def test_leave_one_out_refuses_scores_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="one row of scores per history"):
        explain.leave_one_out(lambda histories: np.zeros((1, 6)), [1, 2], 1)
