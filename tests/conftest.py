"""Shared test setup.

TensorFlow reads its environment variables once, at import, and several tests import it.
Setting them here, before any test module is collected, keeps every test (and every kernel
nbval starts, which inherits this process's environment) on the same footing as a notebook
after its setup cell.

It also holds the synthetic log and its split, which several module tests train on. The
grouping of tests for two workers is in the repository's root ``conftest.py``, because it
also covers the notebooks.
"""

import pytest

from course_utils import splits, synthetic
from course_utils.setup import set_tensorflow_environment

set_tensorflow_environment()


@pytest.fixture(scope="module")
def log():
    """The default synthetic log (planted tastes, triples and series); a module may override it."""
    return synthetic.make_synthetic_log()


@pytest.fixture(scope="module")
def split(log):
    """The leave-last-out split of the module's ``log``."""
    return splits.leave_last_out(log.ratings)
