"""Shared test setup.

TensorFlow reads its environment variables once, at import, and several tests import it.
Setting them here, before any test module is collected, keeps every test (and every kernel
nbval starts, which inherits this process's environment) on the same footing as a notebook
after its setup cell.

It also holds the synthetic log and its split, which several module tests train on, and
the grouping that lets ``pytest -n 2`` (pytest-xdist, ``--dist loadgroup``) run the suite on
two workers without changing what any test sees.
"""

import re
from pathlib import Path

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


# Notebooks 06 to 11 share the model store: 06 to 08 train and save the models that 09 to 11
# load. They run in one group, in order, on one worker; so do the cells of each notebook.
MODEL_CHAIN = re.compile(r"^(0[6-9]|1\d)_")
CHAIN_GROUP = "notebooks 06 and later (the model store)"


def _group(item: pytest.Item) -> str:
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb" and MODEL_CHAIN.match(path.name):
        return CHAIN_GROUP
    # One file, one group: a module's fixtures (a trained model, a built site) are made once.
    return str(path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its xdist group, and put the longest group, the chain, first."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
    chain = [item for item in items if _group(item) == CHAIN_GROUP]
    rest = [item for item in items if _group(item) != CHAIN_GROUP]
    items[:] = chain + rest
