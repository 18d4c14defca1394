"""Training plumbing for the Keras recommenders: validation ranking each epoch, timing.

The lesson in a model notebook is the model; this module holds what every model needs
around it: scoring all users, a callback that ranks the validation targets after each epoch
(printing one line per epoch, keeping the best weights and stopping early), and the timed
training run that the model modules share (:func:`fit_with_validation`).

Importing this module imports Keras, so it sets TensorFlow's environment first
(see :mod:`course_utils.setup`). Notebooks import it after the setup cell.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils.setup import set_tensorflow_environment

set_tensorflow_environment()

import keras  # noqa: E402  (the environment must be set before Keras imports TensorFlow)

from course_utils.metrics import evaluate_ranking  # noqa: E402

__all__ = ["RankingValidation", "fit_with_validation", "score_in_batches"]


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
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    if len(inputs) == 0:
        raise ValueError("inputs is empty: there is nothing to score.")
    parts = [
        np.asarray(score_batch(inputs[start : start + batch_size]), dtype=np.float64)
        for start in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(parts, axis=0)


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
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive int, got {patience!r}.")
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
