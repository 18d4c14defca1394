"""How the suite runs on two workers (pytest-xdist, ``-n 2``; see the Makefile).

The tests are sent to the workers in groups, and a group runs on one worker, in order:

* each test file is one group, so that a module's fixtures (a trained model, a built site) are
  made once;
* each notebook is one group, so that its cells run in order in one kernel;
* notebooks 06 to 12 are one group together, because they share the model store: 06 to 09
  train and save the models that 10 to 12 load.

The chain of notebooks is the longest group, so it is collected first and starts first. The
other worker starts with ``tests/test_course_models.py``, which trains the GRU that notebook 10
would otherwise train on the chain's worker, then runs the rest. Without ``-n``, only that
order changes.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import PurePosixPath
from typing import Any

import pytest

# The learner's own model store (used where the course's store cannot be written) is kept out
# of the tester's cache folder, for the tests and the kernels nbval starts, so that no model a
# learner stored there is ever loaded in place of the course's.
os.environ.setdefault("COURSE_MODEL_STORE", tempfile.mkdtemp(prefix="course-model-store-"))

MODEL_CHAIN = re.compile(r"^(0[6-9]|1\d)_.*\.ipynb$")
CHAIN_GROUP = "notebooks 06 to 12 (the model store)"
EARLY_GROUP = "tests/test_course_models.py"


def group_of(nodeid: str) -> str:
    """The group of a test: its file, or the chain of notebooks that share the model store."""
    path = nodeid.split("::", 1)[0]
    return CHAIN_GROUP if MODEL_CHAIN.match(PurePosixPath(path).name) else path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the chain of notebooks first, then the GRU's training (a stable sort)."""
    order = {CHAIN_GROUP: 0, EARLY_GROUP: 1}
    items[:] = sorted(items, key=lambda item: order.get(group_of(item.nodeid), 2))


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest-xdist is in the dev extra; without it the suite runs in one process
    pass
else:

    class CourseScheduling(LoadScopeScheduling):
        """xdist's scope scheduling, with :func:`group_of` as the scope."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    # optionalhook: `-p no:xdist` still loads this file.
    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> CourseScheduling:
        """Schedule the groups in the order of collection (pytest-xdist's hook)."""
        # xdist would otherwise start the groups with the most tests first, which puts the
        # GRU's training (one test) last instead of first.
        config.option.loadscopereorder = False
        return CourseScheduling(config, log)
