"""Exercise checkers for notebooks/11_challenges_interpretability_multimodal_cold_start.ipynb.

* ``check.leave_one_out_influence(f)``: ``f(score_history, history, item)`` explains one
  recommendation: for each position ``i`` of the history, how much the item's score drops
  when the movie at position ``i`` is left out of the history (deleted, so that the older
  movies move up, exactly as if the user had never watched it).
* ``check.length_weighted_blend(f)``: ``f(model_probabilities, popularity_share,
  history_lengths, n0)`` mixes each user's next-item distribution with the popularity
  distribution, with the weight ``n0 / (n0 + n)`` that shrinks as the history length ``n``
  grows.

The expected answers are computed here with plain NumPy; no checker imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases

__all__ = [
    "leave_one_out_influence",
    "length_weighted_blend",
    "reference_leave_one_out_influence",
    "reference_length_weighted_blend",
]

# --- leave-one-out influence ------------------------------------------------------------


def reference_leave_one_out_influence(
    score_history: Callable[[np.ndarray], np.ndarray], history: Any, item: int
) -> np.ndarray:
    """Return the drop of ``item``'s score when each history position is left out.

    Args:
        score_history: maps a 1-D array of item codes (oldest first) to the scores of
            every item code.
        history: the user's item codes, oldest first.
        item: the recommended item code whose score is explained.

    Returns:
        A float array with one entry per history position:
        ``score_history(history)[item] - score_history(history without position i)[item]``.
    """
    history = np.asarray(history)
    full = float(score_history(history)[item])
    return np.array(
        [full - float(score_history(np.delete(history, i))[item]) for i in range(len(history))]
    )


class _BagOfItems:
    """Scores = the sum of the rows of a weight table, one row per history item."""

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights

    def __repr__(self) -> str:
        return f"<a bag-of-items scorer over {self.weights.shape[1]} item codes>"

    def __call__(self, history: np.ndarray) -> np.ndarray:
        history = np.asarray(history, dtype=int)
        return (
            self.weights[history].sum(axis=0) if len(history) else np.zeros(self.weights.shape[1])
        )


class _LastWindow:
    """Scores from the last ``window`` items only, each position with its own table.

    Like Caser or any model that reads a fixed window, positions matter: the newest item
    uses ``tables[-1]``, the one before ``tables[-2]`` and so on. Older items are ignored.
    """

    def __init__(self, tables: np.ndarray) -> None:
        self.tables = tables

    def __repr__(self) -> str:
        return f"<a scorer that reads the last {len(self.tables)} items, by position>"

    def __call__(self, history: np.ndarray) -> np.ndarray:
        history = np.asarray(history, dtype=int)
        window = len(self.tables)
        kept = history[-window:]
        scores = np.zeros(self.tables.shape[2])
        for offset, code in enumerate(kept):
            scores += self.tables[window - len(kept) + offset][code]
        return scores


class _Together:
    """Scores where two items count only together (an interaction), plus a bag of items."""

    def __init__(self, weights: np.ndarray, first: int, second: int, bonus: float) -> None:
        self.bag = _BagOfItems(weights)
        self.first, self.second, self.bonus = first, second, bonus

    def __repr__(self) -> str:
        return f"<a bag-of-items scorer where items {self.first} and {self.second} count together>"

    def __call__(self, history: np.ndarray) -> np.ndarray:
        scores = self.bag(history).copy()
        present = set(np.asarray(history, dtype=int).tolist())
        if self.first in present and self.second in present:
            scores += self.bonus
        return scores


def _influence_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(10)
    bag = _BagOfItems(np.round(rng.normal(size=(9, 9)), 2))
    window = _LastWindow(np.round(rng.normal(size=(3, 9, 9)), 2))
    together = _Together(np.round(rng.normal(size=(9, 9)), 2), first=2, second=5, bonus=3.0)
    settings = [
        (bag, np.array([3, 1, 4]), 7, "a bag of items: each drop is that item's own weight"),
        (bag, np.array([6]), 2, "a history of one movie: leaving it out leaves nothing"),
        (window, np.array([1, 2, 3, 4, 5, 6]), 8, "a 3-item window: older movies slide in"),
        (window, np.array([7, 8]), 4, "a window longer than the history"),
        (together, np.array([2, 8, 5, 1]), 0, "items 2 and 5 count only together"),
        (bag, np.array([4, 4, 1]), 3, "the same code twice: leave out one position at a time"),
    ]
    return tuple(
        Case((model, history, item), reference_leave_one_out_influence(model, history, item), label)
        for model, history, item, label in settings
    )


@register("leave_one_out_influence")
def leave_one_out_influence(function: Any) -> Verdict:
    """Check ``f(score_history, history, item)``: the score drop for each left-out position.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "leave_one_out_influence",
        function,
        _influence_cases(),
        atol=1e-9,
        hint=(
            "compute full = score_history(history)[item] once; then, for each position i, "
            "rescore np.delete(history, i) (delete the position, do not replace it with a "
            "padding 0, so that older movies move up) and return full minus that score, "
            "one number per position, in history order."
        ),
    )


# --- length-weighted blend ----------------------------------------------------------------


def reference_length_weighted_blend(
    model_probabilities: Any, popularity_share: Any, history_lengths: Any, n0: float
) -> np.ndarray:
    """Mix each user's distribution with popularity, more for short histories.

    Args:
        model_probabilities: shape ``(users, items)``, each row sums to 1.
        popularity_share: shape ``(items,)``, sums to 1.
        history_lengths: shape ``(users,)``, the number of items each user has.
        n0: the history length at which the two get equal weight; 0 means no blending.

    Returns:
        ``(1 - w) * model_probabilities + w * popularity_share`` with
        ``w = n0 / (n0 + n)`` per user (row).
    """
    probabilities = np.asarray(model_probabilities, dtype=float)
    share = np.asarray(popularity_share, dtype=float)
    lengths = np.asarray(history_lengths, dtype=float)
    weight = (n0 / (n0 + lengths))[:, None]
    return (1 - weight) * probabilities + weight * share[None, :]


def _normalised(rows: np.ndarray) -> np.ndarray:
    return rows / rows.sum(axis=-1, keepdims=True)


def _blend_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(11)
    probabilities = _normalised(rng.random((3, 5)))
    share = _normalised(np.array([5.0, 3.0, 1.0, 1.0, 0.0]))
    settings = [
        (probabilities, share, np.array([1, 10, 100]), 10.0, "n0 = 10: weights 10/11, 1/2, 1/11"),
        (probabilities, share, np.array([1, 10, 100]), 0.0, "n0 = 0: no blending at all"),
        (probabilities, share, np.array([3, 3, 3]), 3.0, "equal lengths: equal weights 1/2"),
        (
            _normalised(rng.random((4, 6))),
            _normalised(rng.random(6)),
            np.array([1, 2, 5, 50]),
            2.5,
            "a fractional n0",
        ),
    ]
    return tuple(
        Case(
            (p, s, n, n0),
            reference_length_weighted_blend(p, s, n, n0),
            label,
        )
        for p, s, n, n0, label in settings
    )


@register("length_weighted_blend")
def length_weighted_blend(function: Any) -> Verdict:
    """Check ``f(model_probabilities, popularity_share, history_lengths, n0)``.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "length_weighted_blend",
        function,
        _blend_cases(),
        atol=1e-9,
        hint=(
            "one weight per user, w = n0 / (n0 + n): a column of shape (users, 1), so that it "
            "broadcasts over the items; return (1 - w) * model_probabilities + w * "
            "popularity_share. A short history (small n) gets the larger popularity weight."
        ),
    )
