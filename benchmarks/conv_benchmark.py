"""Benchmark: a vectorised NumPy convolution (im2col + matmul) against ``tf.nn.conv2d``.

The subject under test, ``conv2d`` below, mirrors ``conv2d`` in section 4 of
notebooks/02_convolution_from_scratch.ipynb, algorithm for algorithm: sliding windows, the
channel axis moved behind the kernel axes, one matrix product with the reshaped kernel. It is
that function at stride 1 with valid padding, the setting measured here. Notebooks cannot be
imported and no other code needs the function, so it is written here as well; change both
together.

Setting (section 7 of the notebook): a batch of 32 float32 images of 28 x 28 with 8
channels, a 3 x 3 kernel to 16 channels, stride 1, valid padding, plus the bias. Each time
is the median of ``--repeats`` runs after one warm-up run. NumPy's BLAS is held to one
thread, as in the notebook: on a busy shared machine its threads wait on each other and a
small product can take 5 to 15 times longer. The table also shows NumPy with BLAS's default
threads, for information only.

Budget: the single-thread NumPy median is at most ``--budget`` (default 5) times the
TensorFlow median; the script exits with status 1 otherwise.

Usage::

    python benchmarks/conv_benchmark.py [--repeats 50] [--budget 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

from course_utils.setup import set_tensorflow_environment

BATCH_SIZE, IMAGE_SIZE, CHANNELS_IN, CHANNELS_OUT, KERNEL_SIZE = 32, 28, 8, 16, 3


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid, stride-1 convolution (cross-correlation) of an NHWC batch, as Keras computes it.

    Args:
        x: the batch, shape ``(N, H, W, C_in)``.
        kernel: the kernel in Keras's layout, shape ``(P, Q, C_in, C_out)``.
        bias: the bias, shape ``(C_out,)``.

    Returns:
        The feature maps, shape ``(N, H - P + 1, W - Q + 1, C_out)``.
    """
    P, Q, C_in, C_out = kernel.shape
    # windows[n, i, j, p, q, c] = x[n, i + p, j + q, c]
    windows = sliding_window_view(x, (P, Q), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
    N, H_out, W_out = windows.shape[:3]
    columns = windows.reshape(N * H_out * W_out, P * Q * C_in)  # im2col: one row per position
    y = columns @ kernel.reshape(P * Q * C_in, C_out)
    return y.reshape(N, H_out, W_out, C_out) + bias


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Return the median wall time of ``run()`` over ``repeats`` calls, after one warm-up."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed runs per method")
    parser.add_argument("--budget", type=float, default=5.0, help="largest NumPy / TF ratio")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")

    # The same TensorFlow settings as the notebooks (oneDNN off, quiet logs), set before import.
    set_tensorflow_environment()
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, CHANNELS_IN)).astype(np.float32)
    kernel = rng.standard_normal((KERNEL_SIZE, KERNEL_SIZE, CHANNELS_IN, CHANNELS_OUT))
    kernel = (0.1 * kernel).astype(np.float32)
    bias = rng.standard_normal(CHANNELS_OUT).astype(np.float32)
    x_tf, kernel_tf, bias_tf = (tf.constant(a) for a in (x, kernel, bias))

    def run_tf() -> np.ndarray:
        return tf.nn.bias_add(tf.nn.conv2d(x_tf, kernel_tf, 1, "VALID"), bias_tf).numpy()

    error = float(np.max(np.abs(conv2d(x, kernel, bias) - run_tf())))
    if not error < 1e-4:
        print(f"conv2d differs from tf.nn.conv2d: max abs error {error:.2e}", file=sys.stderr)
        return 1

    with threadpool_limits(limits=1, user_api="blas"):
        numpy_one_thread = median_seconds(lambda: conv2d(x, kernel, bias), args.repeats)
    numpy_default = median_seconds(lambda: conv2d(x, kernel, bias), args.repeats)
    tf_seconds = median_seconds(run_tf, args.repeats)
    ratio = numpy_one_thread / tf_seconds

    print(
        f"conv2d {BATCH_SIZE}x{IMAGE_SIZE}x{IMAGE_SIZE}x{CHANNELS_IN} -> {CHANNELS_OUT} "
        f"channels, {KERNEL_SIZE}x{KERNEL_SIZE}, float32; median of {args.repeats} runs"
    )
    print(f"{'method':45s} {'ms':>8s} {'x tf':>7s}")
    rows = [
        ("NumPy im2col + matmul, 1 BLAS thread", numpy_one_thread),
        ("NumPy im2col + matmul, default BLAS threads", numpy_default),
        ("tf.nn.conv2d + bias_add", tf_seconds),
    ]
    for name, seconds in rows:
        print(f"{name:45s} {1e3 * seconds:8.2f} {seconds / tf_seconds:7.2f}")
    verdict = "within" if ratio <= args.budget else "OVER"
    print(f"NumPy (1 thread) / TensorFlow = {ratio:.2f}, {verdict} the budget of {args.budget:g}")
    return 0 if ratio <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
