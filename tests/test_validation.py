"""Tests for course_utils.validation: the input checks the modules share."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.validation import check_fraction, check_int, check_positive, complete_config


def test_check_int_accepts_integers_at_or_above_the_minimum() -> None:
    assert check_int(3, "k", 1) == 3
    assert check_int(np.int64(0), "seed", 0) == 0
    assert type(check_int(np.int32(5), "k", 1)) is int


@pytest.mark.parametrize("value", [0, -1, 2.0, "3", True, None])
def test_check_int_names_the_argument_and_the_bound(value) -> None:
    with pytest.raises(ValueError, match=r"k must be an int >= 1, got"):
        check_int(value, "k", 1)


def test_check_fraction_and_check_positive() -> None:
    assert check_fraction(0, "dropout") == 0.0 and check_fraction(0.7, "dropout") == 0.7
    for bad in (1, -0.1, True, "0.5", float("nan")):
        with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
            check_fraction(bad, "dropout")
    assert check_positive(0.003, "learning_rate") == 0.003
    for bad in (0, -1, float("inf"), float("nan"), True, "0.1"):
        with pytest.raises(ValueError, match="learning_rate must be a positive number"):
            check_positive(bad, "learning_rate")


def test_complete_config_fills_defaults_and_names_unknown_keys() -> None:
    defaults = {"units": 64, "seed": 42}
    assert complete_config({"units": 8}, defaults) == {"units": 8, "seed": 42}
    assert complete_config({}, defaults) == defaults
    assert complete_config({}, defaults) is not defaults
    with pytest.raises(ValueError, match=r"unknown config keys \['unit'\]; the keys are"):
        complete_config({"unit": 8}, defaults)
    with pytest.raises(ValueError, match="config must be a dict, got list"):
        complete_config([("units", 8)], defaults)
