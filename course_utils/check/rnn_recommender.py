"""Exercise checkers for notebooks/08_lstm_recommender.ipynb.

The hidden cases are computed by small NumPy references in this module, so checking an
exercise never imports TensorFlow. ``tests/test_check_rnn_recommender.py`` compares the
loss reference with Keras' own loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def shifted_pair_reference(history: np.ndarray, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn one history into a next-item training pair, left-padded with 0.

    From the last ``max_len + 1`` items, the inputs are all but the last and the targets
    are all but the first, so ``targets[j]`` is the item that follows ``inputs[j]``; this is
    one row of ``split.training_sequences(max_len)``.

    Taught in notebooks/08_lstm_recommender.ipynb.

    Args:
        history: item codes, oldest first, shape ``(n,)``.
        max_len: the length of both returned sequences.

    Returns:
        ``(inputs, targets)``, two int arrays of shape ``(max_len,)``.
    """
    window = np.asarray(history, dtype=np.int64)[-(max_len + 1) :]
    pairs = max(len(window) - 1, 0)
    inputs = np.zeros(max_len, dtype=np.int64)
    targets = np.zeros(max_len, dtype=np.int64)
    if pairs:
        inputs[max_len - pairs :] = window[:-1]
        targets[max_len - pairs :] = window[1:]
    return inputs, targets


def masked_cross_entropy_reference(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean softmax cross-entropy over the positions whose target is not padding (0).

    Taught in notebooks/08_lstm_recommender.ipynb.

    Args:
        logits: scores of shape ``(batch, timesteps, num_items + 1)``.
        targets: next-item codes of shape ``(batch, timesteps)``; 0 marks padding.

    Returns:
        The average of ``-log softmax(logits)[target]`` over the non-padded positions.
    """
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    keep = targets > 0
    return float(-picked[keep].mean())


def _compare_pair(got: Any, expected: tuple[np.ndarray, np.ndarray]) -> str | None:
    """Return None when ``got`` is the expected (inputs, targets) pair, else a reason."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (inputs, targets), got {type(got).__name__}"
    for name, got_part, expected_part in zip(("inputs", "targets"), got, expected, strict=True):
        part = np.asarray(got_part)
        if part.shape != expected_part.shape:
            return f"{name} has shape {part.shape}, expected {expected_part.shape}"
        if not np.array_equal(part, expected_part):
            return f"{name} differ: got {part.tolist()}, expected {expected_part.tolist()}"
    return None


@register("shifted_pair")
def shifted_pair(function: Callable[..., Any]) -> Verdict:
    """Check a learner's ``shifted_pair(history, max_len) -> (inputs, targets)``.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    histories = [
        (np.array([5, 3, 9]), 4, "short history: padding on the left"),
        (np.array([1, 2, 3, 4, 5, 6, 7]), 3, "long history: only the last max_len + 1 items"),
        (np.array([8, 6, 4, 2]), 3, "exactly max_len + 1 items: no padding"),
        (np.array([7]), 3, "a single item: nothing to predict, all padding"),
    ]
    cases = [
        Case((history, max_len), shifted_pair_reference(history, max_len), label)
        for history, max_len, label in histories
    ]
    return run_cases(
        "shifted_pair",
        function,
        cases,
        compare=_compare_pair,
        hint=(
            "keep window = history[-(max_len + 1):]; inputs are window[:-1] and targets "
            "window[1:]; put both at the right end of arrays of max_len zeros."
        ),
    )


@register("masked_cross_entropy")
def masked_cross_entropy(function: Callable[..., Any]) -> Verdict:
    """Check a learner's ``masked_cross_entropy(logits, targets) -> float``.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    rng = np.random.default_rng(808)
    hand_logits = np.log(np.array([[[1.0, 1.0, 2.0, 1.0], [1.0, 3.0, 1.0, 4.0]]]))
    hand_targets = np.array([[2, 3]])
    padded_logits = rng.normal(size=(2, 4, 6))
    padded_targets = np.array([[0, 0, 3, 1], [0, 5, 2, 4]])
    large_logits = rng.normal(scale=400.0, size=(3, 5, 7))
    large_targets = np.array([[0, 0, 0, 6, 2], [1, 2, 3, 4, 5], [0, 0, 1, 1, 3]])
    cases = [
        Case(
            (hand_logits, hand_targets),
            masked_cross_entropy_reference(hand_logits, hand_targets),
            "no padding: probabilities 2/5 and 4/9",
        ),
        Case(
            (padded_logits, padded_targets),
            masked_cross_entropy_reference(padded_logits, padded_targets),
            "padded positions (target 0) must not count, not even in the average",
        ),
        Case(
            (large_logits, large_targets),
            masked_cross_entropy_reference(large_logits, large_targets),
            "large logits: exp overflows unless you subtract the maximum first",
        ),
    ]
    return run_cases(
        "masked_cross_entropy",
        function,
        cases,
        atol=1e-6,
        hint=(
            "log softmax = z - max(z) - log(sum(exp(z - max(z)))) along the last axis; pick "
            "the target's entry with np.take_along_axis, keep the positions with target > 0, "
            "and average only over those."
        ),
    )
