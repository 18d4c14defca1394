"""The checking machinery: one-line comparisons with Keras, and friendly exercise checkers.

Two kinds of check live here.

* ``assert_close(ours, reference, against=...)`` compares a from-scratch result with the
  framework's, raises if they differ, and prints one line whose words do not depend on
  float noise, for example ``ours matches keras.layers.Conv2D within 1e-05 (max abs error)``.
* Exercise checkers, such as ``check.corr2d(your_function)``, run a learner's function on
  hidden cases and return a :class:`Verdict` that shows the input, what was expected and
  what came back, instead of a traceback.

Taught in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CHECKERS",
    "Case",
    "Verdict",
    "assert_close",
    "max_abs_error",
    "register",
    "run_cases",
]


def max_abs_error(ours: Any, reference: Any) -> float:
    """Return the largest absolute difference between two arrays of the same shape.

    Args:
        ours: the from-scratch result.
        reference: the framework's result.

    Returns:
        The maximum absolute elementwise difference, as a Python float.

    Raises:
        ValueError: if the shapes differ.
    """
    ours_array = np.asarray(ours, dtype=np.float64)
    reference_array = np.asarray(reference, dtype=np.float64)
    if ours_array.shape != reference_array.shape:
        raise ValueError(
            f"shapes differ: ours {ours_array.shape}, reference {reference_array.shape}; "
            "compare arrays of the same shape."
        )
    if ours_array.size == 0:
        return 0.0
    return float(np.max(np.abs(ours_array - reference_array)))


def assert_close(
    ours: Any,
    reference: Any,
    *,
    against: str,
    atol: float = 1e-5,
    what: str = "ours",
) -> None:
    """Assert that a from-scratch result matches the framework's, and print one line.

    The printed line names the tolerance, never the measured error, so that it reads the
    same on every processor. It returns nothing, so that a call on a cell's last line shows
    no float noise either; use :func:`max_abs_error` in a cell that ignores its output to
    show the error itself.

    Args:
        ours: the from-scratch result.
        reference: the framework's result, with the same shape.
        against: what the reference is, for example ``"keras.layers.Conv2D"``.
        atol: the largest absolute error allowed.
        what: what ``ours`` is, for the printed line.

    Raises:
        ValueError: if the shapes differ or ``atol`` is not positive.
        AssertionError: if the error is larger than ``atol`` or a value is NaN.
    """
    if not atol > 0:
        raise ValueError(f"atol must be positive, got {atol!r}.")
    error = max_abs_error(ours, reference)
    if not np.isfinite(error) or error > atol:
        raise AssertionError(
            f"{what} differs from {against}: max abs error {error:.3e} exceeds {atol:.0e}."
        )
    print(f"{what} matches {against} within {atol:.0e} (max abs error)")


@dataclass(frozen=True)
class Case:
    """One hidden test case for an exercise checker.

    Attributes:
        args: the positional arguments passed to the learner's function.
        expected: the expected return value.
        label: a short description shown in the verdict.
        kwargs: keyword arguments passed to the learner's function.
    """

    args: tuple
    expected: Any
    label: str = ""
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The result of an exercise checker; it displays itself as a friendly message.

    Attributes:
        exercise: the exercise's name.
        passed: whether every case passed.
        message: the text shown to the learner.
    """

    exercise: str
    passed: bool
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.passed


def _show(value: Any, limit: int = 400) -> str:
    """Format a value for a verdict, short and with four decimals."""
    text = repr(value)
    if isinstance(value, np.ndarray) or (
        isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, float))
    ):
        try:
            array = np.asarray(value)
        except ValueError:
            # A ragged list has no array form; its repr is shown as it is.
            array = None
        if array is not None and array.dtype != object:
            text = np.array2string(array, precision=4, suppress_small=True, threshold=40)
            text = f"array of shape {array.shape}:\n{text}"
    return text if len(text) <= limit else text[:limit] + " ..."


def _default_compare(got: Any, expected: Any, atol: float) -> str | None:
    """Return None when ``got`` matches ``expected``, else a short reason."""
    if isinstance(expected, (np.ndarray, list, tuple)) or np.isscalar(expected):
        try:
            got_array = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return f"expected a number or an array, got {type(got).__name__}"
        expected_array = np.asarray(expected, dtype=np.float64)
        if got_array.shape != expected_array.shape:
            return f"shape {got_array.shape}, expected shape {expected_array.shape}"
        if np.isfinite(expected_array).all() and not np.isfinite(got_array).all():
            return "got NaN or infinity where finite numbers were expected (an overflow?)"
        if not np.allclose(got_array, expected_array, atol=atol, rtol=0, equal_nan=False):
            error = float(np.nanmax(np.abs(got_array - expected_array)))
            return f"values differ (max abs error {error:.2e}, allowed {atol:.0e})"
        return None
    return None if got == expected else "values differ"


def run_cases(
    exercise: str,
    function: Callable,
    cases: Sequence[Case],
    *,
    atol: float = 1e-6,
    compare: Callable[[Any, Any], str | None] | None = None,
    hint: str = "",
) -> Verdict:
    """Run a learner's function on hidden cases and describe the first failure kindly.

    Args:
        exercise: the exercise's name, shown in the verdict.
        function: the learner's function.
        cases: the hidden cases.
        atol: the absolute tolerance for numeric comparisons.
        compare: a function ``(got, expected) -> reason or None``; numeric by default.
        hint: a sentence added to a failing verdict.

    Returns:
        A :class:`Verdict`; it never raises for a mistake in the learner's code.

    Raises:
        ValueError: if ``function`` is not callable or there are no cases.
    """
    if not callable(function):
        raise ValueError(
            f"check.{exercise} needs your function itself, got {type(function).__name__}; "
            "pass the function's name without calling it."
        )
    if not cases:
        raise ValueError(f"check.{exercise} has no cases to run.")
    compare = compare or (lambda got, expected: _default_compare(got, expected, atol))
    for number, case in enumerate(cases, start=1):
        label = f" ({case.label})" if case.label else ""
        shown_input = ", ".join(_show(a, 200) for a in case.args)
        try:
            got = function(*case.args, **case.kwargs)
        except NotImplementedError:
            return Verdict(
                exercise,
                False,
                f"Not yet: check.{exercise} found the exercise not implemented yet. "
                "Replace the `raise NotImplementedError(...)` line with your solution, "
                "then run the cell again.",
            )
        except Exception as error:  # The learner's bug is reported, not raised.
            where = traceback.extract_tb(error.__traceback__)[-1]
            return Verdict(
                exercise,
                False,
                f"Not yet: case {number}{label} raised {type(error).__name__}: {error}\n"
                f"  at line {where.lineno}: {where.line}\n"
                f"  input: {shown_input}\n" + (f"Hint: {hint}" if hint else ""),
            )
        reason = compare(got, case.expected)
        if reason is not None:
            return Verdict(
                exercise,
                False,
                f"Not yet: case {number}{label}: {reason}.\n"
                f"  input: {shown_input}\n"
                f"  expected: {_show(case.expected)}\n"
                f"  got: {_show(got)}\n" + (f"Hint: {hint}" if hint else ""),
            )
    return Verdict(
        exercise, True, f"Well done: check.{exercise} passed all {len(cases)} hidden cases."
    )


# The exercise checkers of every notebook register here, so that tests can list them.
CHECKERS: dict[str, Callable[..., Verdict]] = {}


def register(name: str) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """Register an exercise checker under ``name`` (a decorator).

    Args:
        name: the checker's name, as called from a notebook: ``check.<name>``.

    Returns:
        The decorator.

    Raises:
        ValueError: if the name is already taken.
    """

    def decorator(checker: Callable[..., Verdict]) -> Callable[..., Verdict]:
        if name in CHECKERS:
            raise ValueError(f"an exercise checker named {name!r} already exists.")
        CHECKERS[name] = checker
        return checker

    return decorator
