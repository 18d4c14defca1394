"""Tests for course_utils/check/lstm_keras.py, the checkers of notebooks/05_lstm_keras.ipynb."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import lstm_keras
from course_utils.setup import set_tensorflow_environment
from tools.notebooks import STUB_LINE


def correct_lstm_params(units, input_dim, use_bias=True):
    return 4 * (units * (units + input_dim) + units * int(use_bias))


def correct_pad_left(sequences, max_len):
    padded = np.zeros((len(sequences), max_len), dtype=int)
    for row, sequence in enumerate(sequences):
        kept = list(sequence)[-max_len:]
        padded[row, max_len - len(kept) :] = kept
    return padded


def import_keras():
    """Import Keras as the notebooks do: TensorFlow's environment is set first."""
    set_tensorflow_environment()
    return pytest.importorskip("keras")


def stub(*args, **kwargs):
    exec(STUB_LINE)


def test_checkers_are_registered():
    assert check.CHECKERS["lstm_params"] is lstm_keras.lstm_params
    assert check.CHECKERS["pad_left"] is lstm_keras.pad_left


@pytest.mark.parametrize(
    ("checker", "function"),
    [(check.lstm_params, correct_lstm_params), (check.pad_left, correct_pad_left)],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize("checker", [check.lstm_params, check.pad_left])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_three_blocks_instead_of_four_fails_helpfully():
    # A GRU-like count: right form, wrong number of blocks.
    verdict = check.lstm_params(lambda u, d, use_bias=True: 3 * (u * (u + d) + u))
    assert not verdict.passed
    assert "case 1 (the notebook's LSTM(64) on 20 features)" in verdict.message
    assert "got 16,320 parameters, expected 21,760" in verdict.message
    assert "Hint:" in verdict.message and "four blocks" in verdict.message


def test_forgetting_the_recurrent_kernel_fails():
    verdict = check.lstm_params(lambda u, d, use_bias=True: 4 * (u * d + u * int(use_bias)))
    assert not verdict.passed
    assert "got 5,376 parameters, expected 21,760" in verdict.message


def test_ignoring_use_bias_fails_on_its_case():
    verdict = check.lstm_params(lambda u, d, use_bias=True: 4 * (u * (u + d) + u))
    assert not verdict.passed
    assert "(use_bias=False)" in verdict.message


@pytest.mark.parametrize("bad", [21760.5, "21760", True, None])
def test_a_count_that_is_not_a_whole_number_fails(bad):
    verdict = check.lstm_params(lambda *args, **kwargs: bad)
    assert not verdict.passed
    assert "expected a whole number of parameters" in verdict.message


def test_a_whole_float_count_passes():
    verdict = check.lstm_params(
        lambda u, d, use_bias=True: float(correct_lstm_params(u, d, use_bias))
    )
    assert verdict.passed, verdict.message


def test_right_padding_fails_on_the_first_case():
    def pad_right(sequences, max_len):
        padded = np.zeros((len(sequences), max_len), dtype=int)
        for row, sequence in enumerate(sequences):
            kept = list(sequence)[-max_len:]
            padded[row, : len(kept)] = kept
        return padded

    verdict = check.pad_left(pad_right)
    assert not verdict.passed
    assert "case 1 (short sequences: zeros go in front)" in verdict.message
    assert "values differ" in verdict.message
    assert "Hint:" in verdict.message and "END" in verdict.message


def test_keeping_the_oldest_items_fails_on_the_long_case():
    def keep_oldest(sequences, max_len):
        return correct_pad_left([list(sequence)[:max_len] for sequence in sequences], max_len)

    verdict = check.pad_left(keep_oldest)
    assert not verdict.passed
    assert "case 2 (a long sequence: keep the 4 most recent items)" in verdict.message


def test_a_ragged_list_is_reported_not_raised():
    verdict = check.pad_left(lambda sequences, max_len: [list(s) for s in sequences])
    assert not verdict.passed
    assert "case 1 (short sequences: zeros go in front)" in verdict.message
    assert "not a matrix: rows of lengths [3, 2]; every row must have max_len items" in (
        verdict.message
    )


def test_text_instead_of_numbers_is_reported():
    verdict = check.pad_left(lambda sequences, max_len: "padded")
    assert not verdict.passed
    assert "not a matrix of numbers: str" in verdict.message


def test_passing_the_result_instead_of_the_function_is_explained():
    with pytest.raises(ValueError, match="pass the function's name without calling it"):
        check.pad_left(correct_pad_left([(1, 2)], 3))


def test_a_wrong_shape_is_reported():
    verdict = check.pad_left(lambda sequences, max_len: correct_pad_left(sequences, max_len).T)
    assert not verdict.passed
    assert "shape (4, 2), expected shape (2, 4)" in verdict.message


def test_a_crash_is_reported_not_raised():
    # Fails on the empty sequence: kept[-1] of an empty list raises IndexError.
    def crashes_on_empty(sequences, max_len):
        for sequence in sequences:
            list(sequence)[-1]
        return correct_pad_left(sequences, max_len)

    verdict = check.pad_left(crashes_on_empty)
    assert not verdict.passed
    assert "case 4 (an empty sequence becomes a row of zeros) raised IndexError" in verdict.message


@pytest.mark.parametrize(
    ("units", "input_dim", "use_bias"),
    [(64, 20, True), (1, 1, True), (16, 300, True), (10, 4, False)],
)
def test_the_lstm_formula_matches_keras(units, input_dim, use_bias):
    keras = import_keras()
    layer = keras.layers.LSTM(units, use_bias=use_bias, name="lstm")
    layer.build((None, 7, input_dim))
    assert layer.count_params() == lstm_keras.lstm_params_reference(units, input_dim, use_bias)


@pytest.mark.parametrize("max_len", [1, 3, 6])
def test_the_padding_reference_matches_keras(max_len):
    keras = import_keras()
    sequences = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9, 10, 11]]
    expected = keras.utils.pad_sequences(sequences, maxlen=max_len, padding="pre", truncating="pre")
    np.testing.assert_array_equal(lstm_keras.pad_left_reference(sequences, max_len), expected)
