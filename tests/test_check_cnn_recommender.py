"""Tests for course_utils/check/cnn_recommender.py, the checkers of notebook 07.

Each checker must pass a correct function, fail a wrong one with a message that helps, and
fail a stub that raises NotImplementedError with a message that says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import cnn_recommender
from tools.notebooks import STUB_LINE


def stub(*args, **kwargs):
    exec(STUB_LINE)


# --- correct solutions, written differently from the references ----------------------------


def horizontal_right(E, K, b):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(E), K.shape[0], axis=0)
    # windows has shape (L - h + 1, d, h): each window's rows are on the last axis.
    return float(np.maximum(np.einsum("idp,pd->i", windows, K) + b, 0).max())


def parameters_right(num_items, num_users, max_len, embedding_dim, n_h, n_v):
    d, L = embedding_dim, max_len
    horizontal = n_h * (d * L * (L + 1) // 2 + L)
    dense = (L * n_h + d * n_v + 1) * d
    return (
        (num_items + 1) * d
        + horizontal
        + (L + 1) * n_v
        + dense
        + num_users * d
        + (2 * d + 1) * (num_items + 1)
    )


def windows_right(sequence, max_len):
    padded = np.concatenate([np.zeros(max_len, dtype=int), np.asarray(sequence, dtype=int)])
    rows = [padded[t + 1 : t + 1 + max_len] for t in range(len(sequence) - 1)]
    return np.array(rows, dtype=int).reshape(-1, max_len), np.asarray(sequence)[1:]


# --- wrong solutions: common slips --------------------------------------------------------


def horizontal_mean_over_time(E, K, b):
    h = K.shape[0]
    values = [np.sum(E[i : i + h] * K) + b for i in range(E.shape[0] - h + 1)]
    return float(np.mean(np.maximum(values, 0)))


def horizontal_no_relu(E, K, b):
    h = K.shape[0]
    return float(max(np.sum(E[i : i + h] * K) + b for i in range(E.shape[0] - h + 1)))


def horizontal_off_by_one(E, K, b):
    h = K.shape[0]
    values = [np.sum(E[i : i + h] * K) + b for i in range(E.shape[0] - h)] or [0.0]
    return float(np.max(np.maximum(values, 0)))


def parameters_no_biases(num_items, num_users, max_len, embedding_dim, n_h, n_v):
    d, L = embedding_dim, max_len
    return (
        (num_items + 1) * d
        + n_h * d * L * (L + 1) // 2
        + L * n_v
        + (L * n_h + d * n_v) * d
        + num_users * d
        + 2 * d * (num_items + 1)
    )


def parameters_as_float(*args):
    return float(parameters_right(*args))


def windows_right_padding(sequence, max_len):
    inputs, targets = windows_right(sequence, max_len)
    # Right padding: the history starts at column 0, with zeros after it.
    fixed = np.zeros_like(inputs)
    for row, window in enumerate(inputs):
        items = window[window > 0]
        fixed[row, : len(items)] = items
    return fixed, targets


def windows_including_target(sequence, max_len):
    padded = np.concatenate([np.zeros(max_len, dtype=int), np.asarray(sequence, dtype=int)])
    rows = [padded[t + 2 : t + 2 + max_len] for t in range(len(sequence) - 1)]
    return np.array(rows, dtype=int).reshape(-1, max_len), np.asarray(sequence)[1:]


# --- tests ---------------------------------------------------------------------------------


def test_checkers_are_registered():
    assert check.CHECKERS["horizontal_feature"] is cnn_recommender.horizontal_feature
    assert check.CHECKERS["caser_num_parameters"] is cnn_recommender.caser_num_parameters
    assert check.CHECKERS["next_item_windows"] is cnn_recommender.next_item_windows
    assert check.horizontal_feature is cnn_recommender.horizontal_feature


@pytest.mark.parametrize(
    ("checker", "function"),
    [
        (check.horizontal_feature, horizontal_right),
        (check.caser_num_parameters, parameters_right),
        (check.next_item_windows, windows_right),
    ],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize(
    ("checker", "wrong", "hint"),
    [
        (check.horizontal_feature, horizontal_mean_over_time, "largest"),
        (check.horizontal_feature, horizontal_no_relu, "max(0, .)"),
        (check.horizontal_feature, horizontal_off_by_one, "range(L - h + 1)"),
        (check.caser_num_parameters, parameters_no_biases, "(h d + 1) n_h"),
        (check.caser_num_parameters, parameters_as_float, "expected the int"),
        (check.next_item_windows, windows_right_padding, "right end"),
        (check.next_item_windows, windows_including_target, "before position"),
    ],
)
def test_a_wrong_function_fails_with_a_hint(checker, wrong, hint):
    verdict = checker(wrong)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: case")
    assert hint in verdict.message


@pytest.mark.parametrize(
    "checker", [check.horizontal_feature, check.caser_num_parameters, check.next_item_windows]
)
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_a_crash_is_reported_not_raised():
    verdict = check.next_item_windows(lambda sequence, max_len: sequence[max_len + 100])
    assert not verdict.passed and "raised IndexError" in verdict.message


def test_the_parameter_reference_matches_the_horizontal_hand_example():
    # The case label's arithmetic: both windows of the 3 x 2 example give 2.
    E = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    K = np.array([[1.0, 2.0], [-1.0, 1.0]])
    assert cnn_recommender.reference_horizontal_feature(E, K, 0.0) == 2.0


def test_windows_reference_agrees_with_the_split():
    from course_utils import splits, synthetic

    log = synthetic.make_synthetic_log(num_users=5, num_items=80, seed=3)
    split = splits.leave_last_out(log.ratings)
    inputs, targets = split.training_windows(4)
    expected_inputs, expected_targets = [], []
    for history in split.histories("valid"):
        rows, next_items = cnn_recommender.reference_next_item_windows(history, 4)
        expected_inputs.append(rows)
        expected_targets.append(next_items)
    np.testing.assert_array_equal(inputs, np.concatenate(expected_inputs))
    np.testing.assert_array_equal(targets, np.concatenate(expected_targets))


def test_parameter_reference_matches_keras():
    # The checker's formula must count what course_utils.models.caser builds.
    # Keras is imported as the notebooks do: TensorFlow's environment is set first.
    from course_utils.setup import set_tensorflow_environment

    set_tensorflow_environment()
    from course_utils.models import caser

    for args in [(1682, 943, 5, 64, 16, 4), (10, 3, 3, 4, 2, 0), (10, 3, 3, 4, 0, 2)]:
        num_items, num_users, max_len, dim, n_h, n_v = args
        model = caser.build_model(
            num_items,
            num_users,
            max_len=max_len,
            embedding_dim=dim,
            horizontal_filters=n_h,
            vertical_filters=n_v,
        )
        assert model.count_params() == cnn_recommender.reference_caser_num_parameters(*args)
