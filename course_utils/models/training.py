"""Training plumbing for the Keras recommenders: validation ranking each epoch, timing.

The lesson in a model notebook is the model; this module holds what every model needs
around it: scoring all users, a callback that ranks the validation targets after each epoch
(printing one line per epoch, keeping the best weights and stopping early), and the timed
training run that the model modules share (:func:`fit_with_validation`).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from course_utils.metrics import evaluate_ranking
from course_utils.splits import check_split, check_stage
from course_utils.validation import check_int

__all__ = [
    "RankingValidation",
    "check_fits",
    "derived_model",
    "fit_with_validation",
    "predict_rows",
    "score_in_batches",
    "user_rows",
]


def score_in_batches(
    score_batch: Callable[[np.ndarray], np.ndarray], inputs: np.ndarray, batch_size: int = 512
) -> np.ndarray:
    """Score every row of ``inputs`` in batches and stack the scores as float64.

    Args:
        score_batch: maps a batch of inputs to scores of shape ``(batch, num_items + 1)``,
            for example ``lambda x: model.predict_on_batch(x)``.
        inputs: one row per user (a padded sequence, or a user index).
        batch_size: rows per batch.

    Returns:
        The score matrix, one row per input row.

    Raises:
        ValueError: if ``inputs`` is empty or ``batch_size`` is not a positive int.
    """
    batch_size = check_int(batch_size, "batch_size", 1)
    if len(inputs) == 0:
        raise ValueError("inputs is empty: there is nothing to score.")
    parts = [
        np.asarray(score_batch(inputs[start : start + batch_size]), dtype=np.float64)
        for start in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(parts, axis=0)


def predict_rows(model: keras.Model, inputs: dict[str, np.ndarray], batch_size: int) -> np.ndarray:
    """Score every row of ``inputs`` (named arrays, one row per example) in batches.

    Only the inputs that ``model`` reads are fed, so one dict serves a model with a user input
    and one without.
    """
    names = [tensor.name for tensor in model.inputs]
    rows = np.arange(len(next(iter(inputs.values()))))
    return score_in_batches(
        lambda batch: model.predict_on_batch({name: inputs[name][batch] for name in names}),
        rows,
        batch_size=batch_size,
    )


#: The models built from a model (its last position, say), by model and key: built once.
_DERIVED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def derived_model(
    model: keras.Model, key: object, build: Callable[[keras.Model], keras.Model]
) -> keras.Model:
    """Return ``build(model)``, a model sharing ``model``'s weights, built once per key.

    Building a Keras model and tracing its first call cost far more than scoring one
    history, so code that scores histories one call at a time reuses the same model.
    """
    cache = _DERIVED.setdefault(model, {})
    if key not in cache:
        cache[key] = build(model)
    return cache[key]


def check_fits(model: keras.Model, split: Any, stage: str) -> None:
    """Raise ValueError unless ``split`` is a split, ``stage`` one of its stages, and ``model``
    scores the split's item codes and knows its users."""
    check_split(split)
    check_stage(stage)
    columns = int(model.output.shape[-1])
    if columns != split.num_items + 1:
        raise ValueError(
            f"the model scores {columns} item codes but the split has {split.num_items} items "
            "(+1 for padding); use the split the model was trained on."
        )
    if any(layer.name == "user_embedding" for layer in model.layers):
        users = int(model.get_layer("user_embedding").input_dim)
        if users != split.num_users:
            raise ValueError(
                f"the model knows {users} users but the split has {split.num_users}; use the "
                "split the model was trained on."
            )


def user_rows(users: Any, count: int, num_users: int | None) -> np.ndarray | None:
    """Return ``users`` as ``count`` int32 user rows (one row is repeated), or None for None.

    Raises:
        ValueError: if a row is not an integer from 0 to ``num_users - 1`` (any integer >= 0
            when ``num_users`` is None), or there is neither one row nor one per history.
    """
    if users is None:
        return None
    rows = np.asarray(users)
    if rows.ndim > 1 or (rows.ndim == 1 and len(rows) != count):
        raise ValueError(
            f"users must be one user row or one per history ({count}), got shape {rows.shape}."
        )
    largest = "" if num_users is None else f" to {num_users - 1}"
    if (rows.size and not np.issubdtype(rows.dtype, np.integer)) or rows.dtype == bool:
        raise ValueError(f"users must be integer rows of split.user_ids, got dtype {rows.dtype}.")
    if rows.size and (rows.min() < 0 or (num_users is not None and rows.max() >= num_users)):
        raise ValueError(
            f"users must be rows from 0{largest} (split.encode_users(user_ids) gives them), "
            f"got {int(rows.min())} to {int(rows.max())}."
        )
    return np.broadcast_to(rows.astype(np.int32), (count,))


class RankingValidation(keras.callbacks.Callback):
    """Rank the validation targets after each epoch; keep the best weights; stop early.

    It prints one short line per epoch (loss, validation NDCG@k and HR@k, seconds), which
    lets a learner follow training without progress bars in the stored outputs.

    Args:
        score_users: returns the validation score matrix ``(n_users, num_items + 1)`` for
            the model as it is now.
        targets: the validation target code of each user.
        exclude: the items to exclude for each user (``split.seen_items("valid")``), or None.
        k: the cut-off.
        patience: epochs without a better NDCG@k before training stops.
        verbose: print one line per epoch.
    """

    def __init__(
        self,
        score_users: Callable[[], np.ndarray],
        targets: np.ndarray,
        exclude: Sequence[np.ndarray] | None = None,
        *,
        k: int = 10,
        patience: int = 3,
        verbose: bool = True,
    ) -> None:
        super().__init__()
        check_int(patience, "patience", 1)
        self.score_users = score_users
        self.targets = np.asarray(targets)
        self.exclude = exclude
        self.k = k
        self.patience = patience
        self.verbose = verbose
        self.history: list[dict[str, float]] = []
        self.best_ndcg = -np.inf
        self.best_epoch = 0
        self._best_weights: list[np.ndarray] | None = None
        self._epoch_start = 0.0
        self.seconds = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._train_start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        result = evaluate_ranking(self.score_users(), self.targets, k=self.k, exclude=self.exclude)
        row = {"epoch": epoch + 1, "loss": float((logs or {}).get("loss", np.nan)), **result}
        row["seconds"] = time.perf_counter() - self._epoch_start
        self.history.append(row)
        ndcg = result[f"NDCG@{self.k}"]
        if ndcg > self.best_ndcg:
            self.best_ndcg, self.best_epoch = ndcg, epoch + 1
            self._best_weights = self.model.get_weights()
        elif epoch + 1 - self.best_epoch >= self.patience:
            self.model.stop_training = True
        if self.verbose:
            print(
                f"epoch {epoch + 1:>2}  loss {row['loss']:.4f}  "
                f"valid NDCG@{self.k} {ndcg:.4f}  HR@{self.k} {result[f'HR@{self.k}']:.4f}  "
                f"{row['seconds']:.1f} s",
                flush=True,
            )

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
        self.seconds = time.perf_counter() - self._train_start
        if self.verbose:
            print(
                f"best epoch {self.best_epoch}: valid NDCG@{self.k} {self.best_ndcg:.4f}; "
                f"its weights are restored ({self.seconds:.0f} s in all)"
            )


def fit_with_validation(
    model: keras.Model,
    inputs: Any,
    targets: np.ndarray,
    *,
    valid_scores: Callable[[], np.ndarray],
    split: Any,
    config: dict[str, Any],
    verbose: bool = True,
) -> dict[str, Any]:
    """Train a compiled model with :class:`RankingValidation`, timed, and describe the run.

    The training loop shared by ``mf.train``, ``caser.train`` and ``sequence_rnn.train``:
    ``model.fit`` for up to ``config["max_epochs"]`` epochs of ``config["batch_size"]``
    shuffled examples, ranking the validation targets after each epoch (seen items
    filtered out), keeping the best epoch's weights and stopping after
    ``config["patience"]`` epochs without a better NDCG@10.

    Args:
        model: a compiled Keras model.
        inputs: its training inputs, as ``model.fit`` takes them.
        targets: the training targets.
        valid_scores: returns the current model's score matrix for the validation stage.
        split: the leave-last-out split (its validation targets and seen items are used).
        config: the model's full configuration, with ``batch_size``, ``max_epochs`` and
            ``patience``; it is stored in the metadata as it is.
        verbose: print one line per epoch.

    Returns:
        The metadata: ``seconds`` (training time), ``best_epoch``, ``epochs`` (epochs run),
        ``num_parameters``, ``config`` and ``valid`` (the validation metrics of the kept
        weights).
    """
    valid_targets, valid_seen = split.targets("valid"), split.seen_items("valid")
    validation = RankingValidation(
        valid_scores, valid_targets, valid_seen, patience=config["patience"], verbose=verbose
    )
    start = time.perf_counter()
    model.fit(
        inputs,
        targets,
        batch_size=config["batch_size"],
        epochs=config["max_epochs"],
        callbacks=[validation],
        shuffle=True,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "best_epoch": validation.best_epoch,
        "epochs": len(validation.history),
        "num_parameters": int(model.count_params()),
        "config": config,
        "valid": evaluate_ranking(valid_scores(), valid_targets, k=10, exclude=valid_seen),
    }
