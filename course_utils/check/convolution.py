"""Exercise checkers for notebooks/02_convolution_from_scratch.ipynb.

* ``check.conv_output_size(f)``: ``f(length, kernel_size, stride, padding)`` gives the output
  length of a convolution along one axis, with Keras's ``"valid"`` and ``"same"`` padding.
* ``check.corr2d(f)``: ``f(x, k, stride, padding)`` is a single-channel 2-D cross-correlation
  (the article's "convolution" formula) with a stride and zero padding on every side.
* ``check.log_softmax(f)``: ``f(z)`` is a numerically stable log-softmax over the last axis.

The expected answers are computed here with plain NumPy; no checker imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_utils.check.core import Case, Verdict, register, run_cases

__all__ = ["conv_output_size", "corr2d", "log_softmax"]


# (length, kernel_size, stride, padding) -> output length, as Keras's Conv2D computes it.
OUTPUT_SIZE_CASES: tuple[Case, ...] = (
    Case((28, 3, 1, "valid"), 26, "28 pixels, 3-wide kernel, stride 1, valid"),
    Case((28, 3, 1, "same"), 28, "'same' keeps the size at stride 1"),
    Case((28, 3, 2, "valid"), 13, "stride 2, valid"),
    Case((28, 3, 2, "same"), 14, "stride 2, same"),
    Case((7, 2, 2, "valid"), 3, "an even kernel on an odd length, valid: the last pixel drops"),
    Case((7, 2, 2, "same"), 4, "an even kernel on an odd length, same"),
    Case((5, 5, 1, "valid"), 1, "the kernel exactly as large as the input"),
    Case((10, 4, 3, "valid"), 3, "stride 3, valid"),
    Case((10, 4, 3, "same"), 4, "stride 3, same"),
    Case((1, 3, 1, "same"), 1, "one pixel, same"),
    Case((64, 7, 2, "valid"), 29, "a 7-wide kernel, stride 2, valid"),
    Case((64, 7, 2, "same"), 32, "a 7-wide kernel, stride 2, same"),
)


def reference_corr2d(x: Any, k: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Single-channel cross-correlation with a stride and zero padding, the plain way.

    Args:
        x: the input, shape ``(height, width)``.
        k: the kernel, shape ``(kernel_height, kernel_width)``.
        stride: the step between two windows, along both axes.
        padding: the number of zeros added on every side before sliding.

    Returns:
        The feature map, as float64, shape
        ``((height + 2 padding - kernel_height) // stride + 1, ...)``.
    """
    x = np.pad(np.asarray(x, dtype=np.float64), padding)
    k = np.asarray(k, dtype=np.float64)
    kernel_height, kernel_width = k.shape
    out_height = (x.shape[0] - kernel_height) // stride + 1
    out_width = (x.shape[1] - kernel_width) // stride + 1
    y = np.zeros((out_height, out_width))
    for i in range(out_height):
        for j in range(out_width):
            top, left = i * stride, j * stride
            y[i, j] = np.sum(x[top : top + kernel_height, left : left + kernel_width] * k)
    return y


def _corr2d_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(2)
    x_hand = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [0.0, 2.0, 4.0]])
    k_hand = np.array([[1.0, 2.0], [0.0, -1.0]])
    x_wide = rng.integers(-3, 4, size=(4, 6)).astype(np.float64)
    k_wide = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    x_square = rng.integers(0, 5, size=(6, 6)).astype(np.float64)
    k_sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    x_random = rng.standard_normal((9, 8))
    k_random = rng.standard_normal((3, 2))
    settings = [
        (x_hand, k_hand, 1, 0, "the 3 x 3 example worked by hand in the notebook"),
        (x_wide, k_wide, 1, 0, "a 4 x 6 input and a 2 x 3 kernel (not square)"),
        (x_hand, k_hand, 1, 1, "padding 1: one ring of zeros around the input"),
        (x_square, k_sobel, 2, 0, "stride 2"),
        (x_square, k_sobel, 2, 1, "stride 2 and padding 1"),
        (x_random, k_random, 3, 2, "stride 3 and padding 2 on random numbers"),
        (x_random, np.array([[2.0]]), 1, 0, "a 1 x 1 kernel scales the input"),
    ]
    return tuple(
        Case((x, k, stride, padding), reference_corr2d(x, k, stride, padding), label)
        for x, k, stride, padding, label in settings
    )


def reference_log_softmax(z: Any) -> np.ndarray:
    """The log-softmax over the last axis, computed stably in float64.

    Args:
        z: logits, of any shape with at least one axis.

    Returns:
        ``z - max(z) - log(sum(exp(z - max(z))))`` along the last axis.
    """
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _log_softmax_cases() -> tuple[Case, ...]:
    settings = [
        (np.array([0.0, 0.0]), "two equal logits: both log(0.5)"),
        (np.array([1.0, 2.0, 3.0]), "three small logits"),
        (np.array([1000.0, 1001.0, 1002.0]), "huge logits: exp(1000) overflows"),
        (np.array([-1000.0, 0.0]), "a tiny probability: log(softmax) would give log(0)"),
        (
            np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0], [-5.0, 0.0, 5.0]]),
            "a batch: one row per example, softmax along the last axis",
        ),
        (np.array([[7.0]]), "a single class has probability 1, so log-probability 0"),
    ]
    return tuple(Case((z,), reference_log_softmax(z), label) for z, label in settings)


def _compare_whole_number(got: Any, expected: int) -> str | None:
    """Accept an int (or a float with no fractional part) equal to ``expected``."""
    is_number = isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, bool)
    if not is_number or not float(got).is_integer():
        return f"expected a whole number of positions, got {got!r}"
    return None if int(got) == expected else f"{int(got)} positions, expected {expected}"


def _compare_finite(got: Any, expected: np.ndarray, atol: float) -> str | None:
    """Like the default comparison, but name NaN and infinity before measuring errors."""
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected an array, got {type(got).__name__}"
    if got_array.shape != expected.shape:
        return f"shape {got_array.shape}, expected shape {expected.shape}"
    if not np.all(np.isfinite(got_array)):
        return (
            "the result holds NaN or infinite values (did np.exp overflow, "
            "or did np.log receive a 0?)"
        )
    error = float(np.max(np.abs(got_array - expected))) if expected.size else 0.0
    if error > atol:
        return f"values differ (max abs error {error:.2e}, allowed {atol:.0e})"
    return None


@register("conv_output_size")
def conv_output_size(function: Callable[[int, int, int, str], int]) -> Verdict:
    """Check a learner's ``conv_output_size(length, kernel_size, stride, padding)``.

    Args:
        function: the learner's function; ``padding`` is ``"valid"`` or ``"same"``.

    Returns:
        The verdict.
    """
    return run_cases(
        "conv_output_size",
        function,
        OUTPUT_SIZE_CASES,
        compare=_compare_whole_number,
        hint=(
            "valid: floor((length - kernel_size) / stride) + 1; same: ceil(length / stride), "
            "whatever the kernel size. Use integer division (//) so the answer is a whole number."
        ),
    )


@register("corr2d")
def corr2d(function: Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]) -> Verdict:
    """Check a learner's ``corr2d(x, k, stride, padding)`` on single-channel inputs.

    Args:
        function: the learner's function; it pads ``padding`` zeros on every side, then
            slides ``k`` over ``x`` in steps of ``stride`` without flipping it.

    Returns:
        The verdict.
    """
    return run_cases(
        "corr2d",
        function,
        _corr2d_cases(),
        atol=1e-9,
        hint=(
            "pad first (np.pad(x, padding)), then y[i, j] = sum over p, q of "
            "x_padded[i * stride + p, j * stride + q] * k[p, q], with "
            "(n + 2 * padding - kernel_size) // stride + 1 positions along each axis. "
            "Do not flip the kernel: the article's formula is a cross-correlation."
        ),
    )


@register("log_softmax")
def log_softmax(function: Callable[[np.ndarray], np.ndarray]) -> Verdict:
    """Check a learner's stable ``log_softmax(z)`` over the last axis.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    atol = 1e-6
    return run_cases(
        "log_softmax",
        function,
        _log_softmax_cases(),
        compare=lambda got, expected: _compare_finite(got, expected, atol),
        hint=(
            "subtract each row's max m first: log_softmax(z) = (z - m) - "
            "log(sum(exp(z - m))), with axis=-1 and keepdims=True."
        ),
    )
