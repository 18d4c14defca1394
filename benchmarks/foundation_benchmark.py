"""Benchmark of the foundation's budgets on this machine.

Run: ``python benchmarks/foundation_benchmark.py`` (or ``make bench``). It measures:

* importing ``course_utils`` (and that it does not import TensorFlow);
* loading MovieLens 100K from the verified cache;
* the leave-last-out split of ML-100K;
* ``evaluate_ranking`` on 943 users x 1,683 columns with each user's history excluded.

Each is the median of several repeats. It prints a table and exits non-zero if importing
``course_utils`` imports TensorFlow.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

REPEATS = 5


def median_seconds(function, repeats: int = REPEATS) -> float:
    """Return the median wall time of ``function()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_seconds() -> tuple[float, bool]:
    """Time ``import course_utils`` in a fresh interpreter; report whether TF came along."""
    code = (
        "import time, sys; s = time.perf_counter(); import course_utils, course_utils.data, "
        "course_utils.splits, course_utils.metrics, course_utils.check; "
        "print(time.perf_counter() - s, 'tensorflow' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    seconds, imported = output.stdout.split()
    return float(seconds), imported == "True"


def main() -> int:
    from course_utils import data, metrics, splits

    rows = []
    seconds, imported_tf = import_seconds()
    rows.append(("import course_utils (fresh interpreter)", seconds))
    movielens = data.load_movielens_100k()
    rows.append(("load ML-100K from the cache", median_seconds(data.load_movielens_100k)))
    split = splits.leave_last_out(movielens.ratings)
    rows.append(
        (
            "leave_last_out on ML-100K",
            median_seconds(lambda: splits.leave_last_out(movielens.ratings)),
        )
    )
    import numpy as np

    scores = np.random.default_rng(0).normal(size=(split.num_users, split.num_items + 1))
    seen = split.seen_items("test")
    targets = split.targets("test")
    rows.append(
        (
            "evaluate_ranking, 943 x 1683, history excluded",
            median_seconds(lambda: metrics.evaluate_ranking(scores, targets, exclude=seen)),
        )
    )
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  median seconds")
    for name, value in rows:
        print(f"{name:<{width}}  {value:.3f}")
    print(f"importing course_utils imports TensorFlow: {imported_tf}")
    return 1 if imported_tf else 0


if __name__ == "__main__":
    sys.exit(main())
