"""Exercise checkers for notebooks/07_cnn_recommender.ipynb.

* ``check.horizontal_feature(f)``: ``f(E, K, b)`` is one Caser horizontal filter on an
  ``L x d`` image ``E``: the article's formula with ``P = h`` and ``Q = d``, plus the bias,
  then ReLU, then the maximum over time. It returns one number.
* ``check.caser_num_parameters(f)``: ``f(num_items, num_users, max_len, embedding_dim,
  horizontal_filters, vertical_filters)`` counts the parameters of the notebook's Caser.
* ``check.next_item_windows(f)``: ``f(sequence, max_len)`` turns one user's item codes into
  left-padded "history so far -> next item" training windows.

The expected answers are computed here with plain NumPy; no checker imports TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases

__all__ = ["caser_num_parameters", "horizontal_feature", "next_item_windows"]


def reference_horizontal_feature(E: Any, K: Any, b: float) -> float:
    """One horizontal filter of height ``h``, ReLU, then the maximum over time.

    Args:
        E: the image, shape ``(L, d)``: one embedding row per item, oldest first.
        K: the kernel, shape ``(h, d)`` with ``h <= L``.
        b: the bias.

    Returns:
        ``max_i relu(b + sum_p sum_q E[i + p, q] K[p, q])`` over ``i = 0 .. L - h``.
    """
    E = np.asarray(E, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    height = K.shape[0]
    outputs = [np.sum(E[i : i + height] * K) + b for i in range(E.shape[0] - height + 1)]
    return float(np.max(np.maximum(outputs, 0.0)))


def _horizontal_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(7)
    E_hand = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    K_hand = np.array([[1.0, 2.0], [-1.0, 1.0]])
    # Only the last window is positive: a mean over time would give a different answer.
    E_last = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [2.0, 3.0]])
    settings = [
        (
            E_hand,
            K_hand,
            0.0,
            "the 3 x 2 example: windows give 1 + 0 - 0 + 1 = 2 and 0 + 2 - 1 + 1 = 2",
        ),
        (E_hand, np.array([[1.0, -1.0]]), 0.5, "height 1: each row alone, plus a bias"),
        (E_last, np.array([[1.0, 1.0]]), 0.0, "only the most recent row lights up"),
        (E_hand, -np.ones((2, 2)), 0.0, "every window is negative: ReLU makes the maximum 0"),
        (E_hand, np.ones((3, 2)), -1.0, "height L: a single window covers the whole image"),
        (rng.standard_normal((5, 4)), rng.standard_normal((2, 4)), 0.1, "random 5 x 4, h = 2"),
        (rng.standard_normal((8, 6)), rng.standard_normal((3, 6)), -0.2, "random 8 x 6, h = 3"),
    ]
    return tuple(
        Case((E, K, b), reference_horizontal_feature(E, K, b), label) for E, K, b, label in settings
    )


@register("horizontal_feature")
def horizontal_feature(function: Any) -> Verdict:
    """Check ``f(E, K, b)``: one horizontal filter, ReLU, then the maximum over time.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "horizontal_feature",
        function,
        _horizontal_cases(),
        atol=1e-6,
        hint=(
            "slide the h x d kernel down the rows only: for i in range(L - h + 1), multiply "
            "E[i:i + h] by K elementwise and sum everything, add b, apply max(0, .) and "
            "return the largest of the L - h + 1 values (one number)."
        ),
    )


def reference_caser_num_parameters(
    num_items: int,
    num_users: int,
    max_len: int,
    embedding_dim: int,
    horizontal_filters: int,
    vertical_filters: int,
) -> int:
    """Count the parameters of the notebook's Caser (see course_utils/models/caser.py).

    Args:
        num_items: items; the embedding and the output layer have ``num_items + 1`` rows.
        num_users: users; one embedding row each.
        max_len: ``L``; horizontal heights run from 1 to ``L``.
        embedding_dim: ``d``.
        horizontal_filters: filters per height.
        vertical_filters: vertical filters.

    Returns:
        The number of trainable parameters.
    """
    L, d, n_h, n_v = max_len, embedding_dim, horizontal_filters, vertical_filters
    codes = num_items + 1
    horizontal = sum((h * d + 1) * n_h for h in range(1, L + 1))
    vertical = (L + 1) * n_v
    features = L * n_h + d * n_v
    return (
        codes * d + horizontal + vertical + (features + 1) * d + num_users * d + (2 * d + 1) * codes
    )


_PARAMETER_CASES: tuple[Case, ...] = tuple(
    Case(args, reference_caser_num_parameters(*args), label)
    for args, label in [
        ((1682, 943, 5, 64, 16, 4), "the notebook's model on ML-100K"),
        ((10, 3, 2, 2, 1, 1), "a tiny model you can count by hand"),
        ((10, 3, 3, 4, 2, 0), "no vertical filters"),
        ((10, 3, 3, 4, 0, 2), "no horizontal filters"),
        ((120, 300, 4, 16, 4, 2), "the synthetic log's model"),
        ((1682, 943, 8, 128, 16, 4), "L = 8 and d = 128"),
    ]
)


@register("caser_num_parameters")
def caser_num_parameters(function: Any) -> Verdict:
    """Check ``f(num_items, num_users, max_len, embedding_dim, n_h, n_v)``.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "caser_num_parameters",
        function,
        _PARAMETER_CASES,
        compare=lambda got, expected: (
            None
            if isinstance(got, (int, np.integer)) and not isinstance(got, bool) and got == expected
            else f"expected the int {expected}, got {got!r}"
        ),
        hint=(
            "add up seven layers: item embedding (num_items + 1) d; horizontal filters "
            "sum over h = 1..L of (h d + 1) n_h; vertical (L + 1) n_v; the dense layer "
            "(L n_h + d n_v + 1) d; user embedding num_users d; output (2 d + 1)(num_items + 1)."
        ),
    )


def reference_next_item_windows(sequence: Any, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Left-padded windows of the last ``max_len`` items before each position, and targets.

    Args:
        sequence: one user's item codes, oldest first (codes >= 1).
        max_len: the window length.

    Returns:
        ``(inputs, targets)``: shape ``(n - 1, max_len)`` and ``(n - 1,)``; row ``t`` holds the
        items before position ``t + 1`` (at most ``max_len``, left-padded with 0) and
        ``targets[t] = sequence[t + 1]``.
    """
    sequence = np.asarray(sequence, dtype=np.int64)
    count = max(len(sequence) - 1, 0)
    inputs = np.zeros((count, max_len), dtype=np.int64)
    for t in range(count):
        history = sequence[max(0, t + 1 - max_len) : t + 1]
        inputs[t, max_len - len(history) :] = history
    return inputs, sequence[1:].copy()


def _compare_windows(got: Any, expected: tuple[np.ndarray, np.ndarray]) -> str | None:
    if not isinstance(got, tuple) or len(got) != 2:
        return "expected a tuple (inputs, targets)"
    for name, part, want in zip(("inputs", "targets"), got, expected, strict=True):
        part = np.asarray(part)
        if part.shape != want.shape:
            return f"{name} has shape {part.shape}, expected {want.shape}"
        if not np.array_equal(part, want):
            return f"{name} differ"
    return None


_WINDOW_CASES: tuple[Case, ...] = tuple(
    Case((np.array(sequence), max_len), reference_next_item_windows(sequence, max_len), label)
    for sequence, max_len, label in [
        ([7, 3, 9, 4], 2, "4 items, windows of 2: the first window is [0, 7]"),
        ([7, 3, 9, 4], 5, "windows longer than the history: padding on the left"),
        ([5, 6], 3, "two items give one window"),
        ([5], 3, "one item gives no window at all: shapes (0, 3) and (0,)"),
        ([1, 2, 3, 4, 5, 6, 7], 3, "7 items, windows of 3"),
        ([10, 20, 30], 1, "windows of 1: just the previous item"),
    ]
)


@register("next_item_windows")
def next_item_windows(function: Any) -> Verdict:
    """Check ``f(sequence, max_len) -> (inputs, targets)``, the training windows of one user.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "next_item_windows",
        function,
        _WINDOW_CASES,
        compare=_compare_windows,
        hint=(
            "a sequence of n items gives n - 1 windows. Window t holds the items before "
            "position t + 1 (at most max_len of them) placed at the right end of a row of "
            "zeros, and its target is sequence[t + 1]."
        ),
    )
