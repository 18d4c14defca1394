"""Tests for course_utils/check/rnn.py, the checkers of notebooks/04_rnn_from_scratch.ipynb."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from course_utils import check
from course_utils.check import CHECKERS
from course_utils.check.rnn import gru_step_reset_before_reference, rnn_step_reference


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def correct_rnn_step(W, b, h_prev, x_t):
    return np.tanh(W @ np.concatenate([h_prev, x_t]) + b)


def input_first_rnn_step(W, b, h_prev, x_t):
    # The common mistake: [x_t, h_prev] instead of the article's [h_prev, x_t].
    return np.tanh(W @ np.concatenate([x_t, h_prev]) + b)


def correct_gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    x_z, x_r, x_h = np.split(x_t @ kernel + bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    z = _sigmoid(x_z + h_prev @ u_z)
    r = _sigmoid(x_r + h_prev @ u_r)
    candidate = np.tanh(x_h + (r * h_prev) @ u_h)
    return z * h_prev + (1 - z) * candidate


def swapped_update_gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    # The other convention for the update gate: z near 1 takes the candidate.
    x_z, x_r, x_h = np.split(x_t @ kernel + bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    z = _sigmoid(x_z + h_prev @ u_z)
    r = _sigmoid(x_r + h_prev @ u_r)
    candidate = np.tanh(x_h + (r * h_prev) @ u_h)
    return (1 - z) * h_prev + z * candidate


def stub(*args):
    raise NotImplementedError("Exercise: replace this line with your solution.")


def test_checkers_are_registered():
    assert {"rnn_step", "gru_step_reset_before"} <= set(CHECKERS)


def test_rnn_step_passes_a_correct_function():
    verdict = check.rnn_step(correct_rnn_step)
    assert verdict.passed, verdict.message
    assert "passed all" in verdict.message


def test_rnn_step_rejects_the_input_first_order_with_a_hint():
    verdict = check.rnn_step(input_first_rnn_step)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet")
    assert "previous state comes first" in verdict.message


def test_rnn_step_reports_a_crash_kindly():
    verdict = check.rnn_step(lambda W, b, h_prev, x_t: W @ h_prev + b)
    assert not verdict.passed
    assert "raised ValueError" in verdict.message
    assert "Hint:" in verdict.message


def test_rnn_step_stub_is_not_implemented():
    verdict = check.rnn_step(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_rnn_step_reference_on_the_hand_example():
    W = np.array([[0.5, 0.0, 1.0], [0.0, 0.5, -1.0]])
    got = rnn_step_reference(W, np.array([0.0, 0.1]), np.zeros(2), np.array([1.0]))
    np.testing.assert_allclose(got, np.tanh([1.0, -0.9]), atol=1e-12)


def test_gru_step_passes_a_correct_function():
    verdict = check.gru_step_reset_before(correct_gru_step)
    assert verdict.passed, verdict.message


def test_gru_step_rejects_the_swapped_update_gate_with_a_hint():
    verdict = check.gru_step_reset_before(swapped_update_gru_step)
    assert not verdict.passed
    assert "values differ" in verdict.message
    assert "z near 1 keeps the old state" in verdict.message


def test_gru_step_stub_is_not_implemented():
    verdict = check.gru_step_reset_before(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_checker_needs_the_function_itself():
    with pytest.raises(ValueError, match="pass the function's name"):
        check.rnn_step(correct_rnn_step(np.eye(2, 3), np.zeros(2), np.zeros(2), np.ones(1)))


def test_importing_the_checkers_does_not_import_tensorflow():
    code = (
        "import sys; import course_utils.check; sys.exit(1 if 'tensorflow' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_references_match_keras():
    """The hidden cases are only as good as the references: compare them with Keras."""
    from course_utils.setup import set_tensorflow_environment

    set_tensorflow_environment()
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    units, input_dim, batch = 3, 2, 4
    x_t = rng.normal(size=(batch, 1, input_dim)).astype("float32")

    W = rng.normal(size=(units, units + input_dim))
    b = rng.normal(size=units)
    simple_rnn = keras.layers.SimpleRNN(units, name="test_simple_rnn")
    simple_rnn.build((None, 1, input_dim))
    simple_rnn.set_weights([W[:, units:].T, W[:, :units].T, b])
    # Keras starts from h_0 = 0, so one step gives the reference with h_prev = 0.
    expected = np.stack([rnn_step_reference(W, b, np.zeros(units), x) for x in x_t[:, 0]])
    np.testing.assert_allclose(simple_rnn(x_t).numpy(), expected, atol=1e-5)

    kernel = rng.normal(size=(input_dim, 3 * units))
    recurrent_kernel = rng.normal(size=(units, 3 * units))
    bias = rng.normal(size=3 * units)
    h_prev = np.tanh(rng.normal(size=(batch, units))).astype("float32")
    gru = keras.layers.GRU(units, reset_after=False, name="test_gru_reset_before")
    gru.build((None, 1, input_dim))
    gru.set_weights([kernel, recurrent_kernel, bias])
    got = gru(x_t, initial_state=[h_prev]).numpy()
    expected = gru_step_reset_before_reference(x_t[:, 0], h_prev, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(got, expected, atol=1e-5)
