"""Tests for course_utils/check/embeddings.py, the checkers of notebook 06 (embeddings and MF)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import embeddings
from tools.notebooks import STUB_LINE


def correct_predict_ratings(
    global_mean, user_bias, item_bias, user_factors, item_factors, users, items
):
    dots = np.einsum("nd,nd->n", user_factors[users], item_factors[items])
    return global_mean + user_bias[users] + item_bias[items] + dots


def no_bias_predict_ratings(
    global_mean, user_bias, item_bias, user_factors, item_factors, users, items
):
    return global_mean + np.sum(user_factors[users] * item_factors[items], axis=1)


def matrix_predict_ratings(
    global_mean, user_bias, item_bias, user_factors, item_factors, users, items
):
    # The common slip: every user with every item instead of one value per pair.
    return global_mean + user_factors[users] @ item_factors[items].T


def correct_fold_in_user(item_factors, items, residuals, l2):
    rated = item_factors[items]
    return np.linalg.solve(rated.T @ rated + l2 * np.eye(rated.shape[1]), rated.T @ residuals)


def unregularised_fold_in_user(item_factors, items, residuals, l2):
    rated = item_factors[items]
    return np.linalg.lstsq(rated, residuals, rcond=None)[0]


def every_item_fold_in_user(item_factors, items, residuals, l2):
    # The slip: the vectors of every item instead of the rated ones.
    gram = item_factors.T @ item_factors + l2 * np.eye(item_factors.shape[1])
    return np.linalg.solve(gram, item_factors.T @ residuals)


def stub(*args, **kwargs):
    exec(STUB_LINE)


def test_checkers_are_registered():
    assert check.CHECKERS["predict_ratings"] is embeddings.predict_ratings
    assert check.CHECKERS["fold_in_user"] is embeddings.fold_in_user


def test_predict_ratings_reference_by_hand():
    # user 1 = (0.5, 2), item 2 = (1, 1): 3.5 - 0.5 - 0.25 + 2.5 = 5.25.
    got = embeddings.predict_ratings_reference(
        3.5,
        np.array([0.25, -0.5]),
        np.array([0.0, 0.5, -0.25]),
        np.array([[1.0, 0.0], [0.5, 2.0]]),
        np.array([[2.0, 1.0], [0.0, -1.0], [1.0, 1.0]]),
        np.array([1]),
        np.array([2]),
    )
    np.testing.assert_allclose(got, [5.25])


def test_fold_in_user_reference_by_hand():
    # One feature, q = (1, 2), r = (1, 2): p = (1 + 4) / (1 + 4 + l2).
    factors = np.array([[1.0], [2.0], [3.0]])
    for l2, expected in [(0.0, 1.0), (5.0, 0.5)]:
        got = embeddings.fold_in_user_reference(factors, np.array([0, 1]), np.array([1.0, 2.0]), l2)
        np.testing.assert_allclose(got, [expected])


def test_fold_in_user_reference_minimises_the_penalised_error():
    rng = np.random.default_rng(0)
    factors, items, residuals = rng.normal(size=(6, 2)), np.array([0, 2, 5]), rng.normal(size=3)
    best = embeddings.fold_in_user_reference(factors, items, residuals, 0.7)

    def objective(p):
        return np.sum((residuals - factors[items] @ p) ** 2) + 0.7 * p @ p

    for step in rng.normal(scale=1e-3, size=(20, 2)):
        assert objective(best) < objective(best + step)


@pytest.mark.parametrize(
    ("checker", "function"),
    [
        (check.predict_ratings, correct_predict_ratings),
        (check.fold_in_user, correct_fold_in_user),
    ],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize("checker", [check.predict_ratings, check.fold_in_user])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_forgetting_the_biases_fails_helpfully():
    verdict = check.predict_ratings(no_bias_predict_ratings)
    assert not verdict.passed
    assert "case 1 (one pair: user 0, item 0)" in verdict.message
    assert "Hint:" in verdict.message and "bias" in verdict.message


def test_a_users_by_items_matrix_fails_on_the_shape():
    verdict = check.predict_ratings(matrix_predict_ratings)
    assert not verdict.passed
    assert "case 1" in verdict.message and "shape (1, 1), expected shape (1,)" in verdict.message
    assert "not a users x items matrix" in verdict.message


def test_forgetting_the_penalty_fails_on_the_penalty_case():
    verdict = check.fold_in_user(unregularised_fold_in_user)
    assert not verdict.passed
    assert "case 2 (the same with l2=5: the penalty shrinks p)" in verdict.message
    assert "Hint:" in verdict.message and "L2" in verdict.message


def test_using_every_item_is_reported_not_raised():
    verdict = check.fold_in_user(every_item_fold_in_user)
    assert not verdict.passed
    assert "case 1" in verdict.message and "raised ValueError" in verdict.message
    assert "rows of the rated items" in verdict.message


@pytest.mark.parametrize("bad", [None, [0.5, 0.5], "p"])
def test_a_wrong_type_fails_without_raising(bad):
    verdict = check.fold_in_user(lambda *args: bad)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet")
