"""Tests for course_utils.check.core: the check line and the exercise machinery."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check.core import Case, run_cases


def test_assert_close_prints_a_line_free_of_float_noise(capsys) -> None:
    result = check.assert_close(np.ones(3), np.ones(3) + 3e-7, against="keras.layers.Dense")
    assert result is None, "nothing to display, so no float noise on a cell's last line"
    assert 0 < check.max_abs_error(np.ones(3), np.ones(3) + 3e-7) < 1e-6
    assert (
        capsys.readouterr().out == "ours matches keras.layers.Dense within 1e-05 (max abs error)\n"
    )


def test_assert_close_raises_when_far_or_nan() -> None:
    with pytest.raises(AssertionError, match="exceeds 1e-05"):
        check.assert_close(np.zeros(2), np.ones(2), against="x")
    with pytest.raises(AssertionError):
        check.assert_close(np.array([np.nan]), np.array([0.0]), against="x")
    with pytest.raises(ValueError, match="shapes differ"):
        check.assert_close(np.zeros(2), np.zeros(3), against="x")
    with pytest.raises(ValueError, match="atol must be positive"):
        check.assert_close(np.zeros(2), np.zeros(2), against="x", atol=0)


CASES = [Case((2,), 4, "two"), Case((3,), 9, "three")]


def test_run_cases_verdicts() -> None:
    assert run_cases("square", lambda x: x * x, CASES).passed
    wrong = run_cases("square", lambda x: x + x, CASES, hint="multiply")
    assert not wrong.passed and "case 2 (three)" in wrong.message and "expected: 9" in wrong.message
    assert "got: 6" in wrong.message and "Hint: multiply" in wrong.message

    def broken(x):
        return x / 0

    crashed = run_cases("square", broken, CASES)
    assert not crashed.passed and "ZeroDivisionError" in crashed.message

    def stub(x):
        raise NotImplementedError

    assert "not implemented" in run_cases("square", stub, CASES).message
    shape = run_cases("square", lambda x: np.zeros(2), CASES)
    assert "shape (2,), expected shape ()" in shape.message
    with pytest.raises(ValueError, match="pass the function"):
        run_cases("square", 4, CASES)


def test_registered_checkers_are_exposed() -> None:
    assert check.CHECKERS, "no exercise checker registered"
    for name, checker in check.CHECKERS.items():
        assert getattr(check, name) is checker
    with pytest.raises(ValueError, match="already exists"):
        check.register("sparsity")(lambda f: f)


def test_sparsity_checker() -> None:
    assert check.sparsity(lambda r, u, i: 1 - r / (u * i)).passed
    assert not check.sparsity(lambda r, u, i: r / (u * i)).passed


def test_ragged_values_are_shown_not_crashed() -> None:
    verdict = run_cases(
        "ragged",
        lambda x: [[1, 2], [3]],
        [Case((1,), [[1, 2], [3, 4]])],
        compare=lambda got, expected: None if got == expected else "values differ",
    )
    assert not verdict.passed and "[[1, 2], [3]]" in verdict.message
