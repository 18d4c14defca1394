"""Ranking metrics for next-item recommendation with one held-out target per user.

A model produces a score matrix of shape ``(n_users, num_items + 1)``: column ``c`` scores
item code ``c`` and column 0 is padding (see :mod:`course_utils.splits`). Every user has one
target item code. The metrics here rank all candidate items by score and ask where the
target lands.

Rules, applied by every function in this module:

* **Candidates.** Column 0 is never a candidate. An item whose score is ``-inf`` is never a
  candidate either: ``-inf`` means "never recommend". ``exclude[u]`` lists item codes that
  are removed from user ``u``'s candidates (typically the items the user has already seen),
  by setting their scores to ``-inf``.
* **The target is always rankable.** If a user's target is listed in ``exclude[u]``, it is
  kept. Otherwise excluding "seen" items could silently remove the very item we are
  asking about, and that user would count as a miss for a reason that has nothing to do
  with the model. A target whose own score is ``-inf`` is ranked last among the candidates.
* **Ties are pessimistic.** A target's rank is 1 plus the number of *other* candidates that
  score at least as high as the target (``>=``). A model that gives every item the same
  score therefore ranks every target last and earns HR@k = 0 unless ``k`` covers all the
  candidates. The optimistic alternative (count only strictly higher scores) would give
  such a useless model a perfect score, and an average of the two would still reward it;
  counting ties against the model is the only choice that cannot be gamed by constant
  outputs.
* **k larger than the number of candidates** is allowed: every target is then within the
  top k, so HR@k = 1. :func:`top_k` returns ``min(k, num_items)`` columns and pads with -1
  where a user has fewer candidates than that.
* **NaN scores are rejected** with a ValueError: a NaN compares false with everything, so
  it would silently corrupt ranks. ``+inf`` is allowed and means "rank first".

All functions are vectorised over users; only the exclusion lists are gathered in Python.
This module only uses NumPy, so importing it never starts TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils.validation import check_int

__all__ = [
    "coverage_at_k",
    "evaluate_both",
    "evaluate_ranking",
    "evaluate_stages",
    "hit_rate_at_k",
    "mrr",
    "ndcg_at_k",
    "target_ranks",
    "top_k",
]

_MAX_ROWS_SHOWN = 5


def _check_k(k: object) -> int:
    """Return ``k`` as an int, or raise ValueError if it is not an int >= 1."""
    return check_int(k, "k", 1)


def _check_scores(scores: np.ndarray) -> np.ndarray:
    """Validate a score matrix and return it as float64."""
    scores = np.asarray(scores)
    if scores.dtype == bool or not (
        np.issubdtype(scores.dtype, np.integer) or np.issubdtype(scores.dtype, np.floating)
    ):
        raise ValueError(f"scores must hold real numbers, got dtype {scores.dtype}.")
    if scores.ndim != 2:
        raise ValueError(
            f"scores must be 2-D (n_users, num_items + 1), got shape {scores.shape}; for a "
            "single user use scores[None, :]."
        )
    if scores.shape[0] == 0 or scores.shape[1] < 2:
        raise ValueError(
            f"scores needs at least one row and two columns (padding column 0 plus one item), "
            f"got shape {scores.shape}."
        )
    scores = scores.astype(np.float64, copy=False)
    nan = np.isnan(scores)
    if nan.any():
        rows = np.flatnonzero(nan.any(axis=1))
        shown = rows[:_MAX_ROWS_SHOWN].tolist()
        more = ", ..." if len(rows) > _MAX_ROWS_SHOWN else ""
        raise ValueError(
            f"scores contain {int(nan.sum())} NaN values in {len(rows)} rows (rows "
            f"{str(shown)[1:-1]}{more}); fix the model's output, or map NaN to -inf "
            "('never recommend') with np.nan_to_num(scores, nan=-np.inf)."
        )
    return scores


def _check_targets(targets: np.ndarray, n_users: int, num_items: int) -> np.ndarray:
    """Validate target item codes against the score matrix."""
    targets = np.asarray(targets)
    if targets.ndim != 1 or len(targets) != n_users:
        raise ValueError(
            f"targets must be 1-D with one item code per row of scores ({n_users}), got "
            f"shape {targets.shape}."
        )
    if targets.dtype == bool or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(
            f"targets must be integer item codes, got dtype {targets.dtype}; convert them "
            "with split.encode_items(...) or .astype('int64')."
        )
    bad = np.flatnonzero((targets < 1) | (targets > num_items))
    if len(bad):
        raise ValueError(
            f"{len(bad)} targets are outside the item codes 1..{num_items} (rows "
            f"{bad[:_MAX_ROWS_SHOWN].tolist()}, values {targets[bad[:_MAX_ROWS_SHOWN]].tolist()})"
            "; code 0 is padding and scores has one column per item code plus column 0."
        )
    return targets.astype(np.int64, copy=False)


def _exclude_indices(
    exclude: Sequence[np.ndarray], n_users: int, num_items: int
) -> tuple[np.ndarray, np.ndarray]:
    """Flatten per-user exclusion lists into (row, column) index arrays."""
    if isinstance(exclude, np.ndarray) and exclude.ndim == 1 and exclude.dtype != object:
        raise ValueError(
            "exclude must hold one array of item codes per user, got a flat array; for a "
            "single user wrap it in a list: exclude=[codes]."
        )
    if len(exclude) != n_users:
        raise ValueError(
            f"exclude must hold one array of item codes per user ({n_users}), got "
            f"{len(exclude)}; split.seen_items(stage) builds it."
        )
    # This comprehension is the only Python loop over users: each user's list has its own
    # length, and NumPy has no cheaper way to flatten a list of ragged arrays.
    arrays = [np.asarray(codes).reshape(-1) for codes in exclude]
    lengths = np.fromiter((len(codes) for codes in arrays), dtype=np.int64, count=n_users)
    non_empty = [codes for codes in arrays if len(codes)]
    if not non_empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    columns = np.concatenate(non_empty)
    if columns.dtype == bool or not np.issubdtype(columns.dtype, np.integer):
        raise ValueError(
            f"exclude must hold integer item codes, got dtype {columns.dtype}; convert with "
            "split.encode_items(...)."
        )
    bad = (columns < 0) | (columns > num_items)
    if bad.any():
        raise ValueError(
            f"exclude holds {int(bad.sum())} codes outside 0..{num_items} (e.g. "
            f"{np.unique(columns[bad])[:_MAX_ROWS_SHOWN].tolist()}); exclude lists item codes, "
            "not original item ids."
        )
    rows = np.repeat(np.arange(n_users), lengths)
    return rows, columns.astype(np.int64, copy=False)


def _candidate_scores(
    scores: np.ndarray,
    exclude: Sequence[np.ndarray] | None,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """Return a copy of ``scores`` with non-candidates set to -inf."""
    n_users, n_columns = scores.shape
    masked = scores.copy()
    masked[:, 0] = -np.inf
    if exclude is not None:
        rows, columns = _exclude_indices(exclude, n_users, n_columns - 1)
        if keep is not None:
            # The target must stay rankable, so it is never excluded (see module docstring).
            not_target = columns != keep[rows]
            rows, columns = rows[not_target], columns[not_target]
        masked[rows, columns] = -np.inf
    return masked


def _ranks_from_masked(masked: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Compute pessimistic 1-based target ranks from candidate scores."""
    rows = np.arange(len(targets))
    target_scores = masked[rows, targets]
    # Pessimistic ties: every other candidate scoring >= the target ranks ahead of it.
    # The "> -inf" test keeps non-candidates out when the target itself scores -inf.
    ahead = (masked >= target_scores[:, None]) & (masked > -np.inf)
    ahead[rows, targets] = False
    return 1 + ahead.sum(axis=1, dtype=np.int64)


def _top_k_from_masked(masked: np.ndarray, k: int) -> np.ndarray:
    """Return the top-k columns of candidate scores, padding with -1."""
    n_users, n_columns = masked.shape
    width = min(k, n_columns - 1)
    # Sorting whole rows is the slow part of an evaluation, so when k is small only the
    # entries that can reach the top are sorted: those scoring at least the row's
    # width-th largest score. Ties at that threshold are all kept, so the tie-break stays
    # exact.
    threshold = np.partition(masked, n_columns - width, axis=1)[:, n_columns - width]
    in_reach = masked >= threshold[:, None]
    if in_reach.sum() > masked.size // 8:
        # Large k or massive ties: a stable sort of the negated rows is faster. It orders by
        # descending score and, within ties, by ascending column; -inf sorts last.
        order = np.argsort(-masked, axis=1, kind="stable")[:, :width]
        chosen_scores = np.take_along_axis(masked, order, axis=1)
        return np.where(chosen_scores > -np.inf, order, -1).astype(np.int64)
    rows, columns = np.nonzero(in_reach)
    values = masked[rows, columns]
    # np.lexsort sorts by the last key first: by row, then by descending score, then by
    # ascending column, which breaks ties in favour of the lower column index.
    order = np.lexsort((columns, -values, rows))
    counts = np.bincount(rows, minlength=n_users)
    # Every row keeps at least `width` entries (the threshold is its width-th largest).
    first = np.cumsum(counts) - counts
    chosen = order[first[:, None] + np.arange(width)[None, :]]
    return np.where(values[chosen] > -np.inf, columns[chosen], -1).astype(np.int64)


def target_ranks(
    scores: np.ndarray,
    targets: np.ndarray,
    exclude: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Return the 1-based rank of each user's target among that user's candidate items.

    Ties count against the target, and a target listed in ``exclude`` is kept (see the
    module docstring).

    Args:
        scores: Array of shape ``(n_users, num_items + 1)``; column 0 is padding.
        targets: Item code (1..num_items) of each user's target.
        exclude: Optional item codes to remove from each user's candidates.

    Returns:
        An int64 array of shape ``(n_users,)``; 1 means the target scored highest.

    Raises:
        ValueError: If the scores contain NaN or any argument has the wrong shape, dtype
            or range.
    """
    scores = _check_scores(scores)
    targets = _check_targets(targets, scores.shape[0], scores.shape[1] - 1)
    masked = _candidate_scores(scores, exclude, keep=targets)
    return _ranks_from_masked(masked, targets)


def top_k(scores: np.ndarray, k: int, exclude: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Return the item codes of each user's k highest-scoring candidates.

    Ties are broken by the lower column index. Column 0, items scoring -inf and excluded
    items are never returned.

    Args:
        scores: Array of shape ``(n_users, num_items + 1)``; column 0 is padding.
        k: Number of items per user.
        exclude: Optional item codes to remove from each user's candidates.

    Returns:
        An int64 array of shape ``(n_users, min(k, num_items))``, best first. A user with
        fewer candidates than that gets -1 in the remaining columns.

    Raises:
        ValueError: If the scores contain NaN, ``k`` is not an int >= 1, or ``exclude`` is
            malformed.
    """
    k = _check_k(k)
    scores = _check_scores(scores)
    return _top_k_from_masked(_candidate_scores(scores, exclude), k)


def _check_ranks(ranks: np.ndarray) -> np.ndarray:
    """Validate an array of 1-based ranks."""
    ranks = np.asarray(ranks)
    if ranks.ndim != 1 or ranks.size == 0:
        raise ValueError(f"ranks must be a non-empty 1-D array, got shape {ranks.shape}.")
    if ranks.dtype == bool or not np.issubdtype(ranks.dtype, np.integer):
        raise ValueError(f"ranks must be integers, got dtype {ranks.dtype}.")
    if ranks.min() < 1:
        raise ValueError(
            f"ranks are 1-based, got a minimum of {ranks.min()}; add 1 to 0-based positions."
        )
    return ranks


def hit_rate_at_k(ranks: np.ndarray, k: int) -> float:
    """Return the fraction of users whose target ranks in the top k (HR@k).

    Args:
        ranks: 1-based target ranks, one per user.
        k: Cut-off.

    Returns:
        The mean of ``rank <= k`` over users.

    Raises:
        ValueError: If ``ranks`` or ``k`` is invalid.
    """
    k = _check_k(k)
    ranks = _check_ranks(ranks)
    return float(np.mean(ranks <= k))


def ndcg_at_k(ranks: np.ndarray, k: int) -> float:
    """Return NDCG@k for one relevant item per user, averaged over users.

    With a single relevant item the ideal DCG is 1, so a user's NDCG is
    ``1 / log2(rank + 1)`` if ``rank <= k`` and 0 otherwise.

    Args:
        ranks: 1-based target ranks, one per user.
        k: Cut-off.

    Returns:
        The mean NDCG@k over users.

    Raises:
        ValueError: If ``ranks`` or ``k`` is invalid.
    """
    k = _check_k(k)
    ranks = _check_ranks(ranks)
    gains = np.where(ranks <= k, 1.0 / np.log2(ranks + 1.0), 0.0)
    return float(np.mean(gains))


def mrr(ranks: np.ndarray) -> float:
    """Return the mean reciprocal rank over users (not truncated at any k).

    Args:
        ranks: 1-based target ranks, one per user.

    Returns:
        The mean of ``1 / rank``.

    Raises:
        ValueError: If ``ranks`` is invalid.
    """
    ranks = _check_ranks(ranks)
    return float(np.mean(1.0 / ranks))


def coverage_at_k(top_items: np.ndarray, num_items: int) -> float:
    """Return the fraction of the catalogue that appears in at least one user's top-k list.

    Args:
        top_items: Item codes as returned by :func:`top_k`; -1 entries are padding.
        num_items: Catalogue size (``scores.shape[1] - 1``).

    Returns:
        The number of distinct codes in ``top_items`` divided by ``num_items``.

    Raises:
        ValueError: If ``num_items`` is not an int >= 1, or ``top_items`` is not a 2-D
            integer array of codes in 1..num_items (or -1).
    """
    num_items = check_int(num_items, "num_items", 1)
    top_items = np.asarray(top_items)
    if top_items.ndim != 2:
        raise ValueError(
            f"top_items must be 2-D (n_users, k) as returned by top_k, got shape {top_items.shape}."
        )
    if top_items.size and (
        top_items.dtype == bool or not np.issubdtype(top_items.dtype, np.integer)
    ):
        raise ValueError(f"top_items must hold integer item codes, got dtype {top_items.dtype}.")
    codes = top_items[top_items != -1]
    bad = (codes < 1) | (codes > num_items)
    if bad.any():
        raise ValueError(
            f"top_items holds codes outside 1..{num_items} (e.g. "
            f"{np.unique(codes[bad])[:_MAX_ROWS_SHOWN].tolist()}); pass the catalogue size "
            "scores.shape[1] - 1 as num_items."
        )
    return float(np.unique(codes).size / num_items)


def evaluate_ranking(
    scores: np.ndarray,
    targets: np.ndarray,
    *,
    k: int = 10,
    exclude: Sequence[np.ndarray] | None = None,
) -> dict[str, float]:
    """Evaluate a score matrix against one held-out target per user.

    The top-k lists used for coverage are built from the same candidates as the ranks
    (the target is kept even if excluded). Without ties, HR@k is therefore exactly the
    fraction of users whose target appears in their top-k list; with ties the two can
    differ, because ranks count ties against the target while top-k lists break them by
    column index.

    Args:
        scores: Array of shape ``(n_users, num_items + 1)``; column 0 is padding.
        targets: Item code (1..num_items) of each user's target.
        k: Cut-off for HR, NDCG and coverage.
        exclude: Optional item codes to remove from each user's candidates, typically
            ``split.seen_items(stage)``.

    Returns:
        ``{"HR@k": ..., "NDCG@k": ..., "MRR": ..., "coverage@k": ...}`` with the actual
        value of k in the keys, each averaged over users (coverage is over the catalogue).

    Raises:
        ValueError: If the scores contain NaN or any argument has the wrong shape, dtype
            or range.
    """
    k = _check_k(k)
    scores = _check_scores(scores)
    num_items = scores.shape[1] - 1
    targets = _check_targets(targets, scores.shape[0], num_items)
    masked = _candidate_scores(scores, exclude, keep=targets)
    ranks = _ranks_from_masked(masked, targets)
    return {
        f"HR@{k}": hit_rate_at_k(ranks, k),
        f"NDCG@{k}": ndcg_at_k(ranks, k),
        "MRR": mrr(ranks),
        f"coverage@{k}": coverage_at_k(_top_k_from_masked(masked, k), num_items),
    }


def evaluate_both(
    scores: np.ndarray,
    targets: np.ndarray,
    seen: Sequence[np.ndarray],
    *,
    k: int = 10,
) -> dict[str, dict[str, float]]:
    """Evaluate a score matrix in the course's two settings: history filtered, and not.

    Args:
        scores: Array of shape ``(n_users, num_items + 1)``; column 0 is padding.
        targets: Item code of each user's target.
        seen: Each user's history for the stage (``split.seen_items(stage)``).
        k: Cut-off for HR, NDCG and coverage.

    Returns:
        ``{"filtered": ..., "unfiltered": ...}``, each a dict of :func:`evaluate_ranking`.

    Raises:
        ValueError: As :func:`evaluate_ranking`.
    """
    return {
        "filtered": evaluate_ranking(scores, targets, k=k, exclude=seen),
        "unfiltered": evaluate_ranking(scores, targets, k=k, exclude=None),
    }


def evaluate_stages(
    score: Callable[[str], np.ndarray],
    split: Any,
    *,
    names: Sequence[str] | None = None,
    ranks: bool = True,
) -> dict[str, Any]:
    """Evaluate one model at both stages, in both settings, with its test ranks: a record.

    The benchmarks store this record per model and run (``benchmarks/results/``); the
    notebooks pair models user by user through the ranks.

    Args:
        score: ``score(stage)`` returns the model's score matrix for ``"valid"`` or ``"test"``.
        split: The split (its targets and seen items).
        names: The metrics to keep (all of :func:`evaluate_both`'s by default).
        ranks: Also record every user's test rank, filtered and unfiltered.

    Returns:
        ``{"valid": {"filtered": {...}, "unfiltered": {...}}, "test": {...}}``, each metric
        rounded to 6 places, plus ``"test_ranks": {"filtered": [...], "unfiltered": [...]}``.
    """
    record: dict[str, Any] = {}
    for stage in ("valid", "test"):
        scores = score(stage)
        targets, seen = split.targets(stage), split.seen_items(stage)
        both = evaluate_both(scores, targets, seen)
        record[stage] = {
            setting: {
                name: round(float(value), 6)
                for name, value in values.items()
                if names is None or name in names
            }
            for setting, values in both.items()
        }
        if ranks and stage == "test":
            record["test_ranks"] = {
                "filtered": target_ranks(scores, targets, exclude=seen).tolist(),
                "unfiltered": target_ranks(scores, targets).tolist(),
            }
    return record
