"""Exercise checkers for notebooks/05_lstm_keras.ipynb: a masked LSTM step, left padding.

The expected values come from small references in this module, so checking an exercise never
imports TensorFlow. ``tests/test_check_lstm_keras.py`` compares the references with Keras:
``keras.layers.LSTM`` behind ``keras.layers.Masking``, and ``keras.utils.pad_sequences``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def masked_lstm_step_reference(
    x_t: Any,
    keep_t: Any,
    h_prev: Any,
    c_prev: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step in Keras' layout that leaves the rows whose ``keep_t`` is false unchanged.

    Taught in notebooks/05_lstm_keras.ipynb (§3 and §6.1).

    Args:
        x_t: the inputs of this time step, shape ``(batch, input_dim)``.
        keep_t: one bool per row: false where the step is padding.
        h_prev: the hidden states, shape ``(batch, units)``.
        c_prev: the cell states, shape ``(batch, units)``.
        kernel: shape ``(input_dim, 4 * units)``, gates in Keras' order i, f, c, o.
        recurrent_kernel: shape ``(units, 4 * units)``.
        bias: shape ``(4 * units,)``.

    Returns:
        ``(h_t, c_t)``: the new states where ``keep_t`` is true, the previous ones elsewhere.
    """
    h_prev = np.asarray(h_prev, dtype=np.float64)
    c_prev = np.asarray(c_prev, dtype=np.float64)
    z = np.asarray(x_t) @ np.asarray(kernel) + h_prev @ np.asarray(recurrent_kernel) + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    c_t = _sigmoid(z_f) * c_prev + _sigmoid(z_i) * np.tanh(z_c)
    h_t = _sigmoid(z_o) * np.tanh(c_t)
    keep = np.asarray(keep_t, dtype=bool)[:, None]
    return np.where(keep, h_t, h_prev), np.where(keep, c_t, c_prev)


def pad_left_reference(sequences: Sequence[Sequence[int]], max_len: int) -> np.ndarray:
    """Left-pad with 0, or truncate, every sequence to ``max_len`` items, keeping the last ones.

    Taught in notebooks/05_lstm_keras.ipynb.

    Args:
        sequences: the sequences of item codes, oldest first.
        max_len: the number of columns.

    Returns:
        An int64 array of shape ``(len(sequences), max_len)``: each row ends with the
        sequence's most recent items, and zeros fill the start of short rows.
    """
    padded = np.zeros((len(sequences), max_len), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        kept = list(sequence)[-max_len:]
        if kept:
            padded[row, max_len - len(kept) :] = kept
    return padded


def _step_case(rng: np.random.Generator, keep: list[bool], input_dim: int, units: int) -> tuple:
    batch = len(keep)
    return (
        rng.normal(size=(batch, input_dim)),
        np.array(keep),
        rng.normal(scale=0.5, size=(batch, units)),
        rng.normal(scale=0.5, size=(batch, units)),
        rng.normal(scale=0.5, size=(input_dim, 4 * units)),
        rng.normal(scale=0.5, size=(units, 4 * units)),
        rng.normal(scale=0.5, size=4 * units),
    )


def _same_states(got: Any, expected: tuple[np.ndarray, np.ndarray]) -> str | None:
    """Return None when ``got`` is ``(h, c)`` equal to ``expected`` within 1e-8."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"expected a pair (h_t, c_t), got {type(got).__name__}"
    for name, mine, theirs in zip(("h_t", "c_t"), got, expected):
        try:
            mine = np.asarray(mine, dtype=np.float64)
        except (TypeError, ValueError):
            return f"{name} is not an array of numbers"
        if mine.shape != theirs.shape:
            return f"{name} has shape {mine.shape}, expected {theirs.shape}"
        if not np.allclose(mine, theirs, atol=1e-8, rtol=0):
            return f"{name} differs (max abs error {float(np.nanmax(np.abs(mine - theirs))):.2e})"
    return None


@register("masked_lstm_step")
def masked_lstm_step(function: Callable[..., Any]) -> Verdict:
    """Check ``masked_lstm_step(x_t, keep_t, h_prev, c_prev, kernel, recurrent_kernel, bias)``.

    Hidden single steps first; then the learner's step runs over a left-padded batch, and its
    last states must equal those of each sequence read without its padding.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    rng = np.random.default_rng(5)
    raw_cases = [
        ([True, True, True], 4, 3, "every row is a real step"),
        ([False, False], 4, 3, "every row is padding: the states pass through unchanged"),
        ([True, False, True, False], 2, 5, "mixed rows"),
        ([False, True], 1, 1, "one feature, one unit"),
    ]
    cases = []
    for keep, input_dim, units, label in raw_cases:
        args = _step_case(rng, keep, input_dim, units)
        cases.append(Case(args, masked_lstm_step_reference(*args), label))
    hint = (
        "compute z = x_t @ kernel + h_prev @ recurrent_kernel + bias, split it into i, f, c, o "
        "(np.split(z, 4, axis=-1)), then c_t = sigmoid(f) * c_prev + sigmoid(i) * tanh(c) and "
        "h_t = sigmoid(o) * tanh(c_t); where keep_t is False, return h_prev and c_prev for "
        "that row instead (np.where(keep_t[:, None], new, previous))."
    )
    verdict = run_cases("masked_lstm_step", function, cases, compare=_same_states, hint=hint)
    if not verdict.passed:
        return verdict

    # A left-padded batch of three sequences of lengths 5, 2 and 0 real steps, out of 5.
    lengths, steps, input_dim, units = (5, 2, 0), 5, 3, 4
    *_, kernel, recurrent_kernel, bias = _step_case(rng, [True], input_dim, units)
    windows = rng.normal(size=(len(lengths), steps, input_dim))
    keep = np.array([[t >= steps - n for t in range(steps)] for n in lengths])
    windows[~keep] = 0.0
    h = c = np.zeros((len(lengths), units))
    try:
        for t in range(steps):
            h, c = function(windows[:, t], keep[:, t], h, c, kernel, recurrent_kernel, bias)
    except Exception as error:  # The learner's bug is reported, not raised.
        return Verdict(
            "masked_lstm_step",
            False,
            f"Not yet: running your step over a padded batch raised {type(error).__name__}: "
            f"{error}",
        )
    for row, n in enumerate(lengths):
        alone_h = alone_c = np.zeros((1, units))
        for t in range(steps - n, steps):
            alone_h, alone_c = masked_lstm_step_reference(
                windows[row : row + 1, t], [True], alone_h, alone_c, kernel, recurrent_kernel, bias
            )
        if not np.allclose(np.asarray(h)[row], alone_h[0], atol=1e-8, rtol=0):
            return Verdict(
                "masked_lstm_step",
                False,
                f"Not yet: over a left-padded batch, the sequence with {n} real steps out of "
                f"{steps} ended in another state than when it is read alone. Hint: {hint}",
            )
    return Verdict(
        "masked_lstm_step",
        True,
        f"Well done: check.masked_lstm_step passed all {len(cases)} hidden cases, and over a "
        "left-padded batch your step gave each sequence the state it has when read alone.",
    )


class _Ragged(str):
    """What a learner's ragged result is shown as: NumPy cannot make it a matrix."""


def _as_shown(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a learner's function so that a ragged result is reported, not shown as an array."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        got = function(*args, **kwargs)
        try:
            np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            if isinstance(got, (list, tuple)) and all(hasattr(row, "__len__") for row in got):
                return _Ragged(f"not a matrix: rows of lengths {[len(row) for row in got]}")
            return _Ragged(f"not a matrix of numbers: {type(got).__name__}")
        return got

    return wrapped


def _same_matrix(got: Any, expected: np.ndarray) -> str | None:
    """Return None when ``got`` holds exactly the integers of ``expected``, else a reason."""
    if isinstance(got, _Ragged):
        return f"{got}; every row must have max_len items"
    got_array = np.asarray(got)
    if got_array.shape != expected.shape:
        return f"shape {got_array.shape}, expected shape {expected.shape}"
    if not np.issubdtype(got_array.dtype, np.number) or not np.array_equal(got_array, expected):
        return "values differ"
    return None


@register("pad_left")
def pad_left(function: Callable[..., Any]) -> Verdict:
    """Check ``pad_left(sequences, max_len)``: left padding with 0 and truncation from the left.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    # The sequences are tuples, NumPy arrays or lists of tuples: any sequence of codes must
    # work, and tuples keep the verdict's display of ragged inputs readable.
    raw_cases = [
        ([(1, 2, 3), (4, 5)], 4, "short sequences: zeros go in front"),
        ([(1, 2, 3, 4, 5, 6)], 4, "a long sequence: keep the 4 most recent items"),
        ([(7, 8, 9)], 3, "exactly max_len items: unchanged"),
        ([(), (5,)], 2, "an empty sequence becomes a row of zeros"),
        ([(3, 1, 2), (9,)], 1, "max_len=1: only the last item"),
        ([np.array([11, 12, 13, 14, 15]), (6,)], 3, "a NumPy array and a tuple, mixed"),
    ]
    cases = [
        Case((sequences, max_len), pad_left_reference(sequences, max_len), label)
        for sequences, max_len, label in raw_cases
    ]
    if not callable(function):
        return run_cases("pad_left", function, cases)  # It explains the mistake.
    return run_cases(
        "pad_left",
        _as_shown(function),
        cases,
        compare=_same_matrix,
        hint="for each sequence keep list(sequence)[-max_len:] (the most recent items) and "
        "put it at the END of a row of max_len zeros, so that the latest item is always in "
        "the last column.",
    )
