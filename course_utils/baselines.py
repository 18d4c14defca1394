"""Non-neural baselines: popularity, item-kNN collaborative filtering, content-based, random.

Every function returns a score matrix of shape ``(num_users, num_items + 1)`` in the
course's convention (:mod:`course_utils.splits`): row ``u`` is ``split.user_ids[u]``,
column ``c`` scores item code ``c`` and column 0 (padding) is ``-inf``, so it is never
recommended. Pass the matrix to :func:`course_utils.metrics.evaluate_ranking`.

What each baseline learns from, so that it can be compared fairly with the neural models:

* **Popularity** counts the training interactions (``split.train``) of each item.
* **Item-kNN** (协同过滤, collaborative filtering) computes item-item cosine similarities
  from the training interactions only, then scores a user's candidates by their summed
  similarity to the user's known history for the stage (for ``"test"`` that history
  includes the validation item, exactly as the sequential models see it).
* **Content-based** (基于内容的推荐) needs no interactions for an item, only its genres and
  release year, which is why it can recommend a brand-new item (cold start, 冷启动).

Reproducible on any processor: the scores are computed from integer counts with IEEE
operations whose results do not depend on the processor (sums of integers, square roots,
divisions, and sums of floats in a fixed order), so two machines give bit-identical
scores, ties included, and the metrics computed from them compare exactly.

Taught in notebooks/01_recommender_systems_and_data.ipynb. This module only uses NumPy,
pandas and SciPy, so importing it never starts TensorFlow.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp

from course_utils.data import GENRES as MOVIELENS_GENRES
from course_utils.splits import STAGES, LeaveLastOut
from course_utils.validation import check_split

__all__ = [
    "DECADES",
    "DEFAULT_NEIGHBOURS",
    "content_scores",
    "item_features",
    "item_knn_scores",
    "item_similarity",
    "popularity_scores",
    "random_scores",
]

#: Neighbours kept per item by :func:`item_knn_scores`; chosen on the validation targets of
#: ML-100K in notebooks/01_recommender_systems_and_data.ipynb (the best NDCG@10 with the
#: seen items filtered out, among 1, 2, 5, 10, 20, 50, 100, 200 and all items).
DEFAULT_NEIGHBOURS = 5

#: The decades used as year features by :func:`item_features`; an item with an unknown
#: year gets none of them.
DECADES: tuple[int, ...] = (1920, 1930, 1940, 1950, 1960, 1970, 1980, 1990)


def _check_stage(stage: object) -> None:
    """Raise ValueError unless ``stage`` is "valid" or "test"."""
    if stage not in STAGES:
        raise ValueError(f"stage must be 'valid' or 'test', got {stage!r}.")


def _with_padding_column(item_scores: np.ndarray) -> np.ndarray:
    """Prepend the padding column (-inf) to per-item scores of shape (rows, num_items)."""
    rows = item_scores.shape[0]
    return np.concatenate([np.full((rows, 1), -np.inf), item_scores], axis=1)


def _history_matrix(split: LeaveLastOut, stage: str) -> sp.csr_matrix:
    """Return the binary user x item-code matrix of each user's history for a stage.

    Args:
        split: The split.
        stage: "valid" or "test".

    Returns:
        A CSR matrix of shape ``(num_users, num_items + 1)`` with 1.0 where the user has
        interacted with the item (column 0, padding, is always empty), indices sorted.
    """
    histories = split.histories(stage)
    lengths = np.array([len(h) for h in histories], dtype=np.int64)
    rows = np.repeat(np.arange(split.num_users), lengths)
    columns = np.concatenate(histories).astype(np.int64)
    matrix = sp.csr_matrix(
        (np.ones(len(columns)), (rows, columns)), shape=(split.num_users, split.num_items + 1)
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def popularity_scores(split: LeaveLastOut, stage: str = "test") -> np.ndarray:
    """Score every item by its number of training interactions, the same for every user.

    Taught in notebooks/01_recommender_systems_and_data.ipynb.

    Args:
        split: The leave-last-out split; only ``split.train`` is counted.
        stage: "valid" or "test"; the scores are the same for both (the counts come from
            the training interactions), the argument keeps the signature of every scorer.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)``: the training count of
        each item (0 for an item never seen in training) and ``-inf`` in column 0.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut or ``stage`` is unknown.
    """
    check_split(split)
    _check_stage(stage)
    codes = split.encode_items(split.train["item_id"].to_numpy())
    counts = np.bincount(codes, minlength=split.num_items + 1).astype(np.float64)
    counts[0] = -np.inf
    return np.tile(counts, (split.num_users, 1))


def _check_neighbours(neighbours: object, num_items: int) -> int | None:
    """Return ``neighbours`` as an int (or None for all items), or raise ValueError."""
    if neighbours is None:
        return None
    if isinstance(neighbours, bool) or not isinstance(neighbours, Integral) or neighbours < 1:
        raise ValueError(
            f"neighbours must be an int >= 1 or None (keep every item), got {neighbours!r}."
        )
    return min(int(neighbours), num_items - 1)


def item_similarity(split: LeaveLastOut, *, neighbours: int | None = None) -> np.ndarray:
    """Return the item-item cosine similarity of the training interactions.

    Each item is the binary column of users who interacted with it in ``split.train``.
    The cosine of items i and j is ``c_ij / sqrt(n_i * n_j)``, with ``c_ij`` the number of
    users who interacted with both and ``n_i`` the number who interacted with i. An item
    is not its own neighbour (the diagonal is 0), and items without training interactions
    have no neighbours.

    Taught in notebooks/01_recommender_systems_and_data.ipynb.

    Args:
        split: The leave-last-out split.
        neighbours: If given, keep only the ``neighbours`` largest similarities of each row
            (ties at the cut-off broken by the lower item code) and set the rest to 0.
            ``None`` keeps every item.

    Returns:
        A float64 array of shape ``(num_items + 1, num_items + 1)`` indexed by item code;
        row and column 0 (padding) are 0.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut or ``neighbours`` is not an int >= 1
            or None.
    """
    check_split(split)
    neighbours = _check_neighbours(neighbours, split.num_items)
    users = np.searchsorted(split.user_ids, split.train["user_id"].to_numpy())
    codes = split.encode_items(split.train["item_id"].to_numpy()).astype(np.int64)
    interactions = sp.csr_matrix(
        (np.ones(len(codes)), (users, codes)), shape=(split.num_users, split.num_items + 1)
    )
    # Co-occurrence counts are sums of ones: whole numbers, exact in float64 whatever the
    # order of the additions, so every processor gets the same matrix.
    co_counts = (interactions.T @ interactions).toarray()
    counts = np.diag(co_counts).copy()
    # n_i * n_j is a whole number too; one square root and one division, each rounded
    # once by IEEE rules, give the same cosine on every processor, and sim[i, j] equals
    # sim[j, i] exactly.
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = co_counts / np.sqrt(counts[:, None] * counts[None, :])
    similarity[~np.isfinite(similarity)] = 0.0
    np.fill_diagonal(similarity, 0.0)
    if neighbours is not None:
        # A stable sort of the negated rows orders by similarity, then by item code, so
        # the neighbours kept are the same on every machine even when similarities tie.
        order = np.argsort(-similarity, axis=1, kind="stable")
        dropped = order[:, neighbours:]
        np.put_along_axis(similarity, dropped, 0.0, axis=1)
    return similarity


def item_knn_scores(
    split: LeaveLastOut, stage: str = "test", *, neighbours: int | None = DEFAULT_NEIGHBOURS
) -> np.ndarray:
    """Score items by their summed similarity to the user's history (item-kNN).

    ``score[u, j] = sum over items i in u's history of sim[i, j]``, where ``sim[i]`` keeps
    only the ``neighbours`` items most similar to i (see :func:`item_similarity`). This is
    the classic item-based collaborative filtering (协同过滤) of Sarwar et al. (2001) and
    Deshpande & Karypis (2004).

    Taught in notebooks/01_recommender_systems_and_data.ipynb.

    Args:
        split: The leave-last-out split; similarities come from ``split.train`` only.
        stage: "valid" (history = training items) or "test" (training items plus the
            validation item).
        neighbours: Neighbours kept per history item, or ``None`` for every item.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)``; column 0 is ``-inf``.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut, ``stage`` is unknown or
            ``neighbours`` is not an int >= 1 or None.
    """
    check_split(split)
    _check_stage(stage)
    similarity = item_similarity(split, neighbours=neighbours)
    # A sparse-times-dense product adds the rows of `similarity` one history item at a
    # time, in item-code order: a fixed order, so the sums are the same on every machine.
    scores = np.asarray(_history_matrix(split, stage) @ similarity)
    scores[:, 0] = -np.inf
    return scores


def item_features(items: pd.DataFrame, split: LeaveLastOut) -> np.ndarray:
    """Return each item's content features: its genres and its decade, as 0/1 columns.

    Args:
        items: The items table of :func:`course_utils.data.load_movielens_100k` (or of
            :func:`course_utils.synthetic.make_synthetic_log`): ``item_id`` and ``genres``
            (a list of genre names), and optionally ``year``.
        split: The split whose item codes index the rows.

    Returns:
        An int64 array of shape ``(num_items + 1, num_genres + len(DECADES))``, row ``c``
        for item code ``c`` (row 0, padding, is all zeros). The genre columns come first:
        the genres of ``course_utils.data.GENRES`` that occur, in that order, then any
        other genres in alphabetical order; then one column per decade in ``DECADES``.

    Raises:
        ValueError: If ``items`` lacks ``item_id`` or ``genres``, or misses an item of the
            split.
    """
    check_split(split)
    if not isinstance(items, pd.DataFrame) or not {"item_id", "genres"} <= set(items.columns):
        raise ValueError(
            "items must be a DataFrame with the columns item_id and genres (a list of genre "
            "names per item), e.g. data.load_movielens_100k().items."
        )
    table = items.drop_duplicates("item_id").set_index("item_id")
    missing = np.setdiff1d(split.item_ids, table.index.to_numpy())
    if missing.size:
        raise ValueError(
            f"items misses {missing.size} item ids of the split (e.g. {missing[:5].tolist()}); "
            "pass the items table that belongs to the ratings."
        )
    table = table.loc[split.item_ids]
    present = {genre for item_genres in table["genres"] for genre in item_genres}
    genres = [g for g in MOVIELENS_GENRES if g in present]
    genres += sorted(present - set(MOVIELENS_GENRES))
    features = np.zeros((split.num_items + 1, len(genres) + len(DECADES)), dtype=np.int64)
    genre_index = {genre: index for index, genre in enumerate(genres)}
    for row, item_genres in enumerate(table["genres"], start=1):
        for genre in item_genres:
            features[row, genre_index[genre]] = 1
    if "year" in table.columns:
        years = pd.to_numeric(table["year"], errors="coerce").to_numpy(dtype=float)
        decade = np.floor(years / 10) * 10
        for column, start in enumerate(DECADES, start=len(genres)):
            features[1:, column] = decade == start
    return features


def content_scores(split: LeaveLastOut, items: pd.DataFrame, stage: str = "test") -> np.ndarray:
    """Score items by the cosine between the user's content profile and each item.

    A user's profile sums the features (:func:`item_features`: genres and decade) of the
    items in their history for the stage; an item's score is the cosine between that
    profile and the item's features. No interaction of the item itself is needed, so a
    brand-new item gets a score too (content-based recommendation, 基于内容的推荐).

    Taught in notebooks/01_recommender_systems_and_data.ipynb.

    Args:
        split: The leave-last-out split.
        items: The items table (``item_id``, ``genres`` and optionally ``year``).
        stage: "valid" or "test" (see :meth:`LeaveLastOut.histories`).

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` with scores in [0, 1] (0
        for an item without features) and ``-inf`` in column 0.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut, ``stage`` is unknown or ``items``
            does not fit the split.
    """
    check_split(split)
    _check_stage(stage)
    features = item_features(items, split).astype(np.float64)
    # Profiles and dot products are sums of whole numbers, exact in float64; the cosine
    # then uses one square root and one division per entry, so the scores, and their
    # many ties (films with the same genres and decade), are the same on every machine.
    profiles = (_history_matrix(split, stage) @ features).astype(np.float64)
    dots = profiles @ features.T
    profile_squares = (profiles * profiles).sum(axis=1)
    item_squares = (features * features).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = dots / np.sqrt(profile_squares[:, None] * item_squares[None, :])
    scores[~np.isfinite(scores)] = 0.0
    scores[:, 0] = -np.inf
    return scores


def random_scores(split: LeaveLastOut, *, seed: int = 0) -> np.ndarray:
    """Return uniform random scores: the baseline that knows nothing.

    Args:
        split: The leave-last-out split (only its sizes are used).
        seed: Seed of ``numpy.random.default_rng``; the same seed gives the same scores
            on every machine.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` with scores in [0, 1) and
        ``-inf`` in column 0.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut or ``seed`` is not an int >= 0.
    """
    check_split(split)
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}.")
    scores = np.random.default_rng(seed).random((split.num_users, split.num_items + 1))
    scores[:, 0] = -np.inf
    return scores
