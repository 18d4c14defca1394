"""Exercise checkers for notebooks/12_challenges_resources_scale_quality_faq.ipynb.

* ``check.mf_parameters``: the exact parameter count of the course's matrix-factorisation
  recommender (a user table and a dense layer that scores every item code), the number that
  decides its memory, its file size and how it grows with the data.
* ``check.quantize_int8``: symmetric 8-bit quantisation of a weight matrix with one scale per
  row, the next step after the float16 weights of the notebook: a quarter of the float32
  size.

The references below are the formulas taught in the notebook; the hidden cases are small
and hand-checkable, plus the sizes of MovieLens 100K, 1M and 20M. Nothing here imports
TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases

#: The largest int8 code used: symmetric quantisation keeps -127..127, so that 0 is exact and
#: the two signs get the same resolution (-128 is left unused).
INT8_LIMIT = 127


def mf_parameters_reference(num_users: int, num_items: int, embedding_dim: int) -> int:
    """The parameters of ``course_utils.models.mf.build_model``: ``U d + (d + 1)(I + 1)``.

    The user table holds ``num_users x embedding_dim`` numbers; the dense layer that scores
    the ``num_items + 1`` item codes (code 0 is padding) holds a ``d``-vector and a bias per
    code.
    """
    return num_users * embedding_dim + (embedding_dim + 1) * (num_items + 1)


def quantize_int8_reference(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantise each row of ``weights`` to int8 codes with its own scale.

    The scale of a row is ``max |w| / 127``, its codes are ``round(w / scale)`` in -127..127
    (an all-zero row gets scale 0 and codes 0), and ``codes * scale[:, None]`` approximates
    the row within ``scale / 2``.
    """
    matrix = np.asarray(weights, dtype=np.float64)
    largest = np.max(np.abs(matrix), axis=1)
    scales = largest / INT8_LIMIT
    safe = np.where(scales > 0, scales, 1.0)
    codes = np.clip(np.round(matrix / safe[:, None]), -INT8_LIMIT, INT8_LIMIT)
    return codes.astype(np.int8), scales


def _mf_cases() -> list[Case]:
    cases = []
    for label, users, items, dim in [
        ("2 users, 3 items, 1 hidden feature", 2, 3, 1),
        ("1 user, 1 item, 4 hidden features", 1, 1, 4),
        ("MovieLens 100K: 943 users, 1,682 movies, d = 32", 943, 1682, 32),
        ("MovieLens 1M: 6,040 users, 3,706 movies, d = 64", 6040, 3706, 64),
        ("MovieLens 20M: 138,493 users, 27,278 movies, d = 128", 138_493, 27_278, 128),
    ]:
        cases.append(Case((users, items, dim), mf_parameters_reference(users, items, dim), label))
    return cases


def _compare_count(got: Any, expected: int) -> str | None:
    """Return None when ``got`` is the integer ``expected``, else a short reason."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (Integral, float, np.floating)):
        return f"expected an int, got {type(got).__name__}"
    if isinstance(got, (float, np.floating)) and not float(got).is_integer():
        return f"a parameter count is a whole number, got {got!r}"
    if int(got) != expected:
        difference = int(got) - expected
        return f"{int(got):,} parameters, expected {expected:,} (off by {difference:+,})"
    return None


@register("mf_parameters")
def mf_parameters(function: Callable[..., Any]) -> Verdict:
    """Check ``mf_parameters(num_users, num_items, embedding_dim)``.

    It returns the exact number of trainable parameters of the course's matrix
    factorisation: a ``num_users x embedding_dim`` user table, then a dense layer from the
    user vector to the ``num_items + 1`` item codes, with a kernel and a bias.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "mf_parameters",
        function,
        _mf_cases(),
        compare=_compare_count,
        hint="count each layer: the user table has num_users rows of embedding_dim numbers; "
        "the dense layer has one column of embedding_dim weights per item code plus one bias "
        "per code, and there are num_items + 1 codes, because code 0 is the padding code. "
        "If you are off by embedding_dim + 1, you forgot the padding code; off by "
        "num_items + 1, the biases.",
    )


def _quantize_cases() -> list[Case]:
    # Row 0's largest magnitude is 1, so its scale is 1/127; row 1's is 100; row 2 is all
    # zero. No value lands on a half code, where rounding conventions differ.
    hand = np.array([[1.0, -0.6, 0.3, 0.0], [100.0, 40.0, -25.0, 10.0], [0.0, 0.0, 0.0, 0.0]])
    rng = np.random.default_rng(11)
    # Item vectors of very different lengths, as in a trained model: popular items have
    # longer vectors. One shared scale would crush the short rows to a few codes.
    lengths = np.array([0.01, 0.1, 1.0, 10.0, 0.5, 3.0])[:, None]
    uneven = rng.normal(size=(6, 8)) * lengths
    cases = []
    for label, weights in [
        ("one row, 1.0 is its largest magnitude", np.array([[0.4, -1.0, 0.2]])),
        ("three rows of different sizes, one all zero", hand),
        ("6 item vectors of very different lengths, 8 features", uneven),
        ("a row whose largest magnitude is negative", np.array([[-2.0, 1.2, 0.5, -0.1]])),
    ]:
        cases.append(Case((weights,), quantize_int8_reference(weights), label))
    return cases


def _compare_quantized(got: Any, expected: tuple[np.ndarray, np.ndarray]) -> str | None:
    """Return None when ``got`` is ``(int8 codes, scales)`` matching ``expected``."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "expected a pair (codes, scales)"
    codes, scales = np.asarray(got[0]), got[1]
    expected_codes, expected_scales = expected
    if codes.dtype != np.int8:
        return f"codes must have dtype int8 (one byte each), got {codes.dtype}"
    if codes.shape != expected_codes.shape:
        return f"codes have shape {codes.shape}, expected {expected_codes.shape}"
    try:
        scales = np.asarray(scales, dtype=np.float64)
    except (TypeError, ValueError):
        return f"scales must be numbers, got {type(got[1]).__name__}"
    if scales.shape != expected_scales.shape:
        return (
            f"scales have shape {scales.shape}, expected {expected_scales.shape} "
            "(one scale per row)"
        )
    if not np.allclose(scales, expected_scales, rtol=1e-6, atol=1e-12):
        return "scales differ: each row's scale is its largest absolute value divided by 127"
    wrong = np.abs(codes.astype(np.int64) - expected_codes.astype(np.int64))
    if np.any(wrong > 0):
        row, column = np.argwhere(wrong > 0)[0]
        return (
            f"codes differ, first at row {row}, column {column}: got {int(codes[row, column])}, "
            f"expected {int(expected_codes[row, column])}"
        )
    return None


def _with_float_errors_raised(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``function`` so that a division by zero or a NaN raises instead of warning."""
    if not callable(function):
        return function  # run_cases explains that it needs the function itself.

    def strict(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            return function(*args, **kwargs)

    return strict


@register("quantize_int8")
def quantize_int8(function: Callable[..., Any]) -> Verdict:
    """Check ``quantize_int8(weights) -> (codes, scales)``.

    Each row of ``weights`` (an item's vector) gets its own scale, ``max |row| / 127``; its
    codes are ``round(row / scale)`` as int8, between -127 and 127; an all-zero row gets
    scale 0 and codes 0. ``codes * scales[:, None]`` is the dequantised matrix.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    return run_cases(
        "quantize_int8",
        _with_float_errors_raised(function),
        _quantize_cases(),
        compare=_compare_quantized,
        hint="per row: scales = np.abs(weights).max(axis=1) / 127; divide each row by its "
        "own scale (scales[:, None]), round with np.round, and cast with .astype(np.int8). "
        "Guard the all-zero row (its scale is 0): divide by 1 there instead, so its codes "
        "stay 0. One scale for the whole matrix would crush the short rows to a few codes.",
    )
