"""Tests for course_utils/check/cnn_keras.py, the checkers of notebooks/03_cnn_keras.ipynb."""

from __future__ import annotations

import pytest

from course_utils import check
from course_utils.check import cnn_keras
from course_utils.setup import set_tensorflow_environment
from tools.notebooks import STUB_LINE


def correct_conv_params(kernel_height, kernel_width, in_channels, out_channels, use_bias=True):
    return (kernel_height * kernel_width * in_channels + int(use_bias)) * out_channels


def correct_dense_params(in_features, units, use_bias=True):
    return (in_features + int(use_bias)) * units


def import_keras():
    """Import Keras as the notebooks do: TensorFlow's environment is set first."""
    set_tensorflow_environment()
    return pytest.importorskip("keras")


def stub(*args, **kwargs):
    exec(STUB_LINE)


def test_checkers_are_registered():
    assert check.CHECKERS["conv_params"] is cnn_keras.conv_params
    assert check.CHECKERS["dense_params"] is cnn_keras.dense_params


@pytest.mark.parametrize(
    ("checker", "function"),
    [(check.conv_params, correct_conv_params), (check.dense_params, correct_dense_params)],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


def test_a_float_that_is_a_whole_number_passes():
    verdict = check.dense_params(lambda i, u, use_bias=True: float((i + int(use_bias)) * u))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("checker", [check.conv_params, check.dense_params])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_forgetting_the_bias_fails_helpfully():
    verdict = check.conv_params(lambda h, w, c_in, c_out, use_bias=True: h * w * c_in * c_out)
    assert not verdict.passed
    assert "case 1 (conv1 of the article's CNN)" in verdict.message
    assert "got 288 parameters, expected 320" in verdict.message
    assert "Hint:" in verdict.message and "bias" in verdict.message


def test_ignoring_use_bias_fails_on_the_use_bias_case():
    verdict = check.dense_params(
        lambda in_features, units, use_bias=True: (in_features + 1) * units
    )
    assert not verdict.passed
    assert "(use_bias=False)" in verdict.message
    assert "got 303 parameters, expected 300" in verdict.message


def test_mixing_up_height_and_width_with_channels_fails():
    # Forgets the input channels: right for conv1 (one channel), wrong for conv2.
    verdict = check.conv_params(lambda h, w, c_in, c_out, use_bias=True: (h * w + 1) * c_out)
    assert not verdict.passed
    assert "case 2 (conv2 of the article's CNN)" in verdict.message


@pytest.mark.parametrize("bad", [320.5, "320", True, None])
def test_a_value_that_is_not_a_whole_number_fails(bad):
    verdict = check.conv_params(lambda *args, **kwargs: bad)
    assert not verdict.passed
    assert "expected a whole number of parameters" in verdict.message


def test_a_crash_is_reported_not_raised():
    # Right with a bias, but it has no use_bias argument, so the last case raises.
    verdict = check.dense_params(lambda in_features, units: (in_features + 1) * units)
    assert not verdict.passed
    assert "case 5 (use_bias=False) raised TypeError" in verdict.message


@pytest.mark.parametrize(
    ("kernel", "in_channels", "out_channels", "use_bias"),
    [
        ((3, 3), 1, 32, True),
        ((3, 3), 32, 64, False),
        ((5, 5), 3, 16, True),
        ((1, 1), 64, 32, True),
        ((3, 1), 8, 4, True),
    ],
)
def test_the_conv_formula_matches_keras(kernel, in_channels, out_channels, use_bias):
    keras = import_keras()
    layer = keras.layers.Conv2D(out_channels, kernel, use_bias=use_bias, name="conv")
    layer.build((None, 9, 9, in_channels))
    expected = cnn_keras._conv_params(*kernel, in_channels, out_channels, use_bias)
    assert layer.count_params() == expected


@pytest.mark.parametrize(
    ("in_features", "units", "use_bias"), [(576, 64, True), (64, 10, True), (100, 3, False)]
)
def test_the_dense_formula_matches_keras(in_features, units, use_bias):
    keras = import_keras()
    layer = keras.layers.Dense(units, use_bias=use_bias, name="dense")
    layer.build((None, in_features))
    assert layer.count_params() == cnn_keras._dense_params(in_features, units, use_bias)
