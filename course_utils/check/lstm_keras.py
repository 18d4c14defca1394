"""Exercise checkers for notebooks/05_lstm_keras.ipynb: an LSTM's parameters, left padding.

The expected values come from small references in this module, so checking an exercise never
imports TensorFlow. ``tests/test_check_lstm_keras.py`` compares the references with Keras:
``keras.layers.LSTM(...).count_params()`` and ``keras.utils.pad_sequences``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases


def lstm_params_reference(units: int, input_dim: int, use_bias: bool = True) -> int:
    """Count the parameters of ``keras.layers.LSTM(units)`` reading ``input_dim`` features.

    Taught in notebooks/05_lstm_keras.ipynb.

    Args:
        units: the size of the hidden state.
        input_dim: the number of features per time step.
        use_bias: whether the layer has biases.

    Returns:
        ``4 * (units * (units + input_dim) + units)`` with biases: four blocks (the gates
        i, f, o and the candidate c), each with an ``input_dim x units`` kernel, a
        ``units x units`` recurrent kernel and ``units`` biases.
    """
    return 4 * (units * (units + input_dim) + units * int(use_bias))


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


def _whole_number(got: Any, expected: int) -> str | None:
    """Return None when ``got`` is the whole number ``expected``, else a short reason."""
    is_whole = isinstance(got, Integral) or (isinstance(got, Real) and float(got).is_integer())
    if isinstance(got, bool) or not is_whole:
        return f"expected a whole number of parameters, got {got!r} ({type(got).__name__})"
    if int(got) != expected:
        return f"got {int(got):,} parameters, expected {expected:,}"
    return None


@register("lstm_params")
def lstm_params(function: Callable[..., int]) -> Verdict:
    """Check ``lstm_params(units, input_dim, use_bias=True)``: an LSTM layer's parameter count.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    cases = [
        Case((64, 20), lstm_params_reference(64, 20), "the notebook's LSTM(64) on 20 features"),
        Case((1, 1), lstm_params_reference(1, 1), "one unit, one feature"),
        Case((8, 3), lstm_params_reference(8, 3), "units larger than input_dim"),
        Case((16, 300), lstm_params_reference(16, 300), "a 300-dimensional input"),
        Case((32, 32), lstm_params_reference(32, 32), "units == input_dim"),
        Case(
            (10, 4),
            lstm_params_reference(10, 4, use_bias=False),
            "use_bias=False",
            {"use_bias": False},
        ),
    ]
    return run_cases(
        "lstm_params",
        function,
        cases,
        compare=_whole_number,
        hint="an LSTM has four blocks (gates i, f, o and the candidate c); each holds an "
        "input_dim x units kernel, a units x units recurrent kernel and, if use_bias, units "
        "biases. The number of time steps does not appear.",
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
