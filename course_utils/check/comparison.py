"""Exercise checkers for notebooks/10_model_comparison.ipynb.

* ``check.top_unseen``: the filter at the heart of serving and of the filtered protocol:
  the ``k`` best item codes of one score row, without the padding code 0 and without the
  items the user has already seen, ties broken by the lower code.
* ``check.sampled_rank``: the rank of a target among itself and a sample of negative items,
  as in the sampled protocol (1 positive + 100 negatives) that published papers used and
  Krichene & Rendle (KDD 2020) showed to be misleading.

The references below are the definitions taught in the notebook; the hidden cases are small
and hand-checkable. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def top_unseen_reference(scores: np.ndarray, seen: Sequence[int], k: int) -> list[int]:
    """The ``k`` best codes of ``scores`` (index = item code), without 0 and ``seen``.

    Ties are broken by the lower code; fewer than ``k`` codes come back only when fewer
    candidates are left.
    """
    scores = np.asarray(scores, dtype=np.float64)
    candidates = np.ones(len(scores), dtype=bool)
    candidates[0] = False
    candidates[np.asarray(list(seen), dtype=np.int64)] = False
    codes = np.flatnonzero(candidates)
    # A stable sort of the negated scores keeps the lower code first among equal scores.
    order = np.argsort(-scores[codes], kind="stable")
    return [int(code) for code in codes[order][:k]]


def sampled_rank_reference(scores: np.ndarray, target: int, negatives: Sequence[int]) -> int:
    """The 1-based rank of ``target`` among itself and ``negatives``; ties count against it."""
    scores = np.asarray(scores, dtype=np.float64)
    negatives = np.asarray(list(negatives), dtype=np.int64)
    return 1 + int(np.sum(scores[negatives] >= scores[target]))


def _as_codes(value: Any) -> list[int] | None:
    """Return ``value`` as a list of ints, or None if it is not a flat list of integers."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        return None
    return [int(code) for code in array]


def _compare_codes(got: Any, expected: list[int]) -> str | None:
    codes = _as_codes(got)
    if codes is None:
        return f"expected a list of {len(expected)} integer item codes, got {type(got).__name__}"
    if len(codes) != len(expected):
        return f"expected {len(expected)} codes, got {len(codes)}"
    if 0 in codes:
        return "code 0 is padding, not an item: it must never be recommended"
    if codes != expected:
        if sorted(codes) == sorted(expected):
            return "the right codes in the wrong order (best first; ties go to the lower code)"
        return "different codes"
    return None


def _top_unseen_cases() -> list[Case]:
    # Index = item code; code 0 is padding and may carry any score in a raw model output.
    simple = np.array([0.0, 0.5, 2.0, 1.0, 3.0, -1.0])
    padding_high = np.array([9.0, 0.1, 0.3, 0.2, -0.5])
    ties = np.array([0.0, 1.0, 2.0, 2.0, 1.0, 2.0])
    rng = np.random.default_rng(9)
    big = np.round(rng.normal(size=41), 1)
    big_seen = [int(code) for code in rng.choice(np.arange(1, 41), 12, replace=False)]
    cases = []
    for label, scores, seen, k in [
        ("nothing seen", simple, [], 3),
        ("the best item already seen", simple, [4], 3),
        ("padding (code 0) has the highest score", padding_high, [2], 2),
        ("ties go to the lower code", ties, [3], 3),
        ("fewer candidates than k", simple, [1, 2, 3], 5),
        ("40 items, 12 seen, scores with ties", big, big_seen, 10),
    ]:
        cases.append(Case((scores, seen, k), top_unseen_reference(scores, seen, k), label))
    return cases


@register("top_unseen")
def top_unseen(function: Callable[..., Any]) -> Verdict:
    """Check ``top_unseen(scores, seen, k)``.

    It returns the ``k`` best item codes of one row of scores (index = item code), best
    first, leaving out code 0 (padding) and the codes in ``seen``; equal scores go to the
    lower code. If fewer than ``k`` candidates are left, it returns all of them.

    Args:
        function: the learner's function.

    Returns:
        A :class:`Verdict`.
    """
    return run_cases(
        "top_unseen",
        function,
        _top_unseen_cases(),
        compare=_compare_codes,
        hint=(
            "mark code 0 and the seen codes as unavailable (for example a score of -inf), "
            "then sort with np.argsort(-scores, kind='stable') so that ties keep the lower "
            "code first, and keep only available codes."
        ),
    )


def _sampled_rank_cases() -> list[Case]:
    small = np.array([0.0, 0.9, 0.1, 0.5, 0.7, 0.2, 0.5, 0.3])
    rng = np.random.default_rng(12)
    big = np.round(rng.normal(size=201), 1)
    big_negatives = rng.choice(np.setdiff1d(np.arange(1, 201), [17]), 100, replace=False)
    cases = []
    for label, scores, target, negatives in [
        ("the target beats every negative", small, 1, [2, 5, 7]),
        ("two negatives score higher", small, 3, [1, 2, 4, 5]),
        ("a tie counts against the target", small, 3, [6, 2]),
        ("an item not sampled does not count", small, 2, [5, 7]),
        ("100 negatives out of 200 items", big, 17, big_negatives),
    ]:
        expected = sampled_rank_reference(scores, target, negatives)
        cases.append(Case((scores, target, negatives), expected, label))
    return cases


def _compare_rank(got: Any, expected: int) -> str | None:
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        return f"expected an integer rank, got {type(got).__name__}"
    if int(got) == expected - 1:
        return "off by one: ranks start at 1 (the target itself counts)"
    return None if int(got) == expected else "a different rank"


@register("sampled_rank")
def sampled_rank(function: Callable[..., Any]) -> Verdict:
    """Check ``sampled_rank(scores, target, negatives)``.

    It returns the 1-based rank of item code ``target`` among itself and the codes in
    ``negatives``, by ``scores`` (index = item code); a negative with the same score as the
    target ranks before it.

    Args:
        function: the learner's function.

    Returns:
        A :class:`Verdict`.
    """
    return run_cases(
        "sampled_rank",
        function,
        _sampled_rank_cases(),
        compare=_compare_rank,
        hint=(
            "count the negatives whose score is >= the target's score (only those sampled), "
            "then add 1 for the target itself."
        ),
    )
