"""Checks for the notebooks: ``check.assert_close`` and the exercise checkers.

Use it as ``from course_utils import check``, then ``check.assert_close(...)`` after a
from-scratch piece, or ``check.corr2d(your_function)`` in an exercise. Each notebook's
checkers live in a module of their own in this package and register themselves with
``@register("name")``; every module here is imported below, so a new checker needs no
change to this file. Checker modules import TensorFlow only inside their functions.
"""

import importlib
import pkgutil

from course_utils.check.core import (
    CHECKERS,
    Case,
    Verdict,
    assert_close,
    max_abs_error,
    register,
    run_cases,
)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "core":
        importlib.import_module(f"{__name__}.{_module.name}")

globals().update(CHECKERS)

__all__ = [
    "CHECKERS",
    "Case",
    "Verdict",
    "assert_close",
    "max_abs_error",
    "register",
    "run_cases",
    *sorted(CHECKERS),
]
