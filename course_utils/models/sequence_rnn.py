"""A GRU4Rec-style next-item recommender: item embeddings read by an LSTM or a GRU.

A user's history is a sequence of item codes. An embedding layer turns each code into a
vector ``x_t``; a recurrent layer (``keras.layers.LSTM`` or ``keras.layers.GRU``, with the
default tanh activation) reads the vectors and keeps a state ``h_t``; a dense output layer
turns every state into one score per item code, ``y_t = W_y h_t + b_y``: the article's
output layer. Training asks every position to predict the item that comes next (the full
softmax cross-entropy over all item codes), as GRU4Rec does (Hidasi et al., ICLR 2016);
padding (code 0) is masked, so it neither feeds the recurrence nor counts in the loss. To
recommend, the model reads a user's latest ``max_len`` items and ranks the items by the
scores of the last position.

With ``user_dim > 0`` the model also learns a user embedding ``p_u`` (the user's long-term
taste, as in matrix factorisation) and adds the same score vector ``W_u p_u`` to every
position: ``y_t = W_y h_t + b_y + W_u p_u``. Heavy dropout on ``p_u`` keeps it from
memorising the user's own history (see the notebook). With ``user_dim = 0`` the model is
user-independent, like GRU4Rec: it knows a user only through the items it reads.

Taught in notebooks/08_lstm_recommender.ipynb. Later notebooks reuse the trained models
through :mod:`course_utils.models.model_store` under the names ``"lstm"`` and ``"gru"`` with
:data:`CONFIGS`.
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
    "CELLS",
    "CONFIGS",
    "DEFAULT_CONFIG",
    "AddToEveryStep",
    "build_model",
    "last_position_model",
    "model_inputs",
    "score",
    "score_histories",
    "train",
    "training_chunks",
]

#: The recurrent layers the model can use, by config name.
CELLS: dict[str, type] = {"lstm": layers.LSTM, "gru": layers.GRU}

#: The LSTM's hyperparameters, chosen on the validation targets of ML-100K by
#: ``benchmarks/neural_search.py`` (:data:`course_utils.configs.LSTM`). The first seven shape
#: the network; the others shape its training.
DEFAULT_CONFIG: dict[str, Any] = dict(configs.LSTM)

#: The configuration of each stored model, by model-store name.
CONFIGS: dict[str, dict[str, Any]] = {"lstm": dict(configs.LSTM), "gru": dict(configs.GRU)}


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Return ``config`` completed with the defaults, or raise ValueError on a bad entry."""
    full = complete_config(config, DEFAULT_CONFIG)
    if full["cell"] not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {full['cell']!r}.")
    for key in ("max_len", "embedding_dim", "units", "batch_size", "max_epochs", "patience"):
        check_int(full[key], key, 1)
    check_int(full["user_dim"], "user_dim", 0)
    check_int(full["seed"], "seed", 0)
    for key in ("dropout", "user_dropout"):
        check_fraction(full[key], key)
    check_positive(full["learning_rate"], "learning_rate")
    return full


@keras.saving.register_keras_serializable(package="course_utils")
class AddToEveryStep(layers.Layer):
    """Add one vector per sequence to every time step, keeping the time steps' mask.

    Call it as ``layer([per_step, per_sequence])`` with ``per_step`` of shape
    ``(batch, timesteps, n)`` and ``per_sequence`` of shape ``(batch, n)``. Keras' ``Add``
    layer would drop the padding mask of ``per_step``; this layer passes it on, so the loss
    still ignores padded positions.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: list, mask: Any = None) -> Any:
        per_step, per_sequence = inputs
        return per_step + ops.expand_dims(per_sequence, 1)

    def compute_mask(self, inputs: list, mask: Any = None) -> Any:
        return None if mask is None else mask[0]

    def compute_output_shape(self, input_shape: list) -> tuple:
        return tuple(input_shape[0])


def build_model(num_items: int, num_users: int = 0, **config: Any) -> keras.Model:
    """Build an untrained recurrent next-item model with named layers.

    Taught in notebooks/08_lstm_recommender.ipynb (section 3).

    Args:
        num_items: number of items; the model scores the ``num_items + 1`` item codes
            (code 0 is padding).
        num_users: number of users (the rows of ``split.user_ids``); needed when
            ``user_dim > 0``, ignored otherwise.
        **config: entries of :data:`DEFAULT_CONFIG`; missing ones take the default. The
            training entries (learning rate, batch size, epochs, patience, seed) are
            accepted and ignored here, so ``build_model(n, u, **config)`` works.

    Returns:
        A ``keras.Model`` named ``"<cell>_recommender"``. Its inputs are a dict:
        ``"items"``, left-padded item-code sequences of shape ``(batch, max_len)``, and,
        when ``user_dim > 0``, ``"user"``, user indices of shape ``(batch,)``. Its output is
        the scores of every item code at every position, ``(batch, max_len,
        num_items + 1)``. Its layers are ``item_embedding``, ``embedding_dropout``,
        ``lstm`` or ``gru``, ``state_dropout`` and ``scores``, then (with a user embedding)
        ``user_embedding``, ``user_dropout``, ``user_scores`` and ``scores_with_user``.

    Raises:
        ValueError: if a count is not a positive int or a config entry is invalid.
    """
    num_items = check_int(num_items, "num_items", 1)
    full = _check_config(config)
    if full["user_dim"]:
        num_users = check_int(num_users, "num_users", 1)
    cell = full["cell"]
    items = keras.Input(shape=(full["max_len"],), dtype="int32", name="items")
    inputs = {"items": items}
    # mask_zero=True: the padding code 0 makes a mask that the recurrent layer uses to skip
    # padded steps and that the loss uses to ignore padded positions.
    x = layers.Embedding(
        num_items + 1, full["embedding_dim"], mask_zero=True, name="item_embedding"
    )(items)
    x = layers.Dropout(full["dropout"], name="embedding_dropout")(x)
    # The default activation (tanh) keeps the states bounded and lets Keras use its fused
    # kernels; the article's activation='relu' would give up both.
    h = CELLS[cell](full["units"], return_sequences=True, name=cell)(x)
    h = layers.Dropout(full["dropout"], name="state_dropout")(h)
    scores = layers.Dense(num_items + 1, name="scores")(h)
    if full["user_dim"]:
        user = keras.Input(shape=(), dtype="int32", name="user")
        inputs["user"] = user
        taste = layers.Embedding(num_users, full["user_dim"], name="user_embedding")(user)
        taste = layers.Dropout(full["user_dropout"], name="user_dropout")(taste)
        user_scores = layers.Dense(num_items + 1, use_bias=False, name="user_scores")(taste)
        scores = AddToEveryStep(name="scores_with_user")([scores, user_scores])
    return keras.Model(inputs, scores, name=f"{cell}_recommender")


def _check_model(model: object) -> str:
    """Return the model's cell name, or raise ValueError if it is not from build_model."""
    if isinstance(model, keras.Model):
        for cell in CELLS:
            if model.name == f"{cell}_recommender":
                return cell
    raise ValueError(f"model must be a model from sequence_rnn.build_model, got {model!r}.")


def last_position_model(model: keras.Model, *, with_user: bool = True) -> keras.Model:
    """Return a model that scores only the last position, sharing ``model``'s weights.

    Recommending needs the scores after the newest item only; applying the output layer to
    that one state instead of every position saves most of the work.

    Args:
        model: a model from :func:`build_model`.
        with_user: keep the user term ``W_u p_u`` (when the model has one). With False the
            returned model reads only ``{"items": ...}`` and scores ``W_y h_T + b_y``, as
            for a user whose embedding is zero: a way to serve a history that belongs to
            no known user (cold start).

    Returns:
        A ``keras.Model`` with output scores of shape ``(batch, num_items + 1)``; its inputs
        are ``model``'s, or only ``"items"`` when the user term is left out.

    Raises:
        ValueError: if ``model`` is not a model from :func:`build_model`.
    """
    cell = _check_model(model)
    last_state = model.get_layer(cell).output[:, -1, :]
    scores = model.get_layer("scores")(last_state)
    if with_user and _uses_users(model):
        scores = layers.Add(name="last_with_user")([scores, model.get_layer("user_scores").output])
        return keras.Model(model.inputs, scores, name=f"{cell}_last_position")
    items = model.get_layer("items").output
    return keras.Model({"items": items}, scores, name=f"{cell}_last_position")


def _uses_users(model: keras.Model) -> bool:
    """Return whether the model has the user term."""
    return any(layer.name == "user_embedding" for layer in model.layers)


def model_inputs(split: LeaveLastOut, stage: str, max_len: int) -> dict[str, np.ndarray]:
    """Return the model's inputs for ranking every user's next item at a stage.

    Args:
        split: the leave-last-out split.
        stage: ``"valid"`` or ``"test"`` (the test history includes the validation item).
        max_len: the model's input length.

    Returns:
        ``{"items": (num_users, max_len) int32, "user": (num_users,) int32}``; a model
        without a user embedding ignores ``"user"``.

    Raises:
        ValueError: if ``split`` or ``stage`` is invalid or ``max_len`` is not a positive int.
    """
    check_split(split)
    check_stage(stage)
    return {
        "items": split.padded_sequences(stage, max_len),
        "user": np.arange(split.num_users, dtype=np.int32),
    }


def training_chunks(split: LeaveLastOut, max_len: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Cut every user's whole training history into shifted (inputs, targets) windows.

    ``split.training_sequences(max_len)`` keeps only each user's last ``max_len + 1``
    training items. This function also keeps the older ones: it walks back from the end of
    each history in steps of ``max_len``, so every training transition (an item and the
    item after it) is a target exactly once. The newest window of each user is that user's
    row of ``split.training_sequences(max_len)``. Only training items are used.

    Taught in notebooks/08_lstm_recommender.ipynb (section 2).

    Args:
        split: the leave-last-out split.
        max_len: the length of each window.

    Returns:
        ``({"items": (n_windows, max_len) int32, "user": (n_windows,) int32}, targets)``
        with ``targets`` of shape ``(n_windows, max_len)``: ``targets[w, j]`` is the item
        after ``items[w, j]``. Both are left-padded with 0, ordered by user and then from
        the newest window to the oldest; ``user`` is the row of the window's user.

    Raises:
        ValueError: if ``split`` is not a split or ``max_len`` is not a positive int.
    """
    check_split(split)
    return _chunks(split, check_int(max_len, "max_len", 1))


def _chunks(split: LeaveLastOut, max_len: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`training_chunks` without the checks."""
    items, users, targets = [], [], []
    for user, history in enumerate(split.histories("valid")):
        for end in range(len(history), 1, -max_len):
            window = history[max(0, end - max_len - 1) : end]
            pairs = len(window) - 1
            row_items = np.zeros(max_len, dtype=np.int32)
            row_targets = np.zeros(max_len, dtype=np.int32)
            row_items[max_len - pairs :] = window[:-1]
            row_targets[max_len - pairs :] = window[1:]
            items.append(row_items)
            targets.append(row_targets)
            users.append(user)
    if not items:
        empty = np.zeros((0, max_len), dtype=np.int32)
        return {"items": empty, "user": np.zeros(0, dtype=np.int32)}, empty.copy()
    return {"items": np.stack(items), "user": np.array(users, dtype=np.int32)}, np.stack(targets)


def _max_len(model: keras.Model) -> int:
    """Return the model's input length."""
    return int(model.get_layer("item_embedding").input.shape[-1])


def _score_windows(model: keras.Model, items: np.ndarray, users: np.ndarray | None) -> np.ndarray:
    """Score left-padded windows at the last position; no ``users``, no user term."""
    with_user = users is not None and _uses_users(model)
    inputs = {"items": items, "user": users} if with_user else {"items": items}
    last = training.derived_model(
        model, ("last position", with_user), lambda m: last_position_model(m, with_user=with_user)
    )
    return training.predict_rows(last, inputs, 512)


def score_histories(
    model: keras.Model,
    histories: Sequence[Sequence[int]],
    users: int | Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Score every item code after each history, from its latest ``max_len`` items.

    With ``users=None`` (histories of no known user) the user term ``W_u p_u`` is left out; a
    model without a user term ignores ``users``. See :class:`course_utils.models.CourseModel`.
    """
    _check_model(model)
    items = explain.left_pad(histories, _max_len(model))
    known = int(model.get_layer("user_embedding").input_dim) if _uses_users(model) else None
    return _score_windows(model, items, training.user_rows(users, len(items), known))


def score(model: keras.Model, split: LeaveLastOut, stage: str) -> np.ndarray:
    """Score every item code for every user at a stage, from the user's latest items.

    The model reads each user's latest ``max_len`` items (its input length) and the scores
    of the last position rank the items, as :func:`score_histories` does for any histories.
    As :class:`course_utils.models.CourseModel` describes: a float64 ``(num_users,
    num_items + 1)`` matrix (column 0 is padding), for the split the model was trained on. Taught in notebooks/08_lstm_recommender.ipynb (section 5).
    """
    _check_model(model)
    training.check_fits(model, split, stage)
    items = split.padded_sequences(stage, _max_len(model))
    return _score_windows(model, items, np.arange(split.num_users, dtype=np.int32))


def train(
    split: LeaveLastOut,
    config: dict[str, Any] = DEFAULT_CONFIG,
    *,
    verbose: bool = True,
) -> tuple[keras.Model, dict[str, Any]]:
    """Build and train a recurrent next-item model on a split's training histories.

    Training minimises the full softmax cross-entropy over all item codes at every
    non-padded position of :func:`training_chunks`, ranks the validation targets after each
    epoch (with the seen items filtered out), keeps the best epoch's weights and stops when
    ``patience`` epochs bring no better NDCG@10. Returns ``(model, metadata)`` as :func:`course_utils.models.training.fit_with_validation`
    describes it; ``config`` entries missing take the values of :data:`DEFAULT_CONFIG`.

    Taught in notebooks/08_lstm_recommender.ipynb (sections 4 and 7).
    """
    check_split(split)
    full = _check_config(config)
    inputs, targets = _chunks(split, full["max_len"])
    if len(targets) == 0:
        raise ValueError("the split has no training transitions: every user has one training item.")
    keras.utils.set_random_seed(full["seed"])
    model = build_model(split.num_items, split.num_users, **full)
    model.compile(
        optimizer=keras.optimizers.Adam(full["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    if not full["user_dim"]:
        inputs = {"items": inputs["items"]}
    # One last-position model for every epoch's validation: it shares the weights.
    last = last_position_model(model)
    valid_inputs = {
        "items": split.padded_sequences("valid", full["max_len"]),
        "user": np.arange(split.num_users, dtype=np.int32),
    }
    metadata = training.fit_with_validation(
        model,
        inputs,
        targets,
        valid_scores=lambda: training.predict_rows(last, valid_inputs, 512),
        split=split,
        config=full,
        verbose=verbose,
    )
    return model, metadata
