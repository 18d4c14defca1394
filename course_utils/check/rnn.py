"""Exercise checkers for notebooks/04_rnn_from_scratch.ipynb.

The hidden cases are computed by small NumPy references in this module, so checking an
exercise never imports TensorFlow. ``tests/test_check_rnn.py`` compares the references
with Keras' own layers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def rnn_step_reference(
    W: np.ndarray, b: np.ndarray, h_prev: np.ndarray, x_t: np.ndarray
) -> np.ndarray:
    """One step of the article's recurrence, ``h_t = tanh(W·[h_prev, x_t] + b)``.

    Taught in notebooks/04_rnn_from_scratch.ipynb.

    Args:
        W: the weight matrix, shape ``(units, units + input_dim)``.
        b: the bias, shape ``(units,)``.
        h_prev: the previous hidden state, shape ``(units,)``.
        x_t: the input at this step, shape ``(input_dim,)``.

    Returns:
        The new hidden state, shape ``(units,)``.
    """
    return np.tanh(W @ np.concatenate([h_prev, x_t]) + b)


def gru_step_reset_before_reference(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
) -> np.ndarray:
    """One step of Keras' ``GRU(reset_after=False)`` in Keras' layout (gates z, r, h).

    Taught in notebooks/04_rnn_from_scratch.ipynb.

    Args:
        x_t: the inputs, shape ``(batch, input_dim)``.
        h_prev: the previous states, shape ``(batch, units)``.
        kernel: shape ``(input_dim, 3 * units)``.
        recurrent_kernel: shape ``(units, 3 * units)``.
        bias: shape ``(3 * units,)``.

    Returns:
        The new states, shape ``(batch, units)``.
    """
    x_z, x_r, x_h = np.split(x_t @ kernel + bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    z = _sigmoid(x_z + h_prev @ u_z)
    r = _sigmoid(x_r + h_prev @ u_r)
    candidate = np.tanh(x_h + (r * h_prev) @ u_h)
    return z * h_prev + (1 - z) * candidate


def _rnn_step_case(rng: np.random.Generator, units: int, input_dim: int, label: str) -> Case:
    W = rng.normal(scale=0.7, size=(units, units + input_dim))
    b = rng.normal(scale=0.5, size=units)
    h_prev = np.tanh(rng.normal(size=units))
    x_t = rng.normal(size=input_dim)
    return Case((W, b, h_prev, x_t), rnn_step_reference(W, b, h_prev, x_t), label)


@register("rnn_step")
def rnn_step(function: Callable[..., np.ndarray]) -> Verdict:
    """Check a learner's ``rnn_step(W, b, h_prev, x_t)``: the article's recurrence.

    Args:
        function: the learner's function, returning ``tanh(W·[h_prev, x_t] + b)``.

    Returns:
        The verdict.
    """
    rng = np.random.default_rng(404)
    W_hand = np.array([[0.5, 0.0, 1.0], [0.0, 0.5, -1.0]])
    b_hand = np.array([0.0, 0.1])
    cases = [
        Case(
            (W_hand, b_hand, np.zeros(2), np.array([1.0])),
            rnn_step_reference(W_hand, b_hand, np.zeros(2), np.array([1.0])),
            "the notebook's hand example, first step",
        ),
        _rnn_step_case(rng, units=3, input_dim=2, label="units=3, input_dim=2"),
        _rnn_step_case(rng, units=2, input_dim=2, label="units == input_dim"),
        _rnn_step_case(rng, units=5, input_dim=1, label="units=5, input_dim=1"),
    ]
    return run_cases(
        "rnn_step",
        function,
        cases,
        atol=1e-6,
        hint=(
            "h_t = np.tanh(W @ np.concatenate([h_prev, x_t]) + b). The previous state comes "
            "first, as in the article's [h_(t-1), x_t], and W multiplies from the left."
        ),
    )


def _gru_case(
    rng: np.random.Generator, batch: int, units: int, input_dim: int, label: str, zero_state: bool
) -> Case:
    x_t = rng.normal(size=(batch, input_dim))
    h_prev = np.zeros((batch, units)) if zero_state else np.tanh(rng.normal(size=(batch, units)))
    kernel = rng.normal(scale=0.7, size=(input_dim, 3 * units))
    recurrent_kernel = rng.normal(scale=0.7, size=(units, 3 * units))
    bias = rng.normal(scale=0.5, size=3 * units)
    args = (x_t, h_prev, kernel, recurrent_kernel, bias)
    return Case(args, gru_step_reset_before_reference(*args), label)


@register("gru_step_reset_before")
def gru_step_reset_before(function: Callable[..., np.ndarray]) -> Verdict:
    """Check a learner's ``gru_step_reset_before(x_t, h_prev, kernel, recurrent_kernel, bias)``.

    The step is Keras' ``GRU(reset_after=False)``: gates in the order z, r, h, one bias of
    shape ``(3 * units,)``, and the reset gate applied to ``h_prev`` before the product.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    rng = np.random.default_rng(4040)
    cases = [
        _gru_case(rng, batch=1, units=2, input_dim=3, label="batch 1, first step", zero_state=True),
        _gru_case(rng, batch=1, units=2, input_dim=3, label="batch 1", zero_state=False),
        _gru_case(rng, batch=3, units=4, input_dim=2, label="batch 3, units 4", zero_state=False),
    ]
    return run_cases(
        "gru_step_reset_before",
        function,
        cases,
        atol=1e-6,
        hint=(
            "split kernel, recurrent_kernel and bias into 3 blocks in the order z, r, h; "
            "z = sigmoid(x_t @ W_z + b_z + h_prev @ U_z), likewise r; "
            "candidate = tanh(x_t @ W_h + b_h + (r * h_prev) @ U_h); "
            "h_t = z * h_prev + (1 - z) * candidate (in Keras, z near 1 keeps the old state)."
        ),
    )
