"""Tests for course_utils/check/convolution.py, the checkers of notebook 02.

Each checker must pass a correct function, fail a wrong one with a message that helps, and
fail a stub that raises NotImplementedError with a message that says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
import scipy.special

from course_utils import check
from course_utils.check import convolution


def stub(*args):
    raise NotImplementedError("Exercise: replace this line with your solution.")


# --- conv_output_size -----------------------------------------------------------------------


def output_size_right(n, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return -(-n // stride)
    return (n - kernel_size) // stride + 1


def output_size_same_like_valid(n, kernel_size, stride=1, padding="valid"):
    # A common slip: 'same' treated as padding (k - 1) // 2 on each side, wrong for even k.
    p = (kernel_size - 1) // 2 if padding == "same" else 0
    return (n + 2 * p - kernel_size) // stride + 1


def output_size_true_division(n, kernel_size, stride=1, padding="valid"):
    return (n - kernel_size) / stride + 1 if padding == "valid" else n / stride


def test_conv_output_size_is_registered():
    assert check.conv_output_size is convolution.conv_output_size
    assert check.CHECKERS["conv_output_size"] is convolution.conv_output_size


def test_conv_output_size_passes_a_correct_function():
    verdict = check.conv_output_size(output_size_right)
    assert verdict.passed, verdict.message
    assert "passed all 12 hidden cases" in verdict.message


@pytest.mark.parametrize("wrong", [output_size_same_like_valid, output_size_true_division])
def test_conv_output_size_fails_a_wrong_function_with_a_hint(wrong):
    verdict = check.conv_output_size(wrong)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: case")
    assert "expected:" in verdict.message and "got:" in verdict.message
    assert "ceil(length / stride)" in verdict.message


def test_conv_output_size_names_a_fractional_answer():
    verdict = check.conv_output_size(output_size_true_division)
    assert "expected a whole number of positions, got 13.5" in verdict.message


def test_conv_output_size_accepts_whole_floats():
    verdict = check.conv_output_size(lambda *args: float(output_size_right(*args)))
    assert verdict.passed, verdict.message


def test_conv_output_size_stub_says_not_implemented():
    verdict = check.conv_output_size(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_conv_output_size_cases_agree_with_keras():
    keras = pytest.importorskip("keras")
    for case in convolution.OUTPUT_SIZE_CASES:
        n, kernel_size, stride, padding = case.args
        layer = keras.layers.Conv2D(1, kernel_size, strides=stride, padding=padding)
        assert layer.compute_output_shape((1, n, n, 1))[1] == case.expected, case.label


# --- corr2d -------------------------------------------------------------------------------


def corr2d_right(x, k, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), padding)
    kernel_height, kernel_width = k.shape
    rows = (x.shape[0] - kernel_height) // stride + 1
    columns = (x.shape[1] - kernel_width) // stride + 1
    y = np.zeros((rows, columns))
    for i in range(rows):
        for j in range(columns):
            top, left = i * stride, j * stride
            y[i, j] = np.sum(x[top : top + kernel_height, left : left + kernel_width] * k)
    return y


def corr2d_flipped(x, k, stride=1, padding=0):
    # True convolution: the kernel is rotated by 180 degrees.
    return corr2d_right(x, np.asarray(k)[::-1, ::-1], stride, padding)


def corr2d_ignores_stride(x, k, stride=1, padding=0):
    return corr2d_right(x, k, 1, padding)


def test_corr2d_reference_matches_scipy():
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((7, 9)), rng.standard_normal((3, 2))
    np.testing.assert_allclose(
        convolution.reference_corr2d(x, k), scipy.signal.correlate2d(x, k, mode="valid")
    )
    padded = scipy.signal.correlate2d(np.pad(x, 1), k, mode="valid")[::2, ::2]
    np.testing.assert_allclose(convolution.reference_corr2d(x, k, 2, 1), padded)


def test_corr2d_first_case_is_the_notebooks_hand_example():
    first = convolution._corr2d_cases()[0]
    np.testing.assert_array_equal(first.expected, [[4.0, 1.0], [3.0, -1.0]])


def test_corr2d_passes_a_correct_function():
    verdict = check.corr2d(corr2d_right)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("wrong", [corr2d_flipped, corr2d_ignores_stride])
def test_corr2d_fails_a_wrong_function_with_a_hint(wrong):
    verdict = check.corr2d(wrong)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: case")
    assert "Do not flip the kernel" in verdict.message


def test_corr2d_reports_an_exception_without_raising():
    verdict = check.corr2d(lambda x, k, stride, padding: x[100])
    assert not verdict.passed
    assert "raised IndexError" in verdict.message


def test_corr2d_stub_says_not_implemented():
    verdict = check.corr2d(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


# --- log_softmax ----------------------------------------------------------------------------


def log_softmax_right(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def log_softmax_naive(z):
    e = np.exp(z)
    return np.log(e / e.sum(axis=-1, keepdims=True))


def log_softmax_wrong_axis(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max()
    return shifted - np.log(np.exp(shifted).sum())


def test_log_softmax_reference_matches_scipy():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(
        convolution.reference_log_softmax(z), scipy.special.log_softmax(z, axis=-1)
    )
    assert math.isclose(convolution.reference_log_softmax(np.array([0.0, 0.0]))[0], -math.log(2))


def test_log_softmax_passes_a_correct_function():
    verdict = check.log_softmax(log_softmax_right)
    assert verdict.passed, verdict.message


def test_log_softmax_names_overflow_for_the_naive_formula():
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        verdict = check.log_softmax(log_softmax_naive)
    assert not verdict.passed
    assert "huge logits" in verdict.message
    assert "NaN or infinite" in verdict.message
    assert "subtract each row's max" in verdict.message


def test_log_softmax_fails_the_wrong_axis():
    verdict = check.log_softmax(log_softmax_wrong_axis)
    assert not verdict.passed
    assert "a batch" in verdict.message
    assert "values differ" in verdict.message


def test_log_softmax_stub_says_not_implemented():
    verdict = check.log_softmax(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_importing_the_checkers_does_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, course_utils.check.convolution; "
        "sys.exit(1 if 'tensorflow' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
