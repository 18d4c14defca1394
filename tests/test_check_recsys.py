"""Tests for course_utils/check/recsys.py, the checkers of notebook 01.

Each checker must pass a correct function, fail a wrong one with a message that helps, and
fail a stub that raises NotImplementedError with a message that says so.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from course_utils import check
from course_utils.check import recsys


def stub(*args):
    raise NotImplementedError("Exercise: replace this line with your solution.")


@pytest.mark.parametrize("name", ["ndcg_at_k", "hit_rate", "knowledge_based", "markov_next_items"])
def test_checkers_are_registered(name):
    assert getattr(check, name) is getattr(recsys, name)
    assert check.CHECKERS[name] is getattr(recsys, name)


@pytest.mark.parametrize("name", ["ndcg_at_k", "hit_rate", "knowledge_based", "markov_next_items"])
def test_a_stub_fails_with_not_implemented(name):
    verdict = getattr(check, name)(stub)
    assert not verdict.passed
    assert "not implemented" in verdict.message


# --- ndcg_at_k ------------------------------------------------------------------------------


def ndcg_right(rank, k):
    return 1 / math.log2(rank + 1) if rank <= k else 0.0


def ndcg_natural_log(rank, k):
    return 1 / math.log(rank + 1) if rank <= k else 0.0


def ndcg_strict_cutoff(rank, k):
    return 1 / math.log2(rank + 1) if rank < k else 0.0


def ndcg_log_of_rank(rank, k):
    return 1 / math.log2(rank) if rank <= k else 0.0


def test_ndcg_passes_a_correct_function():
    verdict = check.ndcg_at_k(ndcg_right)
    assert verdict.passed, verdict.message
    assert "passed all 8 hidden cases" in verdict.message


def test_ndcg_passes_a_numpy_function():
    verdict = check.ndcg_at_k(lambda rank, k: np.where(rank <= k, 1 / np.log2(rank + 1), 0.0))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("wrong", [ndcg_natural_log, ndcg_strict_cutoff, ndcg_log_of_rank])
def test_ndcg_fails_a_wrong_function_with_a_hint(wrong):
    verdict = check.ndcg_at_k(wrong)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: case")
    assert "log2(rank + 1)" in verdict.message


def test_ndcg_reports_the_case_of_a_crash():
    verdict = check.ndcg_at_k(ndcg_log_of_rank)
    assert "ZeroDivisionError" in verdict.message and "input: 1, 10" in verdict.message


# --- hit_rate -------------------------------------------------------------------------------


def test_hit_rate_passes_a_correct_function():
    verdict = check.hit_rate(lambda ranks, k: float(np.mean(np.asarray(ranks) <= k)))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "wrong",
    [
        lambda ranks, k: float(np.mean(ranks < k)),
        lambda ranks, k: float(np.sum(ranks <= k)),
        lambda ranks, k: float(np.mean(ranks[:k] <= k)),
    ],
    ids=["strict", "count-not-share", "first-k-users"],
)
def test_hit_rate_fails_a_wrong_function_with_a_hint(wrong):
    verdict = check.hit_rate(wrong)
    assert not verdict.passed
    assert "expected:" in verdict.message and "got:" in verdict.message
    assert "rank <= k" in verdict.message


# --- knowledge_based ------------------------------------------------------------------------


def knowledge_right(ratings, items, user_id, genre, years, min_mean_rating, min_ratings):
    stats = ratings.groupby("item_id")["rating"].agg(["mean", "size"])
    catalogue = items.join(stats, on="item_id")
    seen = ratings.loc[ratings["user_id"] == user_id, "item_id"]
    keep = (
        catalogue["genres"].apply(lambda genres: genre in genres)
        & catalogue["year"].between(*years).fillna(False).astype(bool)
        & (catalogue["mean"] >= min_mean_rating)
        & (catalogue["size"] >= min_ratings)
        & ~catalogue["item_id"].isin(seen)
    )
    return catalogue.loc[keep, "item_id"].tolist()


def knowledge_with_query(ratings, items, user_id, genre, years, min_mean_rating, min_ratings):
    # Another correct style: pandas.query, returning a NumPy array in another order.
    stats = ratings.groupby("item_id")["rating"].agg(mean="mean", count="size").reset_index()
    catalogue = items.merge(stats, on="item_id")
    catalogue = catalogue[catalogue["genres"].map(lambda genres: genre in genres)]
    catalogue = catalogue.dropna(subset=["year"])
    seen = set(ratings.loc[ratings["user_id"] == user_id, "item_id"])
    found = catalogue.query(
        "@years[0] <= year <= @years[1] and mean >= @min_mean_rating and count >= @min_ratings"
    )
    return found.loc[~found["item_id"].isin(seen), "item_id"].to_numpy()[::-1]


def knowledge_strict_mean(ratings, items, user_id, genre, years, min_mean_rating, min_ratings):
    ids = knowledge_right(ratings, items, user_id, genre, years, min_mean_rating, min_ratings)
    means = ratings.groupby("item_id")["rating"].mean()
    return [i for i in ids if means[i] > min_mean_rating]


def knowledge_keeps_seen(ratings, items, user_id, genre, years, min_mean_rating, min_ratings):
    return knowledge_right(ratings, items, -1, genre, years, min_mean_rating, min_ratings)


def knowledge_returns_table(ratings, items, user_id, genre, years, min_mean_rating, min_ratings):
    ids = knowledge_right(ratings, items, user_id, genre, years, min_mean_rating, min_ratings)
    return items[items["item_id"].isin(ids)]


@pytest.mark.parametrize("right", [knowledge_right, knowledge_with_query])
def test_knowledge_based_passes_correct_functions(right):
    verdict = check.knowledge_based(right)
    assert verdict.passed, verdict.message
    assert "passed all 5 hidden cases" in verdict.message


@pytest.mark.parametrize(
    "wrong, says",
    [
        (knowledge_strict_mean, "missing item ids [2]"),
        (knowledge_keeps_seen, "unexpected item ids [7]"),
        (knowledge_returns_table, "return the item ids themselves"),
    ],
)
def test_knowledge_based_fails_a_wrong_function_and_says_why(wrong, says):
    verdict = check.knowledge_based(wrong)
    assert not verdict.passed
    assert says in verdict.message
    assert "Comedy, mean exactly 4.0" in verdict.message  # the hint names the hidden items


def test_knowledge_based_cases_do_not_share_tables():
    def edits_in_place(ratings, items, user_id, genre, years, min_mean_rating, min_ratings):
        ids = knowledge_right(ratings, items, user_id, genre, years, min_mean_rating, min_ratings)
        ratings["rating"] = 0  # changes the caller's table
        return ids

    verdict = check.knowledge_based(edits_in_place)
    assert verdict.passed, verdict.message


def test_knowledge_tables_hold_the_edge_cases():
    ratings, items = recsys._knowledge_tables()
    stats = ratings.groupby("item_id")["rating"].agg(["mean", "size"])
    assert stats.loc[1, "size"] == 3 and stats.loc[6, "size"] == 2
    assert stats.loc[2, "mean"] == 4.0 and stats.loc[11, "mean"] == 4.0
    assert pd.isna(items.set_index("item_id").loc[8, "year"])
    assert set(ratings.loc[ratings["user_id"] == 1, "item_id"]) == {7}
    assert set(ratings.loc[ratings["user_id"] == 2, "item_id"]) == {1, 2, 5}


def _markov_solution(histories, last_item, k):
    from collections import Counter

    follows, popularity = Counter(), Counter()
    for history in histories:
        popularity.update(history)
        follows.update(b for a, b in zip(history[:-1], history[1:]) if a == last_item)
    return sorted(popularity, key=lambda item: (-follows[item], -popularity[item], item))[:k]


def test_markov_next_items_passes_a_correct_function():
    verdict = check.markov_next_items(_markov_solution)
    assert verdict.passed, verdict.message


def test_markov_next_items_agrees_with_the_course_baseline():
    # The exercise's ranking is baselines.markov_chain_scores with alpha close to 1: the chain
    # first, popularity only among its ties.
    from course_utils import baselines, splits, synthetic

    split = splits.leave_last_out(synthetic.make_synthetic_log().ratings)
    histories = [h.tolist() for h in split.histories("valid")]
    scores = baselines.markov_chain_scores(split, "valid", alpha=0.999999)
    for user in (0, 5, 17):
        last = int(split.histories("valid")[user][-1])
        ours = _markov_solution(histories, last, 10)
        np.testing.assert_array_equal(np.argsort(-scores[user], kind="stable")[:10], ours)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda h, last, k: _markov_solution(h, last, k)[::-1], "wrong order"),
        (lambda h, last, k: sorted({i for x in h for i in x})[:k], "other items|wrong order"),
        (
            lambda h, last, k: sorted(
                {i for x in h for i in x},
                key=lambda i: (
                    -sum(1 for x in h for a, b in zip(x[:-1], x[1:]) if a == last and b == i)
                ),
            )[:k],
            "other items|wrong order",
        ),
    ],
)
def test_markov_next_items_fails_wrong_functions(wrong, says):
    verdict = check.markov_next_items(wrong)
    assert not verdict.passed
    assert re.search(says, verdict.message), verdict.message
