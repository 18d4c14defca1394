"""Scoring and explaining histories that a split does not hold: left padding and leave-one-out.

A sequence model reads a user's latest items as a left-padded window of item codes (code 0 is
padding, the newest item sits at the last position). :func:`left_pad` builds such windows for
any list of histories, for example a history with one movie deleted. :func:`leave_one_out`
explains one recommendation by deleting each movie of the history in turn and measuring how
much the recommended item's score drops: a large drop means the model leaned on that movie.
It works with any model, through a function that scores a list of histories.

This module is NumPy only; it never imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from course_utils import metrics
from course_utils.validation import check_int

__all__ = ["leave_one_out", "left_pad"]


def _as_history(history: Sequence[int] | np.ndarray, name: str = "history") -> np.ndarray:
    """Return ``history`` as a 1-D int64 array of item codes (>= 1), or raise ValueError."""
    array = np.asarray(history)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise ValueError(
            f"{name} must be a flat list of integer item codes, got {array.dtype} values of "
            f"shape {array.shape}."
        )
    if array.size and array.min() < 1:
        raise ValueError(
            f"{name} holds item code {int(array.min())}; item codes start at 1 (0 is padding). "
            "Encode movie ids with split.encode_items first."
        )
    return array.astype(np.int64)


def left_pad(histories: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """Return the last ``width`` items of each history, left-padded with 0, one row each.

    Args:
        histories: lists of item codes, oldest first.
        width: the window's length (a model's ``max_len``).

    Returns:
        An int32 array of shape ``(len(histories), width)``; the newest item of each history
        is in the last column.

    Raises:
        ValueError: if ``width`` is not a positive int or a history is not a list of item
            codes.
    """
    width = check_int(width, "width", 1)
    windows = np.zeros((len(histories), width), dtype=np.int32)
    for row, history in enumerate(histories):
        recent = _as_history(history, f"histories[{row}]")[-width:]
        windows[row, width - len(recent) :] = recent
    return windows


def leave_one_out(
    score_histories: Callable[[list[np.ndarray]], np.ndarray],
    history: Sequence[int],
    item: int,
    *,
    last: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Explain ``item``'s score after ``history`` by deleting each position in turn.

    The influence of position ``i`` is the drop in ``item``'s score when ``history[i]`` is
    deleted: ``s(history)[item] - s(history without i)[item]``. It is faithful to the model by
    construction; it cannot see what the model learned from the movies during training.

    Args:
        score_histories: a function from a list of histories to their scores, an array of
            shape ``(len(histories), num_items + 1)`` (column 0 is padding).
        history: the item codes, oldest first (at least one).
        item: the explained item's code.
        last: delete only the newest ``last`` positions (all of them when None or larger
            than the history).

    Returns:
        ``(drops, ranks)``, one entry per deleted position, oldest first: the drop in
        ``item``'s score (float64), and its 1-based rank after the deletion (int64) among the
        items not in the full history (ties count against it).

    Raises:
        ValueError: if the history is empty or not a list of item codes, ``item`` is not an
            item code, or the scores have the wrong shape.
    """
    history = _as_history(history)
    item = check_int(item, "item", 1)
    if history.size == 0:
        raise ValueError("history is empty: there is nothing to delete.")
    first = 0 if last is None else max(0, len(history) - check_int(last, "last", 1))
    edited = [np.delete(history, position) for position in range(first, len(history))]
    scores = np.asarray(score_histories([history, *edited]), dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != len(edited) + 1:
        raise ValueError(
            f"score_histories returned shape {scores.shape} for {len(edited) + 1} histories; "
            "it must return one row of scores per history."
        )
    if item >= scores.shape[1]:
        raise ValueError(
            f"item {item} is not an item code: the scores have {scores.shape[1]} columns."
        )
    drops = scores[0, item] - scores[1:, item]
    ranks = metrics.target_ranks(
        scores[1:], np.full(len(edited), item), exclude=[history] * len(edited)
    )
    return drops, ranks
