"""A SASRec-style next-item recommender: causal self-attention over a user's latest items.

SASRec (Kang and McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018) reads a
history the way a Transformer decoder reads a sentence. Each item code becomes an embedding,
plus a learned embedding of its *position* in the window (attention alone cannot tell order
apart). ``num_blocks`` blocks then follow, each a causal multi-head self-attention layer and a
two-layer feed-forward network, with layer normalisation before each and a residual
connection around each, as in the original. Position ``t`` attends only to positions
``<= t`` (the causal mask) and never to padding (code 0), so the output at ``t`` depends on
the items up to ``t`` only. A dense layer turns every position's output into one score per
item code. Training asks every position to predict the next item (the full softmax
cross-entropy, padding masked), exactly as :mod:`course_utils.models.sequence_rnn` trains the
LSTM, on the same windows (:func:`sequence_rnn.training_chunks`). To recommend, the model
reads a user's latest ``max_len`` items and ranks the items by the last position's scores.

The model has no user embedding: it knows a user only through the items it reads.

Its hyperparameters were chosen on the validation targets by
``benchmarks/sasrec_benchmark.py`` (``benchmarks/results/sasrec.json``) and are kept in
:mod:`course_utils.configs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from course_utils import configs, explain
from course_utils.models import training
from course_utils.models.sequence_rnn import training_chunks
from course_utils.splits import LeaveLastOut, check_split
from course_utils.validation import check_fraction, check_int, check_positive, complete_config

__all__ = [
    "DEFAULT_CONFIG",
    "AddPositions",
    "build_model",
    "last_position_model",
    "score",
    "score_histories",
    "train",
    "without_causal_mask",
]

#: The hyperparameters chosen on the validation targets of ML-100K by
#: ``benchmarks/sasrec_benchmark.py`` (:data:`course_utils.configs.SASREC`).
DEFAULT_CONFIG: dict[str, Any] = dict(configs.SASREC)


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Return ``config`` completed with the defaults, or raise ValueError on a bad entry."""
    full = complete_config(config, DEFAULT_CONFIG)
    for key in ("max_len", "embedding_dim", "num_blocks", "num_heads", "batch_size"):
        check_int(full[key], key, 1)
    for key in ("max_epochs", "patience"):
        check_int(full[key], key, 1)
    check_int(full["seed"], "seed", 0)
    for key in ("dropout", "attention_dropout"):
        check_fraction(full[key], key)
    check_positive(full["learning_rate"], "learning_rate")
    if full["embedding_dim"] % full["num_heads"]:
        raise ValueError(
            f"embedding_dim ({full['embedding_dim']}) must be a multiple of num_heads "
            f"({full['num_heads']}): each head gets embedding_dim // num_heads dimensions."
        )
    return full


@keras.saving.register_keras_serializable(package="course_utils")
class AddPositions(layers.Layer):
    """Add a learned embedding of each position (0 to ``max_len - 1``) to the item embeddings.

    Left padding puts the newest item at the last position, ``max_len - 1``, for every user.
    The padding mask of the item embeddings passes through unchanged.
    """

    def __init__(self, max_len: int, embedding_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_len = int(max_len)
        self.embedding_dim = int(embedding_dim)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        self.positions = self.add_weight(
            shape=(self.max_len, self.embedding_dim),
            initializer="random_normal",
            name="positions",
        )

    def call(self, inputs: Any, mask: Any = None) -> Any:
        return inputs + ops.expand_dims(self.positions, 0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_len": self.max_len,
            "embedding_dim": self.embedding_dim,
        }


def build_model(num_items: int, num_users: int = 0, **config: Any) -> keras.Model:
    """Build an untrained SASRec-style model with named layers.

    Args:
        num_items: number of items; the model scores the ``num_items + 1`` item codes
            (code 0 is padding).
        num_users: ignored (the model has no user embedding); accepted so that every course
            model is built as ``build_model(num_items, num_users, **config)``.
        **config: entries of :data:`DEFAULT_CONFIG`; missing ones take the default. The
            training entries are accepted and ignored here.

    Returns:
        A ``keras.Model`` named ``"sasrec"`` whose input is ``{"items": (batch, max_len)}``,
        left-padded item codes, and whose output is the scores of every item code at every
        position, ``(batch, max_len, num_items + 1)``. Its layers are ``item_embedding``,
        ``positions``, ``embedding_dropout``, then for each block ``b``
        ``attention_norm_b``, ``attention_b``, ``attention_dropout_b``, ``attention_add_b``,
        ``feed_forward_norm_b``, ``feed_forward_b``, ``feed_forward_out_b``,
        ``feed_forward_dropout_b`` and ``feed_forward_add_b``, then ``final_norm`` and
        ``scores``.

    Raises:
        ValueError: if a count is not a positive int or a config entry is invalid.
    """
    num_items = check_int(num_items, "num_items", 1)
    full = _check_config(config)
    dim, heads = full["embedding_dim"], full["num_heads"]
    items = keras.Input(shape=(full["max_len"],), dtype="int32", name="items")
    # mask_zero=True: padding neither serves as a key of the attention nor counts in the loss.
    x = layers.Embedding(num_items + 1, dim, mask_zero=True, name="item_embedding")(items)
    x = AddPositions(full["max_len"], dim, name="positions")(x)
    x = layers.Dropout(full["dropout"], name="embedding_dropout")(x)
    # Keras' attention layer does not take the padding mask from its inputs by itself: pass
    # it, so that no position attends to padding.
    real = ops.not_equal(items, 0)
    for block in range(1, full["num_blocks"] + 1):
        queries = layers.LayerNormalization(epsilon=1e-6, name=f"attention_norm_{block}")(x)
        attended = layers.MultiHeadAttention(
            heads,
            dim // heads,
            dropout=full["attention_dropout"],
            name=f"attention_{block}",
        )(queries, x, query_mask=real, value_mask=real, use_causal_mask=True)
        attended = layers.Dropout(full["dropout"], name=f"attention_dropout_{block}")(attended)
        x = layers.Add(name=f"attention_add_{block}")([queries, attended])
        hidden = layers.LayerNormalization(epsilon=1e-6, name=f"feed_forward_norm_{block}")(x)
        inner = layers.Dense(dim, activation="relu", name=f"feed_forward_{block}")(hidden)
        inner = layers.Dense(dim, name=f"feed_forward_out_{block}")(inner)
        inner = layers.Dropout(full["dropout"], name=f"feed_forward_dropout_{block}")(inner)
        x = layers.Add(name=f"feed_forward_add_{block}")([hidden, inner])
    x = layers.LayerNormalization(epsilon=1e-6, name="final_norm")(x)
    scores = layers.Dense(num_items + 1, name="scores")(x)
    return keras.Model({"items": items}, scores, name="sasrec")


def _check_model(model: object) -> None:
    """Raise ValueError if ``model`` is not a model from :func:`build_model`."""
    if not (isinstance(model, keras.Model) and model.name == "sasrec"):
        raise ValueError(f"model must be a model from sasrec.build_model, got {model!r}.")


def last_position_model(model: keras.Model) -> keras.Model:
    """Return a model that scores only the last position, sharing ``model``'s weights.

    Args:
        model: a model from :func:`build_model`.

    Returns:
        A ``keras.Model`` from ``{"items": (batch, max_len)}`` to scores of shape
        ``(batch, num_items + 1)``.

    Raises:
        ValueError: if ``model`` is not a model from :func:`build_model`.
    """
    _check_model(model)
    last = model.get_layer("final_norm").output[:, -1, :]
    scores = model.get_layer("scores")(last)
    return keras.Model({"items": model.get_layer("items").output}, scores, name="sasrec_last")


def _max_len(model: keras.Model) -> int:
    """Return the model's input length."""
    return int(model.get_layer("items").output.shape[-1])


def _score_windows(model: keras.Model, items: np.ndarray) -> np.ndarray:
    """Score left-padded windows of item codes at the last position."""
    last = training.derived_model(model, "last position", last_position_model)
    return training.predict_rows(last, {"items": items}, 512)


def score_histories(
    model: keras.Model,
    histories: Sequence[Sequence[int]],
    users: int | Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Score every item code after each history, from its latest ``max_len`` items.

    The model has no user term, so a history is all it knows of a user: ``users`` are checked
    and not used. See :class:`course_utils.models.CourseModel`.
    """
    _check_model(model)
    items = explain.left_pad(histories, _max_len(model))
    training.user_rows(users, len(items), None)
    return _score_windows(model, items)


def score(model: keras.Model, split: LeaveLastOut, stage: str) -> np.ndarray:
    """Score every item code for every user at a stage, from the user's latest items.

    As :class:`course_utils.models.CourseModel` describes: a float64 ``(num_users,
    num_items + 1)`` matrix (column 0 is padding), for the split the model was trained on.
    """
    _check_model(model)
    training.check_fits(model, split, stage)
    return _score_windows(model, split.padded_sequences(stage, _max_len(model)))


def without_causal_mask(model: keras.Model) -> keras.Model:
    """Return the same architecture with ``use_causal_mask=False`` in every attention call.

    The change is one call argument in the model's Keras configuration; the new model has
    fresh weights (copy them with ``set_weights`` to compare the two). Taught in
    notebooks/09_self_attention_recommender.ipynb (section 3.4).

    Raises:
        ValueError: if the model has no attention call with the causal mask.
    """
    _check_model(model)
    config = model.get_config()
    changed = 0
    for layer in config["layers"]:
        for node in layer["inbound_nodes"]:
            if node["kwargs"].get("use_causal_mask"):
                node["kwargs"]["use_causal_mask"] = False
                changed += 1
    if not changed:
        raise ValueError("the model has no attention call with use_causal_mask=True.")
    return keras.Model.from_config(config)


def train(
    split: LeaveLastOut,
    config: dict[str, Any] = DEFAULT_CONFIG,
    *,
    verbose: bool = True,
    transform: Callable[[keras.Model], keras.Model] | None = None,
) -> tuple[keras.Model, dict[str, Any]]:
    """Build and train the model on a split's training histories, stopping on validation.

    Training minimises the full softmax cross-entropy over all item codes at every
    non-padded position of :func:`sequence_rnn.training_chunks`, ranks the validation targets
    after each epoch (seen items filtered out), keeps the best epoch's weights and stops when
    ``patience`` epochs bring no better NDCG@10. Returns ``(model, metadata)`` as :func:`course_utils.models.training.fit_with_validation`
    describes it; ``config`` entries missing take the values of :data:`DEFAULT_CONFIG`.

    ``transform``, if given, is applied to the built model before it is compiled, such as
    :func:`without_causal_mask`; it must keep the layers' names.
    """
    check_split(split)
    full = _check_config(config)
    inputs, targets = training_chunks(split, full["max_len"])
    if len(targets) == 0:
        raise ValueError("the split has no training transitions: every user has one training item.")
    keras.utils.set_random_seed(full["seed"])
    model = build_model(split.num_items, split.num_users, **full)
    if transform is not None:
        model = transform(model)
    model.compile(
        optimizer=keras.optimizers.Adam(full["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    last = last_position_model(model)
    valid_items = split.padded_sequences("valid", full["max_len"])
    metadata = training.fit_with_validation(
        model,
        {"items": inputs["items"]},
        targets,
        valid_scores=lambda: training.predict_rows(last, {"items": valid_items}, 512),
        split=split,
        config=full,
        verbose=verbose,
    )
    return model, metadata
