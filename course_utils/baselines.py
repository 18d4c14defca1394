"""Non-neural baselines: popularity, item-kNN, content-based, random, and order-aware ones.

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

The baselines above ignore the order of a history. Three classical baselines read it, and a
sequence model has to beat them before it can claim to learn order (Ludewig, Latifi and
Jannach, *Empirical analysis of session-based recommendation algorithms*, UMUAI 2021):

* **Markov chain** (马尔可夫链): count, over the training histories, how often each item
  follows each other item; score the items that followed the user's newest item.
* **Sequential rules** (Ludewig and Jannach, 2018): the same with a window: an item that
  follows another within ``window`` steps earns a weight that falls with the gap, and the
  scores may sum the rules of the user's last few items.
* **Sequence-aware nearest neighbours** (V-SKNN, Ludewig and Jannach, 2018): find the
  training histories most similar to the user's recent items, recent items weighing more,
  and score the items of those histories.

Each of them mixes its scores with popularity, ``alpha * model + (1 - alpha) * popularity``,
so that items it knows nothing about are still ranked (a back-off) and its many ties are
broken by popularity instead of counting against it. Their settings are chosen on the
validation targets by ``benchmarks/baseline_search.py``; the module's defaults are the
winners (see :data:`MARKOV_DEFAULTS`, :data:`RULES_DEFAULTS` and :data:`SKNN_DEFAULTS`).

Reproducible on any processor: the scores are computed from integer counts with IEEE
operations whose results do not depend on the processor (sums of integers, square roots,
divisions, and sums of floats in a fixed order), so two machines give bit-identical
scores, ties included, and the metrics computed from them compare exactly.

Taught in notebooks/01_recommender_systems_and_data.ipynb. This module only uses NumPy,
pandas and SciPy, so importing it never starts TensorFlow.

The order-aware baselines keep the same promise: their scores are integer counts, or sums of
a few weights added in a fixed order by SciPy's sparse products, followed by elementwise
divisions and one mix, so they too are the same on every processor.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp

from course_utils import configs
from course_utils.data import GENRES as MOVIELENS_GENRES
from course_utils.splits import LeaveLastOut, check_split, check_stage
from course_utils.validation import check_int

__all__ = [
    "DECADES",
    "DEFAULT_NEIGHBOURS",
    "MARKOV_DEFAULTS",
    "RULES_DEFAULTS",
    "SKNN_DEFAULTS",
    "WEIGHTINGS",
    "content_scores",
    "item_features",
    "item_knn_scores",
    "item_similarity",
    "markov_chain_scores",
    "popularity_scores",
    "random_scores",
    "sequential_rules",
    "sequential_rules_scores",
    "sknn_scores",
    "transition_counts",
]

#: Neighbours kept per item by :func:`item_knn_scores`; chosen on the validation targets of
#: ML-100K (the best NDCG@10 with the seen items filtered out) by
#: ``benchmarks/baseline_search.py``, and again in
#: notebooks/01_recommender_systems_and_data.ipynb (see :mod:`course_utils.configs`).
DEFAULT_NEIGHBOURS: int = configs.ITEM_KNN["neighbours"]

#: The decades used as year features by :func:`item_features`; an item with an unknown
#: year gets none of them.
DECADES: tuple[int, ...] = (1920, 1930, 1940, 1950, 1960, 1970, 1980, 1990)


def _with_padding_column(item_scores: np.ndarray) -> np.ndarray:
    """Prepend the padding column (-inf) to per-item scores of shape (rows, num_items)."""
    rows = item_scores.shape[0]
    return np.concatenate([np.full((rows, 1), -np.inf), item_scores], axis=1)


def _histories(
    split: LeaveLastOut, stage: str, histories: Sequence[np.ndarray] | None
) -> list[np.ndarray]:
    """Return the histories to score: the split's for the stage, or the given ones, checked."""
    check_stage(stage)
    if histories is None:
        return split.histories(stage)
    if isinstance(histories, np.ndarray) and histories.ndim == 1 and histories.dtype != object:
        raise ValueError(
            "histories must be a list of arrays of item codes, one per user; wrap a single "
            "history in a list."
        )
    checked = []
    for row, history in enumerate(histories):
        codes = np.asarray(history)
        if codes.ndim != 1 or codes.size == 0 or not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(
                f"histories[{row}] must be a non-empty 1-D array of integer item codes, got "
                f"{codes.dtype} with shape {codes.shape}."
            )
        if codes.min() < 1 or codes.max() > split.num_items:
            raise ValueError(
                f"histories[{row}] holds codes outside 1..{split.num_items}; encode item ids "
                "with split.encode_items first (0 is padding)."
            )
        checked.append(codes.astype(np.int64))
    if not checked:
        raise ValueError("histories is empty: give at least one history to score.")
    return checked


def _history_matrix(split: LeaveLastOut, histories: Sequence[np.ndarray]) -> sp.csr_matrix:
    """Return the binary history x item-code matrix of some histories."""
    lengths = np.array([len(h) for h in histories], dtype=np.int64)
    rows = np.repeat(np.arange(len(histories)), lengths)
    columns = np.concatenate(histories).astype(np.int64)
    matrix = sp.csr_matrix(
        (np.ones(len(columns)), (rows, columns)), shape=(len(histories), split.num_items + 1)
    )
    # A repeated item counts once: the matrix says which items a history holds.
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def popularity_scores(
    split: LeaveLastOut, stage: str = "test", *, histories: Sequence[np.ndarray] | None = None
) -> np.ndarray:
    """Score every item by its number of training interactions, the same for every user.

    Taught in notebooks/01_recommender_systems_and_data.ipynb.

    Args:
        split: The leave-last-out split; only ``split.train`` is counted.
        stage: "valid" or "test"; the scores are the same for both (the counts come from
            the training interactions), the argument keeps the signature of every scorer.
        histories: Score these histories (item codes, oldest first; one array per row)
            instead of the split's for the stage: a way to score users the split does not
            hold, such as newcomers, with what was learned from ``split.train``.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` (one row per history when
        ``histories`` is given): the training count of each item (0 for an item never seen
        in training) and ``-inf`` in column 0.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut, ``stage`` is unknown or a history
            is invalid.
    """
    check_split(split)
    rows = len(_histories(split, stage, histories))
    codes = split.encode_items(split.train["item_id"].to_numpy())
    counts = np.bincount(codes, minlength=split.num_items + 1).astype(np.float64)
    counts[0] = -np.inf
    return np.tile(counts, (rows, 1))


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
    return _item_similarity(split, _check_neighbours(neighbours, split.num_items))


def _item_similarity(split: LeaveLastOut, neighbours: int | None) -> np.ndarray:
    """:func:`item_similarity` without the checks."""
    users = split.encode_users(split.train["user_id"].to_numpy())
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
    split: LeaveLastOut,
    stage: str = "test",
    *,
    neighbours: int | None = DEFAULT_NEIGHBOURS,
    histories: Sequence[np.ndarray] | None = None,
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
        histories: Score these histories (item codes, oldest first; one array per row)
            instead of the split's for the stage: a way to score users the split does not
            hold, such as newcomers, with what was learned from ``split.train``.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` (one row per history when
        ``histories`` is given); column 0 is ``-inf``.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut, ``stage`` is unknown,
            ``neighbours`` is not an int >= 1 or None, or a history is invalid.
    """
    check_split(split)
    known = _histories(split, stage, histories)
    similarity = _item_similarity(split, _check_neighbours(neighbours, split.num_items))
    # A sparse-times-dense product adds the rows of `similarity` one history item at a
    # time, in item-code order: a fixed order, so the sums are the same on every machine.
    scores = np.asarray(_history_matrix(split, known) @ similarity)
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
    check_stage(stage)
    features = item_features(items, split).astype(np.float64)
    # Profiles and dot products are sums of whole numbers, exact in float64; the cosine
    # then uses one square root and one division per entry, so the scores, and their
    # many ties (films with the same genres and decade), are the same on every machine.
    profiles = (_history_matrix(split, split.histories(stage)) @ features).astype(np.float64)
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
    seed = check_int(seed, "seed", 0)
    scores = np.random.default_rng(seed).random((split.num_users, split.num_items + 1))
    scores[:, 0] = -np.inf
    return scores


# --- order-aware baselines ------------------------------------------------------------------

#: How a weight falls with a distance ``d`` (1 for the nearest step): ``"same"`` keeps 1,
#: ``"div"`` gives 1/d, ``"quadratic"`` 1/d², and ``"linear"`` 1 - (d - 1)/10, down to 0.1
#: (the weighting functions of Ludewig and Jannach's sequential rules).
WEIGHTINGS: tuple[str, ...] = ("same", "div", "quadratic", "linear")

#: The order-aware baselines' settings, chosen on the validation targets of ML-100K by
#: ``benchmarks/baseline_search.py`` (the best filtered NDCG@10; see :mod:`course_utils.configs`).
MARKOV_DEFAULTS: dict[str, object] = configs.MARKOV_CHAIN
RULES_DEFAULTS: dict[str, object] = configs.SEQUENTIAL_RULES
SKNN_DEFAULTS: dict[str, object] = configs.SKNN


def _weights(distances: np.ndarray, weighting: str) -> np.ndarray:
    """Return the weight of each distance (1 = the nearest step) under a weighting."""
    distances = np.asarray(distances, dtype=np.float64)
    if weighting == "same":
        return np.ones_like(distances)
    if weighting == "div":
        return 1.0 / distances
    if weighting == "quadratic":
        return 1.0 / (distances * distances)
    return np.maximum(1.0 - (distances - 1.0) / 10.0, 0.1)


def _check_alpha(alpha: object) -> float:
    """Return ``alpha`` as a float, or raise ValueError unless it is a number in [0, 1]."""
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 <= alpha <= 1:
        raise ValueError(
            f"alpha must be a number in [0, 1] (the model's share of the mix with "
            f"popularity), got {alpha!r}."
        )
    return float(alpha)


def _check_weighting(weighting: object, name: str = "weighting") -> str:
    """Return ``weighting``, or raise ValueError unless it is one of :data:`WEIGHTINGS`."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"{name} must be one of {WEIGHTINGS}, got {weighting!r}.")
    return str(weighting)


def _popularity_share(split: LeaveLastOut) -> np.ndarray:
    """Return each item code's share of the training interactions (0 for padding)."""
    codes = split.encode_items(split.train["item_id"].to_numpy())
    counts = np.bincount(codes, minlength=split.num_items + 1).astype(np.float64)
    counts[0] = 0.0
    return counts / counts.sum()


def _mix(model: sp.csr_matrix | np.ndarray, split: LeaveLastOut, alpha: float) -> np.ndarray:
    """Return ``alpha * model + (1 - alpha) * popularity`` with -inf in the padding column."""
    # Each user's model scores are first divided by their largest value (a row without any
    # score stays 0), so that the mix means the same for every user; a maximum and a division
    # are exact operations, so the result does not depend on the processor.
    dense = model.toarray() if sp.issparse(model) else np.array(model, dtype=np.float64)
    largest = dense.max(axis=1, keepdims=True)
    np.divide(dense, largest, out=dense, where=largest > 0)
    scores = alpha * dense + (1.0 - alpha) * _popularity_share(split)[None, :]
    scores[:, 0] = -np.inf
    return scores


def _training_sequences(split: LeaveLastOut) -> tuple[np.ndarray, np.ndarray]:
    """Return all training histories concatenated (item codes) and each code's user row."""
    histories = split.histories("valid")
    lengths = np.array([len(history) for history in histories], dtype=np.int64)
    flat = np.concatenate(histories).astype(np.int64)
    return flat, np.repeat(np.arange(split.num_users), lengths)


def transition_counts(split: LeaveLastOut) -> sp.csr_matrix:
    """Count how often item ``j`` directly follows item ``i`` in the training histories.

    Taught in notebooks/01_recommender_systems_and_data.ipynb (section 6.3).

    Args:
        split: The leave-last-out split; only its training histories are read.

    Returns:
        An integer CSR matrix of shape ``(num_items + 1, num_items + 1)``: entry ``[i, j]``
        is the number of times a user's training history has ``i`` and then, as the very
        next item, ``j``. Row and column 0 (padding) are empty.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut.
    """
    check_split(split)
    return _transition_counts(split)


def _transition_counts(split: LeaveLastOut) -> sp.csr_matrix:
    """:func:`transition_counts` without the check."""
    return _rules(split, 1, "same").astype(np.int64)


def markov_chain_scores(
    split: LeaveLastOut,
    stage: str = "test",
    *,
    alpha: float = MARKOV_DEFAULTS["alpha"],
    histories: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Score the next item with a first-order Markov chain (马尔可夫链), backed off to popularity.

    ``score(j) = alpha * P(j | i_n) + (1 - alpha) * P(j)``, where ``i_n`` is the newest item
    of the user's history for the stage, ``P(j | i_n)`` is the share of the training
    transitions out of ``i_n`` that go to ``j`` (:func:`transition_counts`), and ``P(j)`` is
    ``j``'s share of the training interactions. An item the chain has never seen followed
    by anything falls back to popularity; with ``alpha`` close to 1, popularity only breaks
    the chain's ties. Nothing is learned but counts.

    Taught in notebooks/01_recommender_systems_and_data.ipynb (section 6.3).

    Args:
        split: The leave-last-out split; the counts come from ``split.train`` only.
        stage: "valid" (the newest training item) or "test" (the validation item).
        alpha: The chain's share of the mix, in [0, 1].
        histories: Score these histories (item codes, oldest first; one array per row)
            instead of the split's for the stage: a way to score users the split does not
            hold, such as newcomers, with what was learned from ``split.train``.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` (one row per history when
        ``histories`` is given); column 0 is ``-inf``.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut, ``stage`` is unknown, ``alpha`` is
            not in [0, 1] or a history is invalid.
    """
    check_split(split)
    known = _histories(split, stage, histories)
    alpha = _check_alpha(alpha)
    counts = _transition_counts(split)
    newest = np.array([history[-1] for history in known], dtype=np.int64)
    rows = counts[newest].toarray().astype(np.float64)
    totals = rows.sum(axis=1, keepdims=True)  # sums of whole numbers: exact
    conditional = np.divide(rows, totals, out=np.zeros_like(rows), where=totals > 0)
    scores = alpha * conditional + (1.0 - alpha) * _popularity_share(split)[None, :]
    scores[:, 0] = -np.inf
    return scores


def sequential_rules(
    split: LeaveLastOut, *, window: int = 3, weighting: str = "div"
) -> sp.csr_matrix:
    """Return the rule weights ``w(a -> b)`` of sequential rules, from the training histories.

    Every time ``b`` follows ``a`` within ``window`` steps of a user's training history, at a
    distance ``d`` (1 when ``b`` comes right after ``a``), the rule ``a -> b`` gains the
    weight of ``d`` under ``weighting`` (:data:`WEIGHTINGS`). With ``window=1`` and
    ``"same"`` the weights are the transition counts of a Markov chain.

    Args:
        split: The leave-last-out split; only its training histories are read.
        window: The largest distance counted, an int >= 1.
        weighting: How a rule's weight falls with the distance.

    Returns:
        A float64 CSR matrix of shape ``(num_items + 1, num_items + 1)``, rows the earlier
        item ``a``, columns the later item ``b``.

    Raises:
        ValueError: If ``split`` is not a LeaveLastOut, ``window`` is not an int >= 1 or
            ``weighting`` is unknown.
    """
    check_split(split)
    return _rules(split, check_int(window, "window", 1), _check_weighting(weighting))


def _rules(split: LeaveLastOut, window: int, weighting: str) -> sp.csr_matrix:
    """:func:`sequential_rules` without the checks."""
    flat, owner = _training_sequences(split)
    sources, targets, weights = [], [], []
    for distance in range(1, min(window, max(len(flat) - 1, 1)) + 1):
        same_user = owner[:-distance] == owner[distance:]
        sources.append(flat[:-distance][same_user])
        targets.append(flat[distance:][same_user])
        weights.append(np.full(int(same_user.sum()), _weights(distance, weighting)))
    size = split.num_items + 1
    rules = sp.csr_matrix(
        (np.concatenate(weights), (np.concatenate(sources), np.concatenate(targets))),
        shape=(size, size),
    )
    rules.sum_duplicates()
    rules.sort_indices()
    return rules


def _recent_matrix(
    split: LeaveLastOut, histories: Sequence[np.ndarray], recent: int | None, weighting: str
) -> sp.csr_matrix:
    """Return each history's last ``recent`` items (all if None), weighted by their age."""
    # The newest item has distance 1, the one before it 2, and so on; each gets the weight of
    # its distance under ``weighting``. Shape ``(len(histories), num_items + 1)``.
    rows, columns, values = [], [], []
    for user, history in enumerate(histories):
        kept = history if recent is None else history[-recent:]
        distances = np.arange(len(kept), 0, -1)
        rows.append(np.full(len(kept), user))
        columns.append(np.asarray(kept, dtype=np.int64))
        values.append(_weights(distances, weighting))
    matrix = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(len(histories), split.num_items + 1),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def sequential_rules_scores(
    split: LeaveLastOut,
    stage: str = "test",
    *,
    window: int = RULES_DEFAULTS["window"],
    weighting: str = RULES_DEFAULTS["weighting"],
    history: int = RULES_DEFAULTS["history"],
    history_weighting: str = RULES_DEFAULTS["history_weighting"],
    normalise: bool = RULES_DEFAULTS["normalise"],
    alpha: float = RULES_DEFAULTS["alpha"],
    histories: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Score the next item with sequential rules (Ludewig and Jannach, 2018).

    ``score(j) = sum over the user's last `history` items i_{n-k} of
    w(i_{n-k} -> j) * h(k + 1)``, with the rule weights ``w`` of :func:`sequential_rules`
    and ``h`` the ``history_weighting`` of the item's age (1 for the newest). With
    ``history=1`` only the newest item counts, as in the original method. With
    ``normalise`` each item's rules are first divided by its strongest rule, so that a
    popular item's many rules do not drown a rarer item's few. The scores are then mixed
    with popularity: ``alpha * score / max(score) + (1 - alpha) * P(j)``.

    Taught in notebooks/01_recommender_systems_and_data.ipynb (section 6.3).

    Args:
        split: The leave-last-out split; the rules come from the training histories only.
        stage: "valid" or "test" (the test history ends with the validation item).
        window: The rules' largest distance.
        weighting: How a rule's weight falls with the distance (:data:`WEIGHTINGS`).
        history: How many of the user's newest items contribute, an int >= 1.
        history_weighting: How an item's contribution falls with its age.
        normalise: Divide each item's rule weights by its largest one.
        alpha: The rules' share of the mix, in [0, 1].
        histories: Score these histories (item codes, oldest first; one array per row)
            instead of the split's for the stage: a way to score users the split does not
            hold, such as newcomers, with what was learned from ``split.train``.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` (one row per history when
        ``histories`` is given); column 0 is ``-inf``.

    Raises:
        ValueError: If an argument is invalid.
    """
    check_split(split)
    known = _histories(split, stage, histories)
    history = check_int(history, "history", 1)
    history_weighting = _check_weighting(history_weighting, "history_weighting")
    if not isinstance(normalise, (bool, np.bool_)):
        raise ValueError(f"normalise must be True or False, got {normalise!r}.")
    alpha = _check_alpha(alpha)
    rules = _rules(split, check_int(window, "window", 1), _check_weighting(weighting))
    if normalise:
        largest = rules.max(axis=1).toarray().ravel()
        rules = (
            sp.diags(np.divide(1.0, largest, out=np.zeros_like(largest), where=largest > 0)) @ rules
        )
    # A sparse product adds each user's rule rows one history item at a time, in a fixed
    # order, so the sums are the same on every machine.
    return _mix(_recent_matrix(split, known, history, history_weighting) @ rules, split, alpha)


def sknn_scores(
    split: LeaveLastOut,
    stage: str = "test",
    *,
    neighbours: int = SKNN_DEFAULTS["neighbours"],
    recent: int | None = SKNN_DEFAULTS["recent"],
    weighting: str = SKNN_DEFAULTS["weighting"],
    normalise: bool = SKNN_DEFAULTS["normalise"],
    alpha: float = SKNN_DEFAULTS["alpha"],
    histories: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Score the next item from the training histories most like the user's recent items.

    This is V-SKNN (Ludewig and Jannach, 2018), with a user's whole training history as a
    "session". The user's ``recent`` newest items each carry a weight that falls with their
    age (``weighting``; 1 for the newest); another user's similarity is the sum of the
    weights of the items their training history shares with them, divided by the square
    root of that history's length when ``normalise`` is true. The ``neighbours`` most similar
    other users (ties to the lower row) vote: ``score(j) = sum over neighbours v of sim(u, v)
    * [j in v's training history]``. The votes are mixed with popularity as in
    :func:`sequential_rules_scores`. A user is never their own neighbour.

    Taught in notebooks/01_recommender_systems_and_data.ipynb (section 6.3).

    Args:
        split: The leave-last-out split; neighbours come from the training histories.
        stage: "valid" or "test" (the test history ends with the validation item).
        neighbours: How many neighbours vote, an int >= 1.
        recent: How many of the user's newest items define the similarity; None for all.
        weighting: How an item's weight falls with its age (:data:`WEIGHTINGS`).
        normalise: Divide a neighbour's similarity by the square root of its history's
            length, so that long histories do not win by size alone.
        alpha: The votes' share of the mix, in [0, 1].
        histories: Score these histories (item codes, oldest first; one array per row)
            instead of the split's for the stage: a way to score users the split does not
            hold, such as newcomers, with what was learned from ``split.train``. Such a history
            belongs to none of the split's users, so every training history may vote.

    Returns:
        A float64 array of shape ``(num_users, num_items + 1)`` (one row per history when
        ``histories`` is given); column 0 is ``-inf``.

    Raises:
        ValueError: If an argument is invalid.
    """
    check_split(split)
    known = _histories(split, stage, histories)
    neighbours = check_int(neighbours, "neighbours", 1)
    if recent is not None:
        recent = check_int(recent, "recent", 1)
    weighting = _check_weighting(weighting)
    if not isinstance(normalise, (bool, np.bool_)):
        raise ValueError(f"normalise must be True or False, got {normalise!r}.")
    alpha = _check_alpha(alpha)
    query = _recent_matrix(split, known, recent, weighting)
    candidates = _history_matrix(split, split.histories("valid"))  # training histories, 0/1
    similarity = (query @ candidates.T).toarray()
    if normalise:
        lengths = np.asarray(candidates.sum(axis=1)).ravel()  # whole numbers: exact
        similarity = np.divide(
            similarity,
            np.sqrt(lengths)[None, :],
            out=np.zeros_like(similarity),
            where=lengths[None, :] > 0,
        )
    if histories is None:
        np.fill_diagonal(similarity, 0.0)  # a user is not their own neighbour
    keep = min(neighbours, split.num_users - (1 if histories is None else 0))
    # A stable sort of the negated rows keeps the same neighbours on every machine, ties
    # going to the lower row.
    order = np.argsort(-similarity, axis=1, kind="stable")
    dropped = order[:, keep:]
    np.put_along_axis(similarity, dropped, 0.0, axis=1)
    votes = sp.csr_matrix(similarity) @ candidates
    return _mix(votes, split, alpha)
