"""Exercise checkers for notebooks/03_cnn_keras.ipynb: cross-entropy, and a kernel learned by
gradient descent.

The expected values come from small NumPy references in this module, so checking an exercise
never imports TensorFlow. ``tests/test_check_cnn_keras.py`` compares the references with
``keras.losses.SparseCategoricalCrossentropy`` and with ``tf.GradientTape``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_utils.check.core import Case, Verdict, register, run_cases

#: The Sobel kernel for horizontal change (edges that run up and down), as in notebook 02.
SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
DESCENT_STEPS, DESCENT_LEARNING_RATE, DESCENT_TOLERANCE = 100, 0.1, 1e-3


def cross_entropy_reference(logits: Any, labels: Any) -> float:
    """Mean softmax cross-entropy of integer ``labels`` under ``logits``, computed stably.

    Args:
        logits: raw scores, shape ``(N, C)``.
        labels: the right class of each row, ``N`` integers in ``[0, C)``.

    Returns:
        ``mean(logsumexp(z) - z[y])``, which is ``mean(-log softmax(z)[y])``.
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    top = z.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return float(np.mean(log_sum - z[np.arange(len(y)), y]))


def correlate_valid(images: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of each image of a batch ``(N, H, W)`` with one kernel."""
    windows = sliding_window_view(images, kernel.shape, axis=(1, 2))
    return np.einsum("nijpq,pq->nij", windows, kernel)


def kernel_gradient_reference(images: Any, targets: Any, kernel: Any) -> np.ndarray:
    """Gradient, with respect to ``kernel``, of the mean squared error of a cross-correlation.

    Args:
        images: a batch of images, shape ``(N, H, W)``.
        targets: the wanted outputs, shape ``(N, H - P + 1, W - Q + 1)``.
        kernel: the current kernel, shape ``(P, Q)``.

    Returns:
        ``dL/dk`` of ``L = mean((correlate(images, k) - targets) ** 2)``, shape ``(P, Q)``:
        ``2 / M * sum over n, i, j of error[n, i, j] * images[n, i + p, j + q]``.
    """
    x = np.asarray(images, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    error = correlate_valid(x, k) - np.asarray(targets, dtype=np.float64)
    windows = sliding_window_view(x, k.shape, axis=(1, 2))
    return 2 * np.einsum("nij,nijpq->pq", error, windows) / error.size


@register("cross_entropy_from_logits")
def cross_entropy_from_logits(function: Callable[..., float]) -> Verdict:
    """Check ``cross_entropy_from_logits(logits, labels)``: the mean of ``-log softmax(logits)[label]``.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    raw_cases = [
        ([[2.0, 1.0, 0.1]], [0], "one row, the right class has the largest score"),
        ([[2.0, 1.0, 0.1]], [2], "one row, the right class has the smallest score"),
        ([[0.0, 0.0], [0.0, 0.0]], [0, 1], "equal scores: log 2 for each row"),
        ([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.5, 9.0]], [3, 3, 3], "a batch"),
        ([[1000.0, 0.0, -1000.0]], [0], "large scores: exp(1000) overflows float64"),
        ([[1000.0, 0.0, -1000.0]], [1], "large scores, wrong class: the loss is about 1000"),
        ([[-800.0, -801.0]], [1], "very negative scores: exp underflows to 0"),
    ]
    cases = [
        Case((np.array(logits), np.array(labels)), cross_entropy_reference(logits, labels), label)
        for logits, labels, label in raw_cases
    ]
    return run_cases(
        "cross_entropy_from_logits",
        function,
        cases,
        atol=1e-6,
        hint="for each row compute log(sum(exp(z))) - z[label], the same as -log(softmax(z)"
        "[label]); subtract the row's maximum from z before exp, and add it back after the "
        "log, so that large scores neither overflow nor underflow. Return the mean over rows.",
    )


def _gradient_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    cases = []
    for shape, kernel_shape, label in [
        ((1, 4, 4), (3, 3), "one 4x4 image"),
        ((5, 7, 6), (3, 3), "a batch of five 7x6 images"),
        ((2, 5, 5), (2, 3), "a 2x3 kernel: height and width differ"),
        ((3, 6, 6), (1, 1), "a 1x1 kernel"),
    ]:
        images = rng.normal(size=shape)
        kernel = rng.normal(size=kernel_shape)
        out = (shape[0], shape[1] - kernel_shape[0] + 1, shape[2] - kernel_shape[1] + 1)
        targets = rng.normal(size=out)
        cases.append(
            Case(
                (images, targets, kernel), kernel_gradient_reference(images, targets, kernel), label
            )
        )
    return cases


@register("learn_sobel_x")
def learn_sobel_x(function: Callable[..., Any]) -> Verdict:
    """Check ``kernel_gradient(images, targets, kernel)``, then learn Sobel-x with it.

    The gradient is compared with the reference on hidden cases. If it passes, gradient
    descent with the learner's gradient starts from a zero kernel and must recover
    :data:`SOBEL_X` from random images and their Sobel-x edge maps.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    verdict = run_cases(
        "learn_sobel_x",
        function,
        _gradient_cases(),
        atol=1e-8,
        hint="the error is e = correlate(images, kernel) - targets; dL/dk[p, q] is "
        "2 / e.size times the sum of e[n, i, j] * images[n, i + p, j + q]: the "
        "cross-correlation of the images with the error.",
    )
    if not verdict.passed:
        return verdict
    rng = np.random.default_rng(7)
    images = rng.normal(size=(8, 10, 10))
    targets = correlate_valid(images, SOBEL_X)
    kernel = np.zeros((3, 3))
    try:
        for _ in range(DESCENT_STEPS):
            kernel = kernel - DESCENT_LEARNING_RATE * np.asarray(
                function(images, targets, kernel), dtype=np.float64
            )
    except Exception as error:  # The learner's bug is reported, not raised.
        return Verdict(
            "learn_sobel_x",
            False,
            f"Not yet: gradient descent raised {type(error).__name__}: {error}",
        )
    error = float(np.abs(kernel - SOBEL_X).max())
    # Rounded, and + 0.0 turns -0.0 into 0.0: the printout is the same on every processor.
    shown = np.array2string(np.round(kernel, 3) + 0.0, precision=3)
    if not error < DESCENT_TOLERANCE:
        return Verdict(
            "learn_sobel_x",
            False,
            f"Not yet: after {DESCENT_STEPS} steps the kernel is\n{shown}\nand Sobel-x is "
            f"{SOBEL_X.tolist()} (max abs error {error:.1e}).",
        )
    return Verdict(
        "learn_sobel_x",
        True,
        f"Well done: check.learn_sobel_x passed all {len(_gradient_cases())} hidden cases, and "
        f"{DESCENT_STEPS} steps of gradient descent (learning rate {DESCENT_LEARNING_RATE}) from "
        f"a zero kernel, with your gradient, learned Sobel-x within {DESCENT_TOLERANCE:.0e}:\n"
        f"{shown}",
    )
