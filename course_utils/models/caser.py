"""Caser, a convolutional sequence embedding recommender (Tang and Wang, WSDM 2018).

The last ``max_len`` items of a user form an "image": a ``max_len x embedding_dim`` matrix
whose rows are the items' embeddings. Horizontal filters of heights ``1..max_len`` span the
whole width and slide down the time axis (the cross-correlation of notebook 02 with
``Q = embedding_dim``), followed by a max pooling over time; vertical filters of shape
``max_len x 1`` take weighted sums of the rows. Their outputs are concatenated, passed through
dropout and a dense layer, concatenated with a user embedding, and a last dense layer scores
every item code (column 0, the padding code, is never recommended by the metrics).

The model is trained with the full softmax cross-entropy over all items on every
"history so far -> next item" window of the training sequences.

Taught in notebooks/07_cnn_recommender.ipynb. Later notebooks reuse the trained model through
:mod:`course_utils.models.model_store` under the name ``"caser"`` and :data:`DEFAULT_CONFIG`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from course_utils import configs, explain
from course_utils.models import training
from course_utils.splits import LeaveLastOut, check_split, check_stage
from course_utils.validation import check_fraction, check_int, check_positive, complete_config

__all__ = [
    "DEFAULT_CONFIG",
    "PaddedImage",
    "build_model",
    "model_inputs",
    "score",
    "score_histories",
    "train",
    "training_examples",
]

#: The hyperparameters chosen on the validation targets of ML-100K by
#: ``benchmarks/neural_search.py`` (:data:`course_utils.configs.CASER`). The first entries
#: shape the model; the others shape its training.
DEFAULT_CONFIG: dict[str, Any] = dict(configs.CASER)


@keras.saving.register_keras_serializable(package="course_utils")
class PaddedImage(layers.Layer):
    """Turn a sequence's item embeddings into a one-channel image with zero padding rows.

    Item code 0 is padding. Its embedding row would be a learned vector like any other, so
    this layer multiplies it by 0: a padding row then adds nothing to any filter's sum.

    Call it as ``layer([embedded, sequence])`` with ``embedded`` of shape
    ``(batch, max_len, embedding_dim)`` and ``sequence`` the item codes, ``(batch, max_len)``.
    It returns shape ``(batch, max_len, embedding_dim, 1)``.
    """

    def call(self, inputs: list) -> Any:
        embedded, sequence = inputs
        keep = ops.cast(ops.not_equal(sequence, 0), embedded.dtype)
        return ops.expand_dims(embedded * ops.expand_dims(keep, -1), -1)

    def compute_output_shape(self, input_shape: list) -> tuple:
        return (*input_shape[0], 1)


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Return ``config`` completed with the defaults, or raise ValueError on a bad entry."""
    full = complete_config(config, DEFAULT_CONFIG)
    for key in ("max_len", "embedding_dim", "batch_size", "max_epochs", "patience"):
        check_int(full[key], key, 1)
    check_int(full["horizontal_filters"], "horizontal_filters", 0)
    check_int(full["vertical_filters"], "vertical_filters", 0)
    check_int(full["seed"], "seed", 0)
    if full["horizontal_filters"] == 0 and full["vertical_filters"] == 0:
        raise ValueError("horizontal_filters and vertical_filters cannot both be 0.")
    for key in ("dropout", "user_dropout"):
        check_fraction(full[key], key)
    check_positive(full["learning_rate"], "learning_rate")
    return full


def build_model(num_items: int, num_users: int, **config: Any) -> keras.Model:
    """Build an untrained Caser model with named layers.

    Taught in notebooks/07_cnn_recommender.ipynb (sections 2 and 3).

    Args:
        num_items: number of items; the model scores the ``num_items + 1`` item codes.
        num_users: number of users; user indices run from 0 to ``num_users - 1`` (the rows
            of ``split.user_ids``).
        **config: entries of :data:`DEFAULT_CONFIG`; missing ones take the default. The
            training entries (learning rate, batch size, epochs, patience, seed) are
            accepted and ignored here, so ``build_model(n, u, **config)`` works.

    Returns:
        A ``keras.Model`` named ``"caser"`` with inputs ``{"sequence": (max_len,) int,
        "user": () int}`` and output logits of shape ``(batch, num_items + 1)``.

    Raises:
        ValueError: if a count is not a positive int or a config entry is invalid.
    """
    num_items = check_int(num_items, "num_items", 1)
    num_users = check_int(num_users, "num_users", 1)
    full = _check_config(config)
    max_len, dim = full["max_len"], full["embedding_dim"]

    sequence = keras.Input(shape=(max_len,), dtype="int32", name="sequence")
    user = keras.Input(shape=(), dtype="int32", name="user")
    embedded = layers.Embedding(num_items + 1, dim, name="item_embedding")(sequence)
    image = PaddedImage(name="image")([embedded, sequence])

    features = []
    for height in range(1, max_len + 1) if full["horizontal_filters"] else ():
        feature_map = layers.Conv2D(
            full["horizontal_filters"],
            (height, dim),
            activation="relu",
            name=f"horizontal_{height}",
        )(image)
        features.append(layers.GlobalMaxPooling2D(name=f"max_over_time_{height}")(feature_map))
    if full["vertical_filters"]:
        vertical = layers.Conv2D(full["vertical_filters"], (max_len, 1), name="vertical")(image)
        features.append(layers.Flatten(name="vertical_flat")(vertical))
    merged = (
        layers.Concatenate(name="conv_features")(features) if len(features) > 1 else features[0]
    )
    merged = layers.Dropout(full["dropout"], name="dropout")(merged)
    sequence_vector = layers.Dense(dim, activation="relu", name="sequence_vector")(merged)
    user_vector = layers.Embedding(num_users, dim, name="user_embedding")(user)
    user_vector = layers.Dropout(full["user_dropout"], name="user_dropout")(user_vector)
    both = layers.Concatenate(name="sequence_and_user")([sequence_vector, user_vector])
    logits = layers.Dense(num_items + 1, name="item_scores")(both)
    return keras.Model({"sequence": sequence, "user": user}, logits, name="caser")


def training_examples(
    split: LeaveLastOut, max_len: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Return every training window with its user index, and the next item of each.

    Taught in notebooks/07_cnn_recommender.ipynb (section 4).

    Args:
        split: the leave-last-out split.
        max_len: the window length ``L``.

    Returns:
        ``({"sequence": (n, max_len) int32, "user": (n,) int32}, targets (n,) int32)``.

    Raises:
        ValueError: if ``max_len`` is not a positive int.
    """
    sequences, targets = split.training_windows(max_len)
    lengths = np.array([len(history) for history in split.histories("valid")])
    users = np.repeat(np.arange(split.num_users, dtype=np.int32), np.maximum(lengths - 1, 0))
    return {"sequence": sequences, "user": users}, targets


def model_inputs(split: LeaveLastOut, stage: str, max_len: int) -> dict[str, np.ndarray]:
    """Return the model's inputs for ranking every user's next item at a stage.

    Args:
        split: the leave-last-out split.
        stage: ``"valid"`` or ``"test"`` (the test history includes the validation item).
        max_len: the window length ``L``.

    Returns:
        ``{"sequence": (num_users, max_len) int32, "user": (num_users,) int32}``.

    Raises:
        ValueError: if ``stage`` is unknown or ``max_len`` is not a positive int.
    """
    check_split(split)
    check_stage(stage)
    return _inputs(split, stage, max_len)


def _max_len_of(model: keras.Model) -> int:
    """Return the window length ``L`` the model reads."""
    return int(model.get_layer("item_embedding").input.shape[-1])


def _check_model(model: object) -> None:
    """Raise ValueError if ``model`` is not a model from :func:`build_model`."""
    if not isinstance(model, keras.Model) or model.name != "caser":
        raise ValueError(f"model must be a Caser model from build_model, got {model!r}.")


def _without_user(model: keras.Model) -> keras.Model:
    """Return a model of the sequence alone, its user vector zero, sharing ``model``'s weights."""
    sequence_vector = model.get_layer("sequence_vector").output
    no_user = layers.Lambda(ops.zeros_like, name="no_user")(sequence_vector)
    both = model.get_layer("sequence_and_user")([sequence_vector, no_user])
    scores = model.get_layer("item_scores")(both)
    return keras.Model({"sequence": model.input["sequence"]}, scores, name="caser_without_user")


def score_histories(
    model: keras.Model,
    histories: Sequence[Sequence[int]],
    users: int | Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Score every item code after each history (its last ``L`` items): the contract's scores.

    With ``users=None`` (histories of no known user) the user vector is zero, as for a newcomer
    whose embedding was never trained. See :class:`course_utils.models.CourseModel`.
    """
    _check_model(model)
    windows = explain.left_pad(histories, _max_len_of(model))
    known = int(model.get_layer("user_embedding").input_dim)
    rows = training.user_rows(users, len(windows), known)
    if rows is None:
        newcomer = training.derived_model(model, "without user", _without_user)
        return training.predict_rows(newcomer, {"sequence": windows}, 1024)
    return training.predict_rows(model, {"sequence": windows, "user": rows}, 1024)


def score(model: keras.Model, split: LeaveLastOut, stage: str) -> np.ndarray:
    """Score every item code for every user at a stage, from the user's last ``L`` items.

    As :class:`course_utils.models.CourseModel` describes: a float64 ``(num_users,
    num_items + 1)`` matrix (column 0 is padding), for the split the model was trained on. Taught in notebooks/07_cnn_recommender.ipynb (section 5).
    """
    _check_model(model)
    training.check_fits(model, split, stage)
    return training.predict_rows(model, _inputs(split, stage, _max_len_of(model)), 1024)


def _inputs(split: LeaveLastOut, stage: str, max_len: int) -> dict[str, np.ndarray]:
    """:func:`model_inputs` without the checks."""
    return {
        "sequence": split.padded_sequences(stage, max_len),
        "user": np.arange(split.num_users, dtype=np.int32),
    }


def train(
    split: LeaveLastOut,
    config: dict[str, Any] = DEFAULT_CONFIG,
    *,
    verbose: bool = True,
) -> tuple[keras.Model, dict[str, Any]]:
    """Build and train a Caser model on a split's training windows.

    Training minimises the full softmax cross-entropy over all item codes, ranks the
    validation targets after each epoch (with the seen items filtered out), keeps the best
    epoch's weights and stops when ``patience`` epochs bring no better NDCG@10.
    Returns ``(model, metadata)`` as :func:`course_utils.models.training.fit_with_validation`
    describes it; ``config`` entries missing take the values of :data:`DEFAULT_CONFIG`. Taught in notebooks/07_cnn_recommender.ipynb (section 5).
    """
    check_split(split)
    full = _check_config(config)
    keras.utils.set_random_seed(full["seed"])
    model = build_model(split.num_items, split.num_users, **full)
    model.compile(
        optimizer=keras.optimizers.Adam(full["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    inputs, targets = training_examples(split, full["max_len"])
    valid_inputs = _inputs(split, "valid", full["max_len"])
    metadata = training.fit_with_validation(
        model,
        inputs,
        targets,
        valid_scores=lambda: training.predict_rows(model, valid_inputs, 1024),
        split=split,
        config=full,
        verbose=verbose,
    )
    return model, metadata
