"""Tests for course_utils/check/resources.py, the checkers of notebook 12 (resources, scale)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from course_utils import check
from course_utils.check import resources
from tools.notebooks import STUB_LINE


def correct_mf_parameters(num_users, num_items, embedding_dim):
    return num_users * embedding_dim + embedding_dim * (num_items + 1) + (num_items + 1)


def no_padding_mf_parameters(num_users, num_items, embedding_dim):
    return num_users * embedding_dim + (embedding_dim + 1) * num_items


def no_bias_mf_parameters(num_users, num_items, embedding_dim):
    return num_users * embedding_dim + embedding_dim * (num_items + 1)


def bytes_mf_parameters(num_users, num_items, embedding_dim):
    # The slip: the float32 size in bytes instead of the count.
    return 4 * correct_mf_parameters(num_users, num_items, embedding_dim)


def correct_quantize_int8(weights):
    scales = np.abs(weights).max(axis=1) / 127
    divisor = np.where(scales == 0, 1.0, scales)
    return np.round(weights / divisor[:, None]).astype(np.int8), scales


def global_scale_quantize_int8(weights):
    scale = np.abs(weights).max() / 127
    return np.round(weights / scale).astype(np.int8), np.full(len(weights), scale)


def float_codes_quantize_int8(weights):
    codes, scales = correct_quantize_int8(weights)
    return codes.astype(np.float32), scales


def unguarded_quantize_int8(weights):
    # The slip: an all-zero row divides 0 by 0, and NaN cast to int8 is a garbage value that
    # depends on the processor (0 on many, which would pass by luck).
    scales = np.abs(weights).max(axis=1) / 127
    return np.round(weights / scales[:, None]).astype(np.int8), scales


def stub(*args, **kwargs):
    exec(STUB_LINE)


def test_checkers_are_registered():
    assert check.CHECKERS["mf_parameters"] is resources.mf_parameters
    assert check.CHECKERS["quantize_int8"] is resources.quantize_int8


def test_mf_parameters_reference_by_hand():
    # 2 users x 1 feature, plus (1 weight + 1 bias) x (3 items + padding) = 2 + 8.
    assert resources.mf_parameters_reference(2, 3, 1) == 10
    # The count notebook 06 prints for the trained model.
    assert resources.mf_parameters_reference(943, 1682, 32) == 85_715


def test_mf_parameters_reference_matches_keras():
    # The formula must count exactly what course_utils.models.mf builds. Keras is imported in a
    # separate interpreter, so that this test module never imports TensorFlow itself.
    code = (
        "from course_utils.models import mf\n"
        "print(mf.build_model(7, 5, embedding_dim=3).count_params())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert int(result.stdout.strip().splitlines()[-1]) == resources.mf_parameters_reference(5, 7, 3)


def test_quantize_int8_reference_by_hand():
    codes, scales = resources.quantize_int8_reference(np.array([[0.4, -1.0, 0.2], [0.0, 0.0, 0.0]]))
    assert codes.dtype == np.int8
    np.testing.assert_array_equal(codes, [[51, -127, 25], [0, 0, 0]])
    np.testing.assert_allclose(scales, [1 / 127, 0.0])


def test_quantize_int8_reference_error_is_at_most_half_a_step():
    weights = np.random.default_rng(0).normal(size=(20, 16)) * np.geomspace(0.01, 10, 20)[:, None]
    codes, scales = resources.quantize_int8_reference(weights)
    error = np.abs(codes * scales[:, None] - weights)
    assert np.all(error <= scales[:, None] / 2 + 1e-12)
    assert np.abs(codes).max() == 127


@pytest.mark.parametrize(
    ("checker", "function"),
    [
        (check.mf_parameters, correct_mf_parameters),
        (check.quantize_int8, correct_quantize_int8),
    ],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize("checker", [check.mf_parameters, check.quantize_int8])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_forgetting_the_padding_code_fails_helpfully():
    verdict = check.mf_parameters(no_padding_mf_parameters)
    assert not verdict.passed
    assert "case 1 (2 users, 3 items, 1 hidden feature)" in verdict.message
    assert "off by -2" in verdict.message
    assert "Hint:" in verdict.message and "padding" in verdict.message


def test_forgetting_the_bias_fails_helpfully():
    verdict = check.mf_parameters(no_bias_mf_parameters)
    assert not verdict.passed
    assert "off by -4" in verdict.message and "biases" in verdict.message


def test_bytes_instead_of_parameters_fails():
    verdict = check.mf_parameters(bytes_mf_parameters)
    assert not verdict.passed
    assert "40 parameters, expected 10" in verdict.message


@pytest.mark.parametrize("bad", [None, "10", 10.5, [10], True])
def test_mf_parameters_wrong_types_fail_without_raising(bad):
    verdict = check.mf_parameters(lambda *args: bad)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet")


def test_a_whole_float_count_is_accepted():
    verdict = check.mf_parameters(lambda *args: float(correct_mf_parameters(*args)))
    assert verdict.passed, verdict.message


def test_one_scale_for_the_whole_matrix_fails_on_the_scales():
    verdict = check.quantize_int8(global_scale_quantize_int8)
    assert not verdict.passed
    assert "case 2 (three rows of different sizes, one all zero)" in verdict.message
    assert "scales differ" in verdict.message and "Hint:" in verdict.message


def test_float_codes_fail_on_the_dtype():
    verdict = check.quantize_int8(float_codes_quantize_int8)
    assert not verdict.passed
    assert "dtype int8" in verdict.message and "float32" in verdict.message


def test_an_unguarded_zero_row_fails_on_the_codes():
    verdict = check.quantize_int8(unguarded_quantize_int8)
    assert not verdict.passed
    assert "case 2 (three rows of different sizes, one all zero) raised FloatingPointError" in (
        verdict.message
    )
    assert "weights / scales[:, None]" in verdict.message  # the learner's own line is shown
    assert "all-zero row" in verdict.message


def test_float_errors_are_raised_only_inside_the_checker():
    check.quantize_int8(correct_quantize_int8)
    assert np.geterr()["divide"] == "warn"


def test_not_a_function_is_explained():
    with pytest.raises(ValueError, match="needs your function itself"):
        check.quantize_int8(np.zeros((2, 2)))


@pytest.mark.parametrize("bad", [None, np.zeros((1, 3), dtype=np.int8), ("codes",)])
def test_quantize_int8_wrong_shapes_fail_without_raising(bad):
    verdict = check.quantize_int8(lambda weights: bad)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet")
