"""Exercise checkers for notebooks/00_start_here.ipynb."""

from __future__ import annotations

from collections.abc import Callable

from course_utils.check.core import Case, Verdict, register, run_cases


@register("sparsity")
def sparsity(function: Callable[[int, int, int], float]) -> Verdict:
    """Check a learner's ``sparsity(num_ratings, num_users, num_items)``.

    Sparsity is the share of the user-item matrix that holds no rating.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    cases = [
        Case((6, 3, 4), 0.5, "6 ratings in a 3 x 4 matrix"),
        Case((12, 3, 4), 0.0, "a full matrix"),
        Case((0, 5, 5), 1.0, "an empty matrix"),
        Case((100_000, 943, 1682), 1 - 100_000 / (943 * 1682), "MovieLens 100K"),
    ]
    return run_cases(
        "sparsity",
        function,
        cases,
        atol=1e-9,
        hint="sparsity = 1 - number of ratings / (number of users x number of items).",
    )
