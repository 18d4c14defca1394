"""Tests for course_utils/check/challenges.py, the checkers of notebook 11.

Each checker must pass a correct function, fail a wrong one with a message that helps, and
fail a stub that raises NotImplementedError with a message that says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import challenges
from tools.notebooks import STUB_LINE


def stub(*args, **kwargs):
    exec(STUB_LINE)


# --- correct solutions, written differently from the references ----------------------------


def influence_right(score_history, history, item):
    history = list(history)
    full = score_history(np.array(history, dtype=int))[item]
    drops = []
    for position in range(len(history)):
        without = np.array(history[:position] + history[position + 1 :], dtype=int)
        drops.append(full - score_history(without)[item])
    return drops


def blend_right(model_probabilities, popularity_share, history_lengths, n0):
    rows = []
    for probabilities, n in zip(model_probabilities, history_lengths):
        weight = n0 / (n0 + n)
        rows.append(probabilities + weight * (popularity_share - probabilities))
    return np.array(rows)


# --- wrong solutions: common slips --------------------------------------------------------


def influence_reversed_sign(score_history, history, item):
    return -np.asarray(influence_right(score_history, history, item))


def influence_replaced_by_padding(score_history, history, item):
    # Replacing the movie by the padding code 0 keeps the positions: older movies do not
    # move up, so a windowed model gives a different answer.
    history = np.asarray(history)
    full = score_history(history)[item]
    drops = []
    for position in range(len(history)):
        masked = history.copy()
        masked[position] = 0
        drops.append(full - score_history(masked)[item])
    return drops


def influence_deleted_by_value(score_history, history, item):
    history = np.asarray(history)
    full = score_history(history)[item]
    return [full - score_history(history[history != code])[item] for code in history]


def blend_swapped_weight(model_probabilities, popularity_share, history_lengths, n0):
    weight = (np.asarray(history_lengths) / (n0 + np.asarray(history_lengths)))[:, None]
    return (1 - weight) * model_probabilities + weight * popularity_share


def blend_one_weight(model_probabilities, popularity_share, history_lengths, n0):
    weight = n0 / (n0 + np.mean(history_lengths))
    return (1 - weight) * model_probabilities + weight * popularity_share


# --- tests ---------------------------------------------------------------------------------


def test_checkers_are_registered():
    assert check.CHECKERS["leave_one_out_influence"] is challenges.leave_one_out_influence
    assert check.CHECKERS["length_weighted_blend"] is challenges.length_weighted_blend
    assert check.leave_one_out_influence is challenges.leave_one_out_influence


@pytest.mark.parametrize(
    ("checker", "function"),
    [
        (check.leave_one_out_influence, influence_right),
        (check.length_weighted_blend, blend_right),
    ],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize(
    ("checker", "wrong", "hint"),
    [
        (check.leave_one_out_influence, influence_reversed_sign, "full minus"),
        (check.leave_one_out_influence, influence_replaced_by_padding, "np.delete"),
        (check.leave_one_out_influence, influence_deleted_by_value, "for each position"),
        (check.length_weighted_blend, blend_swapped_weight, "n0 / (n0 + n)"),
        (check.length_weighted_blend, blend_one_weight, "one weight per user"),
    ],
)
def test_a_wrong_function_fails_with_a_hint(checker, wrong, hint):
    verdict = checker(wrong)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: case")
    assert hint in verdict.message


@pytest.mark.parametrize("checker", [check.leave_one_out_influence, check.length_weighted_blend])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_a_crash_is_reported_not_raised():
    verdict = check.leave_one_out_influence(lambda score_history, history, item: history[99])
    assert not verdict.passed and "raised IndexError" in verdict.message


def test_the_window_case_tells_deleting_from_padding_apart():
    # The windowed model is why the checker insists on deletion: each slip must fail a case
    # of its own, not only the case with a repeated code.
    cases = challenges._influence_cases()
    window_case = cases[2]
    got = influence_replaced_by_padding(*window_case.args)
    assert not np.allclose(got, window_case.expected)


def test_the_influences_of_a_bag_of_items_are_its_weights():
    weights = np.arange(16, dtype=float).reshape(4, 4)
    model = challenges._BagOfItems(weights)
    drops = challenges.reference_leave_one_out_influence(model, np.array([1, 3]), 2)
    np.testing.assert_allclose(drops, [weights[1, 2], weights[3, 2]])


def test_the_blend_keeps_rows_summing_to_one():
    rng = np.random.default_rng(0)
    probabilities = rng.random((5, 7))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    share = rng.random(7)
    share /= share.sum()
    blended = challenges.reference_length_weighted_blend(
        probabilities, share, np.array([1, 2, 3, 30, 300]), 4.0
    )
    np.testing.assert_allclose(blended.sum(axis=1), 1.0)
    # n0 = 0 leaves the model's distribution unchanged.
    unchanged = challenges.reference_length_weighted_blend(probabilities, share, np.ones(5), 0.0)
    np.testing.assert_allclose(unchanged, probabilities)
