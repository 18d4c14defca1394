"""Exercise checkers for notebooks/09_self_attention_recommender.ipynb.

* ``check.causal_mask``: which keys each query of a left-padded window may attend to: the
  keys at its own position or earlier (the causal mask), and never a padding position.
* ``check.attend_one_query``: scaled dot-product attention for one query: the weights
  ``softmax(K q / sqrt(d))`` over the allowed keys, and their weighted sum of the values.

The references below are the definitions taught in the notebook, where they are checked
against ``keras.layers.MultiHeadAttention``. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def causal_mask_reference(real: np.ndarray) -> np.ndarray:
    """``allowed[i, j]``: query ``i`` may attend to key ``j`` (``j <= i`` and ``j`` is real)."""
    real = np.asarray(real, dtype=bool)
    positions = np.arange(len(real))
    return (positions[None, :] <= positions[:, None]) & real[None, :]


def attend_one_query_reference(
    query: np.ndarray, keys: np.ndarray, values: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """The output of one query: the softmax-weighted sum of the allowed values."""
    query, keys, values = (np.asarray(a, dtype=np.float64) for a in (query, keys, values))
    scores = keys @ query / np.sqrt(len(query))
    scores = np.where(np.asarray(allowed, dtype=bool), scores, -np.inf)
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    return weights @ values


def _causal_mask_cases() -> list[Case]:
    cases = []
    for label, real in [
        ("one real item", [True]),
        ("four real items, no padding", [True] * 4),
        ("two padding positions, then three items", [False, False, True, True, True]),
        ("a window of 8 with 5 padding positions", [False] * 5 + [True] * 3),
    ]:
        real = np.array(real)
        cases.append(Case((real,), causal_mask_reference(real), label))
    return cases


def _compare_mask(got: Any, expected: np.ndarray) -> str | None:
    try:
        array = np.asarray(got)
    except (TypeError, ValueError):
        return f"expected a boolean array, got {type(got).__name__}"
    if array.shape != expected.shape:
        return f"shape {array.shape}, expected shape {expected.shape} (queries × keys)"
    if array.dtype != bool:
        return f"expected a boolean array (True = may attend), got dtype {array.dtype}"
    if np.array_equal(array, expected):
        return None
    if np.triu(array, k=1).any():
        return (
            "a query may attend to a later position (rows are queries, columns are keys): "
            "the model would see the future"
        )
    if np.array_equal(array, np.tril(np.ones_like(expected))):
        return "padding positions are still allowed as keys"
    return "a different mask"


@register("causal_mask")
def causal_mask(function: Callable[..., Any]) -> Verdict:
    """Check ``causal_mask(real)``.

    ``real`` is a boolean vector over the window's positions (False for left padding). The
    function returns a boolean ``(n, n)`` array whose entry ``[i, j]`` is True when the query
    at position ``i`` may attend to the key at position ``j``: ``j <= i`` and ``real[j]``.

    Args:
        function: the learner's function.

    Returns:
        A :class:`Verdict`.
    """
    return run_cases(
        "causal_mask",
        function,
        _causal_mask_cases(),
        compare=_compare_mask,
        hint=(
            "start from np.tril(np.ones((n, n), dtype=bool)) (key j <= query i), then switch "
            "off the columns of the padding positions with `& real[None, :]`."
        ),
    )


def _attention_cases() -> list[Case]:
    rng = np.random.default_rng(21)
    cases = []
    query, keys, values = rng.normal(size=2), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    cases.append(((query, keys, values, np.ones(3, dtype=bool)), "three keys, all allowed"))
    query, keys, values = rng.normal(size=4), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    allowed = np.array([False, False, True, True, True])
    cases.append(((query, keys, values, allowed), "d = 4, two keys masked"))
    cases.append(
        ((query, keys, values, np.eye(5, dtype=bool)[2]), "one allowed key: its value comes back")
    )
    big = 40.0 * rng.normal(size=(6, 8))
    cases.append(
        ((big[0], big, rng.normal(size=(6, 2)), np.ones(6, dtype=bool)), "scores in the hundreds")
    )
    return [Case(args, attend_one_query_reference(*args), label) for args, label in cases]


@register("attend_one_query")
def attend_one_query(function: Callable[..., Any]) -> Verdict:
    """Check ``attend_one_query(query, keys, values, allowed)``.

    ``query`` has shape ``(d,)``, ``keys`` ``(n, d)``, ``values`` ``(n, d_v)`` and ``allowed``
    is a boolean vector of length ``n``. The function returns the output vector
    ``softmax(keys @ query / sqrt(d)) @ values``, where the softmax gives weight 0 to the keys
    that are not allowed.

    Args:
        function: the learner's function.

    Returns:
        A :class:`Verdict`.
    """
    return run_cases(
        "attend_one_query",
        function,
        _attention_cases(),
        atol=1e-6,
        hint=(
            "scores = keys @ query / np.sqrt(d); set the scores of the keys that are not "
            "allowed to -np.inf; subtract the largest score before np.exp (scores in the "
            "hundreds overflow otherwise); divide by the sum; return weights @ values."
        ),
    )
