"""Exercise checkers for notebooks/06_embeddings_matrix_factorization.ipynb.

* ``check.predict_ratings``: the biased matrix-factorisation prediction
  ``global_mean + user_bias[u] + item_bias[i] + user_factors[u] . item_factors[i]``.
* ``check.fold_in_user``: the vector of a new user, fitted to a few ratings with the item
  vectors held fixed (a ridge regression), which is how a trained model can serve a user
  it has never seen without retraining.

The references below are the formulas taught in the notebook; the hidden cases are small
and hand-checkable. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def predict_ratings_reference(
    global_mean: float,
    user_bias: np.ndarray,
    item_bias: np.ndarray,
    user_factors: np.ndarray,
    item_factors: np.ndarray,
    users: np.ndarray,
    items: np.ndarray,
) -> np.ndarray:
    """The biased MF prediction for each (users[n], items[n]) pair (the notebook's formula)."""
    users, items = np.asarray(users), np.asarray(items)
    dots = np.sum(np.asarray(user_factors)[users] * np.asarray(item_factors)[items], axis=-1)
    return global_mean + np.asarray(user_bias)[users] + np.asarray(item_bias)[items] + dots


def fold_in_user_reference(
    item_factors: np.ndarray, items: np.ndarray, residuals: np.ndarray, l2: float
) -> np.ndarray:
    """The new user's vector ``p`` that minimises ``sum (r_i - p . q_i)^2 + l2 * |p|^2``."""
    rated = np.asarray(item_factors, dtype=np.float64)[np.asarray(items)]
    gram = rated.T @ rated + l2 * np.eye(rated.shape[1])
    return np.linalg.solve(gram, rated.T @ np.asarray(residuals, dtype=np.float64))


def _rating_cases() -> list[Case]:
    # A hand-checkable case: two users, three items, two hidden features.
    user_factors = np.array([[1.0, 0.0], [0.5, 2.0]])
    item_factors = np.array([[2.0, 1.0], [0.0, -1.0], [1.0, 1.0]])
    user_bias = np.array([0.25, -0.5])
    item_bias = np.array([0.0, 0.5, -0.25])
    small = (3.5, user_bias, item_bias, user_factors, item_factors)
    rng = np.random.default_rng(6)
    big = (
        3.53,
        rng.normal(0, 0.3, 7),
        rng.normal(0, 0.3, 9),
        rng.normal(0, 0.5, (7, 4)),
        rng.normal(0, 0.5, (9, 4)),
    )
    big_users, big_items = rng.integers(0, 7, 12), rng.integers(0, 9, 12)
    cases = []
    for label, parameters, users, items in [
        ("one pair: user 0, item 0", small, np.array([0]), np.array([0])),
        ("user 1 with every item", small, np.array([1, 1, 1]), np.array([0, 1, 2])),
        ("repeated and unordered pairs", small, np.array([1, 0, 1, 0]), np.array([2, 2, 0, 1])),
        ("7 users, 9 items, 4 hidden features", big, big_users, big_items),
    ]:
        expected = predict_ratings_reference(*parameters, users, items)
        cases.append(Case((*parameters, users, items), expected, label))
    return cases


@register("predict_ratings")
def predict_ratings(function: Callable[..., Any]) -> Verdict:
    """Check ``predict_ratings(global_mean, user_bias, item_bias, user_factors, item_factors,
    users, items)``.

    It returns one predicted rating per pair ``(users[n], items[n])``:
    ``global_mean + user_bias[u] + item_bias[i] + user_factors[u] . item_factors[i]``.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "predict_ratings",
        function,
        _rating_cases(),
        atol=1e-9,
        hint="look up the rows of the users and of the items, multiply them elementwise and "
        "sum over the hidden features (axis=-1) to get one dot product per pair; then add "
        "the global mean, the user's bias and the item's bias. The result has one value per "
        "pair, not a users x items matrix.",
    )


def _fold_in_cases() -> list[Case]:
    one_feature = np.array([[1.0], [2.0], [3.0]])
    two_features = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0], [-1.0, 1.0]])
    rng = np.random.default_rng(26)
    three_features = rng.normal(0, 0.5, (8, 3))
    cases = []
    for label, factors, items, residuals, l2 in [
        ("one hidden feature, items 0 and 1, l2=0", one_feature, [0, 1], [1.0, 2.0], 0.0),
        ("the same with l2=5: the penalty shrinks p", one_feature, [0, 1], [1.0, 2.0], 5.0),
        ("two hidden features, items 0 and 2 of 4, l2=1", two_features, [2, 0], [1.5, -0.5], 1.0),
        (
            "three hidden features, 5 of 8 items rated, l2=0.5",
            three_features,
            [6, 1, 3, 0, 7],
            [0.4, -0.3, 0.9, 0.1, -1.2],
            0.5,
        ),
    ]:
        items, residuals = np.array(items), np.array(residuals)
        expected = fold_in_user_reference(factors, items, residuals, l2)
        cases.append(Case((factors, items, residuals, l2), expected, label))
    return cases


@register("fold_in_user")
def fold_in_user(function: Callable[..., Any]) -> Verdict:
    """Check ``fold_in_user(item_factors, items, residuals, l2)``.

    With the item vectors fixed, a new user's vector is the ridge-regression solution
    ``p = (Q_I^T Q_I + l2 I)^-1 Q_I^T r``, where ``Q_I = item_factors[items]`` holds the
    vectors of the items the user rated and ``r`` the residuals of those ratings.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "fold_in_user",
        function,
        _fold_in_cases(),
        atol=1e-8,
        hint="keep only the rows of the rated items, Q_I = item_factors[items]; then solve "
        "(Q_I.T @ Q_I + l2 * I) p = Q_I.T @ residuals with np.linalg.solve, where I is the "
        "identity of size (number of hidden features). The L2 term is what keeps p small "
        "when the user has rated only a few items.",
    )
