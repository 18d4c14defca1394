"""Tests for course_utils/check/cnn_keras.py, the checkers of notebooks/03_cnn_keras.ipynb."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import cnn_keras
from course_utils.setup import set_tensorflow_environment
from tools.notebooks import STUB_LINE


def stable_cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_probabilities[np.arange(len(labels)), labels].mean()


def naive_cross_entropy(logits, labels):
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.log(probabilities[np.arange(len(labels)), labels]).mean()


def kernel_gradient_by_loops(images, targets, kernel):
    P, Q = kernel.shape
    error = cnn_keras.correlate_valid(images, kernel) - targets
    gradient = np.zeros_like(kernel, dtype=float)
    for p in range(P):
        for q in range(Q):
            patch = images[:, p : p + error.shape[1], q : q + error.shape[2]]
            gradient[p, q] = 2 * (error * patch).sum() / error.size
    return gradient


def import_tensorflow():
    """Import TensorFlow as the notebooks do: its environment is set first."""
    set_tensorflow_environment()
    return pytest.importorskip("tensorflow")


def stub(*args, **kwargs):
    exec(STUB_LINE)


def test_checkers_are_registered():
    assert check.CHECKERS["cross_entropy_from_logits"] is cnn_keras.cross_entropy_from_logits
    assert check.CHECKERS["learn_sobel_x"] is cnn_keras.learn_sobel_x


@pytest.mark.parametrize(
    ("checker", "function"),
    [
        (check.cross_entropy_from_logits, stable_cross_entropy),
        (check.learn_sobel_x, kernel_gradient_by_loops),
    ],
)
def test_a_correct_function_passes(checker, function):
    verdict = checker(function)
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("Well done")


@pytest.mark.parametrize("checker", [check.cross_entropy_from_logits, check.learn_sobel_x])
def test_a_stub_fails_with_not_implemented(checker):
    verdict = checker(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


def test_the_naive_softmax_fails_on_large_scores():
    with np.errstate(all="ignore"):
        verdict = check.cross_entropy_from_logits(naive_cross_entropy)
    assert not verdict.passed
    assert "case 5 (large scores: exp(1000) overflows float64)" in verdict.message
    assert "NaN or infinity" in verdict.message
    assert "Hint:" in verdict.message and "maximum" in verdict.message


def test_summing_instead_of_averaging_fails_on_the_batch():
    verdict = check.cross_entropy_from_logits(lambda z, y: stable_cross_entropy(z, y) * len(y))
    assert not verdict.passed
    assert "case 3 (equal scores: log 2 for each row)" in verdict.message


def test_the_sobel_verdict_shows_the_learned_kernel():
    verdict = check.learn_sobel_x(cnn_keras.kernel_gradient_reference)
    assert "[[-1.  0.  1.]\n [-2.  0.  2.]\n [-1.  0.  1.]]" in verdict.message


def test_a_gradient_without_the_factor_two_fails_on_the_first_case():
    verdict = check.learn_sobel_x(lambda x, t, k: kernel_gradient_by_loops(x, t, k) / 2)
    assert not verdict.passed
    assert "case 1 (one 4x4 image)" in verdict.message and "Hint:" in verdict.message


def test_a_gradient_that_crashes_in_descent_is_reported(monkeypatch):
    calls = []

    def fails_later(images, targets, kernel):
        calls.append(1)
        if len(calls) > 4:
            raise RuntimeError("boom")
        return cnn_keras.kernel_gradient_reference(images, targets, kernel)

    verdict = check.learn_sobel_x(fails_later)
    assert not verdict.passed
    assert "gradient descent raised RuntimeError: boom" in verdict.message


@pytest.mark.parametrize("seed", [0, 1])
def test_the_cross_entropy_reference_matches_keras(seed):
    tf = import_tensorflow()
    import keras

    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3, size=(16, 10)).astype("float32")
    labels = rng.integers(0, 10, 16)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    expected = float(loss(tf.constant(labels), tf.constant(logits)))
    assert abs(cnn_keras.cross_entropy_reference(logits, labels) - expected) < 1e-5


def test_the_gradient_reference_matches_gradient_tape():
    tf = import_tensorflow()
    rng = np.random.default_rng(0)
    images = rng.normal(size=(4, 8, 7))
    kernel = rng.normal(size=(3, 3))
    targets = cnn_keras.correlate_valid(images, cnn_keras.SOBEL_X)
    variable = tf.Variable(kernel)
    with tf.GradientTape() as tape:
        outputs = tf.nn.conv2d(
            images[..., None], tf.reshape(variable, (3, 3, 1, 1)), strides=1, padding="VALID"
        )
        loss = tf.reduce_mean((outputs[..., 0] - targets) ** 2)
    expected = tape.gradient(loss, variable).numpy()
    np.testing.assert_allclose(
        cnn_keras.kernel_gradient_reference(images, targets, kernel), expected, atol=1e-10
    )
