"""Tests for course_utils/check/lstm_keras.py, the checkers of notebooks/05_lstm_keras.ipynb."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import lstm_keras
from course_utils.setup import set_tensorflow_environment
from tools.notebooks import STUB_LINE


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def correct_masked_step(x_t, keep_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z_i, z_f, z_c, z_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
    c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)
    h_t = sigmoid(z_o) * np.tanh(c_t)
    keep = keep_t[:, None]
    return np.where(keep, h_t, h_prev), np.where(keep, c_t, c_prev)


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
    assert check.CHECKERS["masked_lstm_step"] is lstm_keras.masked_lstm_step
    assert check.CHECKERS["pad_left"] is lstm_keras.pad_left


@pytest.mark.parametrize(
    ("checker", "function"),
    [(check.masked_lstm_step, correct_masked_step), (check.pad_left, correct_pad_left)],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize("checker", [check.masked_lstm_step, check.pad_left])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_a_step_that_ignores_the_mask_fails_on_the_padding_case():
    def unmasked(x_t, keep_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        every = np.ones(len(keep_t), dtype=bool)
        return correct_masked_step(x_t, every, h_prev, c_prev, kernel, recurrent_kernel, bias)

    verdict = check.masked_lstm_step(unmasked)
    assert not verdict.passed
    assert "case 2 (every row is padding" in verdict.message and "Hint:" in verdict.message


def test_a_step_that_zeroes_padded_rows_fails():
    def zeroes(x_t, keep_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        h, c = correct_masked_step(x_t, keep_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
        return h * keep_t[:, None], c * keep_t[:, None]

    verdict = check.masked_lstm_step(zeroes)
    assert not verdict.passed
    assert "h_t differs" in verdict.message


def test_a_step_that_returns_one_array_is_explained():
    verdict = check.masked_lstm_step(lambda *args: np.zeros((3, 3)))
    assert not verdict.passed
    assert "expected a pair (h_t, c_t)" in verdict.message


def test_swapping_the_gate_order_fails():
    def gates_ifoc(x_t, keep_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z_i, z_f, z_o, z_c = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
        c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)
        h_t = sigmoid(z_o) * np.tanh(c_t)
        return np.where(keep_t[:, None], h_t, h_prev), np.where(keep_t[:, None], c_t, c_prev)

    verdict = check.masked_lstm_step(gates_ifoc)
    assert not verdict.passed
    assert "case 1 (every row is a real step)" in verdict.message


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


def test_the_masked_step_reference_matches_keras_masking():
    keras = import_keras()
    rng = np.random.default_rng(0)
    units, input_dim, steps = 4, 3, 6
    lengths = [6, 3, 1]
    windows = rng.normal(size=(len(lengths), steps, input_dim)).astype("float32")
    keep = np.array([[t >= steps - n for t in range(steps)] for n in lengths])
    windows[~keep] = 0.0
    model = keras.Sequential(
        [
            keras.Input((steps, input_dim)),
            keras.layers.Masking(0.0, name="masking"),
            keras.layers.LSTM(units, name="lstm"),
        ],
        name="masked_lstm_check",
    )
    expected = model.predict(windows, verbose=0)
    kernel, recurrent_kernel, bias = (w.astype(np.float64) for w in model.layers[-1].get_weights())
    h = c = np.zeros((len(lengths), units))
    for t in range(steps):
        h, c = lstm_keras.masked_lstm_step_reference(
            windows[:, t], keep[:, t], h, c, kernel, recurrent_kernel, bias
        )
    np.testing.assert_allclose(h, expected, atol=1e-5)


@pytest.mark.parametrize("max_len", [1, 3, 6])
def test_the_padding_reference_matches_keras(max_len):
    keras = import_keras()
    sequences = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9, 10, 11]]
    expected = keras.utils.pad_sequences(sequences, maxlen=max_len, padding="pre", truncating="pre")
    np.testing.assert_array_equal(lstm_keras.pad_left_reference(sequences, max_len), expected)
