"""Exercise checkers for notebooks/01_recommender_systems_and_data.ipynb.

``check.ndcg_at_k`` and ``check.hit_rate`` check the ranking metrics for one held-out item
per user; ``check.knowledge_based`` checks a knowledge-based (基于知识的推荐) filter written
with pandas; ``check.markov_next_items`` checks a first-order Markov chain (马尔可夫链) that
recommends what most often came next. The hidden cases are small tables built here, so no
data is loaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from course_utils.check.core import Case, Verdict, register, run_cases


@register("ndcg_at_k")
def ndcg_at_k(function: Callable[[int, int], float]) -> Verdict:
    """Check a learner's ``ndcg_at_k(rank, k)`` for a single held-out item.

    With one relevant item the ideal DCG is 1, so NDCG@k is ``1 / log2(rank + 1)`` when
    ``rank <= k`` and 0 otherwise.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    cases = [
        Case((1, 10), 1.0, "rank 1: the best possible list"),
        Case((3, 10), 0.5, "rank 3: 1 / log2(4)"),
        Case((2, 10), 1 / math.log2(3), "rank 2"),
        Case((10, 10), 1 / math.log2(11), "rank 10 with k = 10: still inside the list"),
        Case((11, 10), 0.0, "rank 11 with k = 10: outside the list"),
        Case((2, 1), 0.0, "rank 2 with k = 1"),
        Case((1, 1), 1.0, "rank 1 with k = 1"),
        Case((1682, 10), 0.0, "the last of 1,682 movies"),
    ]
    return run_cases(
        "ndcg_at_k",
        function,
        cases,
        atol=1e-9,
        hint=(
            "NDCG@k = 1 / log2(rank + 1) if rank <= k, else 0. Use base-2 logarithms "
            "(math.log2 or np.log2), rank + 1 (not rank), and keep rank == k inside the list."
        ),
    )


@register("hit_rate")
def hit_rate(function: Callable[[Any, int], float]) -> Verdict:
    """Check a learner's ``hit_rate(ranks, k)``: the share of users whose rank is <= k.

    Args:
        function: the learner's function; ``ranks`` is a 1-D NumPy array of 1-based ranks.

    Returns:
        The verdict.
    """
    cases = [
        Case((np.array([1, 5, 11, 20]), 10), 0.5, "two of four users inside the top 10"),
        Case((np.array([10]), 10), 1.0, "rank 10 with k = 10 is a hit"),
        Case((np.array([11]), 10), 0.0, "rank 11 with k = 10 is a miss"),
        Case((np.array([1, 2, 3]), 1), 1 / 3, "k = 1: only rank 1 counts"),
        Case((np.array([7, 3, 9, 1, 10, 2]), 10), 1.0, "everyone inside the top 10"),
        Case((np.array([1, 2, 3, 100]), 3), 0.75, "k = 3"),
    ]
    return run_cases(
        "hit_rate",
        function,
        cases,
        atol=1e-9,
        hint=(
            "a user has a hit when their rank is at most k (rank <= k, so rank k counts); "
            "HR@k is the mean of the hits over users, e.g. np.mean(ranks <= k)."
        ),
    )


def _knowledge_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return small ratings and items tables with one item per edge case."""
    items = pd.DataFrame(
        {
            "item_id": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            "title": [
                "Comedy, exactly 3 ratings",
                "Comedy, mean exactly 4.0, from 1999",
                "Comedy from 2000",
                "Drama only",
                "Comedy and Romance from 1990",
                "Comedy with 2 ratings",
                "Action comedy that user 1 has seen",
                "Comedy of unknown year",
                "Comedy from 1989",
                "Comedy with a mean of 3.67",
                "Drama from the 70s",
            ],
            "year": pd.array(
                [1995, 1999, 2000, 1995, 1990, 1995, 1995, None, 1989, 1996, 1975], dtype="Int64"
            ),
            "genres": [
                ["Comedy"],
                ["Comedy"],
                ["Comedy"],
                ["Drama"],
                ["Comedy", "Romance"],
                ["Comedy"],
                ["Action", "Comedy"],
                ["Comedy"],
                ["Comedy"],
                ["Comedy"],
                ["Crime", "Drama"],
            ],
        }
    )
    given = {
        1: [5, 4, 5],
        2: [3, 4, 5],
        3: [5, 5, 5, 5],
        4: [5, 5, 5, 5],
        5: [4, 4, 5],
        6: [5, 5],
        7: [5, 5, 4, 5],
        8: [5, 5, 5],
        9: [5, 5, 5],
        10: [4, 4, 3],
        11: [5, 4, 4, 3],
    }
    rows = []
    timestamp = 880_000_000
    for item_id, values in given.items():
        for position, rating in enumerate(values):
            # User 1, the user we recommend to, has rated item 7; user 2 has rated items 1,
            # 2 and 5. Every other rating comes from users 10, 11, 12, ...
            user_id = 10 + position
            if position == 0 and item_id == 7:
                user_id = 1
            elif position == 0 and item_id in (1, 2, 5):
                user_id = 2
            rows.append((user_id, item_id, rating, timestamp))
            timestamp += 60
    ratings = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    return ratings, items


def _compare_ids(got: Any, expected: list[int]) -> str | None:
    """Compare a learner's collection of item ids with the expected ids (order ignored)."""
    if isinstance(got, pd.DataFrame):
        return (
            "it returned a DataFrame; return the item ids themselves, "
            "e.g. result['item_id'].tolist()"
        )
    try:
        ids = sorted(int(value) for value in got)
    except (TypeError, ValueError):
        return f"expected a list of item ids, got {type(got).__name__}"
    if len(ids) != len(set(ids)):
        return "some item ids appear more than once"
    missing = sorted(set(expected) - set(ids))
    extra = sorted(set(ids) - set(expected))
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append(f"missing item ids {missing}")
    if extra:
        parts.append(f"unexpected item ids {extra}")
    return "; ".join(parts) + " (see the titles of the hidden items in the hint)"


@register("knowledge_based")
def knowledge_based(function: Callable[..., Any]) -> Verdict:
    """Check a learner's knowledge-based filter.

    The function is called as ``function(ratings, items, user_id, genre, years,
    min_mean_rating, min_ratings)`` and must return the ids of the items that have
    ``genre`` among their genres, a year in ``years`` (a ``(first, last)`` pair, both
    included), a mean rating of at least ``min_mean_rating`` from at least ``min_ratings``
    ratings, and that ``user_id`` has not rated. Order does not matter.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    # Each case gets its own copy of the tables, so that a function that edits them in
    # place cannot change the next case.
    cases = [
        Case(
            (*_knowledge_tables(), 1, "Comedy", (1990, 1999), 4.0, 3),
            [1, 2, 5],
            "comedies from 1990-1999, mean >= 4.0 from >= 3 ratings, for user 1",
        ),
        Case(
            (*_knowledge_tables(), 2, "Comedy", (1990, 1999), 4.0, 3),
            [7],
            "the same query for user 2, who has seen items 1, 2 and 5",
        ),
        Case(
            (*_knowledge_tables(), 1, "Comedy", (1990, 1999), 4.0, 2),
            [1, 2, 5, 6],
            "the same query with at least 2 ratings",
        ),
        Case(
            (*_knowledge_tables(), 1, "Drama", (1970, 1979), 4.0, 4),
            [11],
            "dramas from the 70s with at least 4 ratings",
        ),
        Case(
            (*_knowledge_tables(), 1, "Western", (1900, 2000), 1.0, 1),
            [],
            "a genre that no item has: an empty list",
        ),
    ]
    items = _knowledge_tables()[1]
    titles = "; ".join(f"{i}: {t}" for i, t in zip(items["item_id"], items["title"], strict=True))
    return run_cases(
        "knowledge_based",
        function,
        cases,
        compare=_compare_ids,
        hint=(
            "compute each item's mean rating and number of ratings from `ratings` "
            "(groupby('item_id')['rating'].agg(['mean', 'size'])); keep the items whose "
            "genres list contains the genre (`genre in genres`), whose year lies in "
            "years[0]..years[1] (both included; an unknown year never matches), whose mean "
            "is >= min_mean_rating and count >= min_ratings, and that the user has not "
            f"rated. The hidden items are: {titles}."
        ),
    )


def _markov_reference(histories: list[list[int]], last_item: int, k: int) -> list[int]:
    """The expected answer of :func:`markov_next_items`, written plainly."""
    follows: dict[int, int] = {}
    popularity: dict[int, int] = {}
    for history in histories:
        for item in history:
            popularity[item] = popularity.get(item, 0) + 1
        for earlier, later in zip(history[:-1], history[1:]):
            if earlier == last_item:
                follows[later] = follows.get(later, 0) + 1
    ranked = sorted(popularity, key=lambda item: (-follows.get(item, 0), -popularity[item], item))
    return ranked[:k]


def _compare_codes(got: Any, expected: list[int]) -> str | None:
    """Compare a learner's ranked list of item codes with the expected one, order included."""
    try:
        codes = [int(value) for value in got]
    except (TypeError, ValueError):
        return f"expected a list of item codes, got {type(got).__name__}"
    if codes == expected:
        return None
    if sorted(codes) == sorted(expected):
        return "the right items in the wrong order"
    return "other items than expected"


@register("markov_next_items")
def markov_next_items(function: Callable[..., Any]) -> Verdict:
    """Check a learner's first-order Markov chain recommender.

    The function is called as ``function(histories, last_item, k)`` with training histories
    (lists of item codes, oldest first) and must return the ``k`` item codes that appear in
    the histories, ranked by how often they came directly after ``last_item``, then by how
    often they appear at all (popularity, the back-off), then by the lower code.

    Args:
        function: the learner's function.

    Returns:
        The verdict.
    """
    histories = [[1, 2, 3, 4], [2, 3, 5], [1, 3, 2], [4, 2, 3, 1], [5, 1, 2]]
    cases = [
        Case((histories, 2, 3), _markov_reference(histories, 2, 3), "3 followed 2 three times"),
        Case((histories, 1, 2), _markov_reference(histories, 1, 2), "2 followed 1 twice, 3 once"),
        Case(
            (histories, 4, 5),
            _markov_reference(histories, 4, 5),
            "only 2 followed 4: popularity fills the rest",
        ),
        Case(
            (histories, 9, 3),
            _markov_reference(histories, 9, 3),
            "an item never seen: popularity alone, ties to the lower code",
        ),
        Case(([[7, 8], [7, 9], [7, 8]], 7, 1), [8], "k = 1"),
        Case(
            ([[3, 1], [3, 2]], 3, 2),
            [1, 2],
            "a tie in the counts goes to popularity, then the lower code",
        ),
        Case(([[1, 2]], 1, 5), [2, 1], "fewer items than k: all of them"),
    ]
    return run_cases(
        "markov_next_items",
        function,
        cases,
        compare=_compare_codes,
        hint=(
            "count, for every history, the pairs (earlier, later) of neighbours "
            "(zip(history[:-1], history[1:])) whose earlier item is last_item, and count how "
            "often each item appears at all; sort the items that appear by (-follows, "
            "-popularity, code) and keep the first k."
        ),
    )
