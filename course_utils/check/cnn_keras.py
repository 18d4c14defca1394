"""Exercise checkers for notebooks/03_cnn_keras.ipynb: counting a layer's parameters.

The expected values are the formulas taught in the notebook; ``tests/test_check_cnn_keras.py``
checks them against Keras's own ``count_params()``. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real

from course_utils.check.core import Case, Verdict, register, run_cases


def _exact_integer(got: object, expected: int) -> str | None:
    """Return None when ``got`` is the whole number ``expected``, else a short reason."""
    is_whole = isinstance(got, Integral) or (isinstance(got, Real) and float(got).is_integer())
    if isinstance(got, bool) or not is_whole:
        return f"expected a whole number of parameters, got {got!r} ({type(got).__name__})"
    if int(got) != expected:
        return f"got {int(got):,} parameters, expected {expected:,}"
    return None


def _conv_params(
    kernel_height: int,
    kernel_width: int,
    in_channels: int,
    out_channels: int,
    use_bias: bool = True,
) -> int:
    """The reference count of a Conv2D layer's parameters (the notebook's formula)."""
    return (kernel_height * kernel_width * in_channels + int(use_bias)) * out_channels


def _dense_params(in_features: int, units: int, use_bias: bool = True) -> int:
    """The reference count of a Dense layer's parameters (the notebook's formula)."""
    return (in_features + int(use_bias)) * units


@register("conv_params")
def conv_params(function: Callable[..., int]) -> Verdict:
    """Check ``conv_params(kernel_height, kernel_width, in_channels, out_channels, use_bias=True)``.

    A Conv2D layer has one kernel of ``kernel_height x kernel_width x in_channels`` weights per
    output channel, plus one bias per output channel when ``use_bias`` is true.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    cases = [
        Case((3, 3, 1, 32), _conv_params(3, 3, 1, 32), "conv1 of the article's CNN"),
        Case((3, 3, 32, 64), _conv_params(3, 3, 32, 64), "conv2 of the article's CNN"),
        Case((3, 3, 64, 64), _conv_params(3, 3, 64, 64), "conv3 of the article's CNN"),
        Case((5, 5, 3, 16), _conv_params(5, 5, 3, 16), "a 5x5 kernel on an RGB image"),
        Case((1, 1, 64, 32), _conv_params(1, 1, 64, 32), "a 1x1 convolution"),
        Case((3, 1, 8, 4), _conv_params(3, 1, 8, 4), "a tall 3x1 kernel: height and width differ"),
        Case(
            (3, 3, 32, 64),
            _conv_params(3, 3, 32, 64, use_bias=False),
            "use_bias=False",
            {"use_bias": False},
        ),
    ]
    return run_cases(
        "conv_params",
        function,
        cases,
        compare=_exact_integer,
        hint="each of the out_channels filters holds kernel_height * kernel_width * in_channels "
        "weights, plus one bias if use_bias is true.",
    )


@register("dense_params")
def dense_params(function: Callable[..., int]) -> Verdict:
    """Check ``dense_params(in_features, units, use_bias=True)``.

    A Dense layer has one weight per (input, unit) pair, plus one bias per unit when
    ``use_bias`` is true.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    cases = [
        Case((576, 64), _dense_params(576, 64), "the hidden Dense layer of the article's CNN"),
        Case((64, 10), _dense_params(64, 10), "the softmax output layer"),
        Case((784, 128), _dense_params(784, 128), "a flattened 28x28 image into 128 units"),
        Case((1, 1), _dense_params(1, 1), "one input, one unit"),
        Case(
            (100, 3), _dense_params(100, 3, use_bias=False), "use_bias=False", {"use_bias": False}
        ),
    ]
    return run_cases(
        "dense_params",
        function,
        cases,
        compare=_exact_integer,
        hint="a Dense layer multiplies by an (in_features x units) matrix, then adds one "
        "bias per unit if use_bias is true.",
    )
