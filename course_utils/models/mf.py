"""Matrix factorisation (矩阵分解) for top-k recommendation, trained with a full softmax.

Each user ``u`` has a learned vector ``p_u`` (a row of the ``user_embedding`` table) and each
item code ``j`` a learned vector ``q_j`` with a bias ``b_j`` (a column of the ``item_scores``
dense layer's kernel, and its bias). The score of item ``j`` for user ``u`` is
``p_u . q_j + b_j``: the score matrix is ``P Q^T + b``, a low-rank factorisation. These
vectors are the users' and items' hidden features (隐藏特征), learned from the interactions
alone.

Training maximises the softmax likelihood of each user's training items among all item
codes. A score depends only on the user, so all of a user's training items share one softmax:
the loss of a user is the categorical cross-entropy of the logits against the user's
multi-hot row of training items, which equals the sum of the per-interaction cross-entropies
and costs one softmax per user instead of one per interaction.

The model ignores the order of a user's history and does not see the validation item when it
ranks the test target (it would have to be retrained, or its user vector re-fitted, to use
it): the score matrix is the same at both stages.

Taught in notebooks/06_embeddings_matrix_factorization.ipynb. Later notebooks reuse the trained
model through :mod:`course_utils.models.model_store` under the name ``"mf"`` and
:data:`DEFAULT_CONFIG`.

A history that is not in the split (a newcomer's) is scored by *fold-in*
(:func:`score_histories`): the mean of its items' vectors stands in for the missing user vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import Any

import keras
import numpy as np
from keras import layers

from course_utils import configs
from course_utils.models import training
from course_utils.splits import LeaveLastOut, check_split
from course_utils.validation import check_int, check_positive, complete_config

__all__ = [
    "DEFAULT_CONFIG",
    "build_model",
    "score",
    "score_histories",
    "train",
    "training_targets",
]

#: The hyperparameters chosen on the validation targets of ML-100K by
#: ``benchmarks/neural_search.py`` (:data:`course_utils.configs.MF`). The first entries
#: shape the model; the others shape its training.
DEFAULT_CONFIG: dict[str, Any] = dict(configs.MF)

_MODEL_NAME = "mf"


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Return ``config`` completed with the defaults, or raise ValueError on a bad entry."""
    full = complete_config(config, DEFAULT_CONFIG)
    for key in ("embedding_dim", "batch_size", "passes_per_epoch", "max_epochs", "patience"):
        check_int(full[key], key, 1)
    check_int(full["seed"], "seed", 0)
    l2 = full["l2"]
    if isinstance(l2, bool) or not isinstance(l2, Real) or not 0 <= l2 < float("inf"):
        raise ValueError(f"l2 must be a number >= 0, got {l2!r}.")
    check_positive(full["learning_rate"], "learning_rate")
    return full


def build_model(num_items: int, num_users: int, **config: Any) -> keras.Model:
    """Build an untrained matrix-factorisation model with named layers.

    The ``user_embedding`` layer maps a user index to ``p_u``; the ``item_scores`` dense
    layer computes ``p_u . q_j + b_j`` for every item code ``j`` at once (its kernel's column
    ``j`` is ``q_j``, its bias ``b_j``). Both tables carry an L2 penalty of weight ``l2``.

    Taught in notebooks/06_embeddings_matrix_factorization.ipynb (section 4).

    Args:
        num_items: number of items; the model scores the ``num_items + 1`` item codes
            (code 0 is padding, which the metrics never recommend).
        num_users: number of users; user indices run from 0 to ``num_users - 1`` (the rows
            of ``split.user_ids``).
        **config: entries of :data:`DEFAULT_CONFIG`; missing ones take the default. The
            training entries are accepted and ignored here, so
            ``build_model(num_items, num_users, **config)`` works.

    Returns:
        A ``keras.Model`` named ``"mf"`` with one int input ``"user"`` of shape ``()`` and
        output logits of shape ``(batch, num_items + 1)``.

    Raises:
        ValueError: if a count is not a positive int or a config entry is invalid.
    """
    num_items = check_int(num_items, "num_items", 1)
    num_users = check_int(num_users, "num_users", 1)
    full = _check_config(config)
    dim, l2 = full["embedding_dim"], float(full["l2"])
    user = keras.Input(shape=(), dtype="int32", name="user")
    user_vector = layers.Embedding(
        num_users,
        dim,
        embeddings_regularizer=keras.regularizers.L2(l2) if l2 else None,
        name="user_embedding",
    )(user)
    logits = layers.Dense(
        num_items + 1,
        kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
        name="item_scores",
    )(user_vector)
    return keras.Model(user, logits, name=_MODEL_NAME)


def training_targets(split: LeaveLastOut) -> np.ndarray:
    """Return each user's training items as a multi-hot row over the item codes.

    Taught in notebooks/06_embeddings_matrix_factorization.ipynb (section 4).

    Args:
        split: the leave-last-out split; only ``split.train`` is used.

    Returns:
        A float32 array of shape ``(num_users, num_items + 1)`` with 1.0 where the user
        interacted with the item in training; column 0 (padding) is 0.

    Raises:
        ValueError: if ``split`` is not a LeaveLastOut.
    """
    check_split(split)
    return _targets(split)


def _targets(split: LeaveLastOut) -> np.ndarray:
    """:func:`training_targets` without the check."""
    users = split.encode_users(split.train["user_id"].to_numpy())
    codes = split.encode_items(split.train["item_id"].to_numpy())
    targets = np.zeros((split.num_users, split.num_items + 1), dtype=np.float32)
    targets[users, codes] = 1.0
    return targets


def _check_model(model: object) -> None:
    """Raise ValueError if ``model`` is not a model from :func:`build_model`."""
    if not isinstance(model, keras.Model) or model.name != _MODEL_NAME:
        raise ValueError(f"model must be an MF model from build_model, got {model!r}.")


def _score_users(model: keras.Model, users: np.ndarray) -> np.ndarray:
    """Score every item code for each user row."""
    return training.score_in_batches(model.predict_on_batch, users, batch_size=1024)


def score_histories(
    model: keras.Model,
    histories: Sequence[Sequence[int]],
    users: int | Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Score every item code after each history: the user's learned row, or a fold-in.

    MF never reads a history. For a known user (``users``) the scores are that user's row,
    whatever the history. For a history of no known user (``users=None``) the mean of its
    items' vectors stands in for the user vector (fold-in): ``mean(q_j) . q_i + b_i``; each
    such history needs one item or more. See :class:`course_utils.models.CourseModel`.
    """
    _check_model(model)
    known = int(model.get_layer("user_embedding").input_dim)
    rows = training.user_rows(users, len(histories), known)
    if rows is not None:
        return _score_users(model, np.ascontiguousarray(rows))
    layer = model.get_layer("item_scores")
    vectors = layer.kernel.numpy().T.astype(np.float64)
    bias = layer.bias.numpy().astype(np.float64)
    folded = []
    for row, history in enumerate(histories):
        codes = np.asarray(history)
        if codes.size == 0:
            raise ValueError(
                f"histories[{row}] is empty: fold-in needs at least one item; recommend "
                "popular items to a user with no history."
            )
        if (
            codes.ndim != 1
            or not np.issubdtype(codes.dtype, np.integer)
            or not 1 <= codes.min() <= codes.max() < len(vectors)
        ):
            raise ValueError(
                f"histories[{row}] must be a list of item codes from 1 to {len(vectors) - 1}; "
                "encode movie ids with split.encode_items first."
            )
        folded.append(vectors[codes].mean(axis=0))
    return np.stack(folded) @ vectors.T + bias


def score(model: keras.Model, split: LeaveLastOut, stage: str) -> np.ndarray:
    """Score every item code for every user.

    The model does not use the order of the history, so the scores are the same for both
    stages; filter the seen items with ``exclude=split.seen_items(stage)`` when evaluating.
    As :class:`course_utils.models.CourseModel` describes: a float64 ``(num_users,
    num_items + 1)`` matrix (column 0 is padding), for the split the model was trained on. Taught in notebooks/06_embeddings_matrix_factorization.ipynb (section 4).
    """
    _check_model(model)
    training.check_fits(model, split, stage)
    return _score_users(model, np.arange(split.num_users, dtype=np.int32))


def train(
    split: LeaveLastOut,
    config: dict[str, Any] = DEFAULT_CONFIG,
    *,
    verbose: bool = True,
) -> tuple[keras.Model, dict[str, Any]]:
    """Build and train a matrix-factorisation model on a split's training interactions.

    Training minimises the softmax cross-entropy of each user's training items over all
    item codes (one multi-hot row per user), ranks the validation targets after each epoch
    (with the seen items filtered out), keeps the best epoch's weights and stops when
    ``patience`` epochs bring no better NDCG@10. Returns ``(model, metadata)`` as :func:`course_utils.models.training.fit_with_validation`
    describes it; ``config`` entries missing take the values of :data:`DEFAULT_CONFIG`.

    Taught in notebooks/06_embeddings_matrix_factorization.ipynb (section 4), which runs
    exactly these steps.
    """
    check_split(split)
    full = _check_config(config)
    keras.utils.set_random_seed(full["seed"])
    model = build_model(split.num_items, split.num_users, **full)
    model.compile(
        optimizer=keras.optimizers.Adam(full["learning_rate"]),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    )
    users = np.arange(split.num_users, dtype=np.int32)
    targets = _targets(split)
    passes = full["passes_per_epoch"]
    metadata = training.fit_with_validation(
        model,
        np.tile(users, passes),
        np.tile(targets, (passes, 1)),
        valid_scores=lambda: _score_users(model, users),
        split=split,
        config=full,
        verbose=verbose,
    )
    return model, metadata
