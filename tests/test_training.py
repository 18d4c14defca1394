"""Tests for course_utils.models.training on a tiny synthetic problem."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.setup import setup_notebook


@pytest.fixture(scope="module")
def training():
    setup_notebook(0, verbose=False)
    from course_utils.models import training

    return training


def test_score_in_batches_stacks_rows(training) -> None:
    inputs = np.arange(10).reshape(10, 1)
    scores = training.score_in_batches(lambda x: np.repeat(x, 3, axis=1), inputs, batch_size=3)
    assert scores.shape == (10, 3) and scores.dtype == np.float64
    assert scores[:, 0].tolist() == list(range(10))
    with pytest.raises(ValueError, match="batch_size"):
        training.score_in_batches(lambda x: x, inputs, batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        training.score_in_batches(lambda x: x, inputs[:0])


def test_ranking_validation_keeps_best_weights_and_stops(training, capsys) -> None:
    import keras

    num_items, n_users = 6, 8
    targets = np.full(n_users, 3)
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(num_items + 1, name="scores")], name="tiny"
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    users = np.zeros((n_users, 1), dtype="float32")
    callback = training.RankingValidation(
        lambda: model.predict(users, verbose=0), targets, k=1, patience=2
    )
    model.fit(users, targets, epochs=6, verbose=0, callbacks=[callback], batch_size=n_users)
    out = capsys.readouterr().out
    assert "epoch  1" in out and "best epoch" in out
    assert callback.best_ndcg == 1.0, "the target becomes the top item"
    best = max(callback.history, key=lambda row: row["NDCG@1"])
    assert best["epoch"] == callback.best_epoch
    assert len(callback.history) < 6, "no better NDCG for 2 epochs stops training early"
    with pytest.raises(ValueError, match="patience"):
        training.RankingValidation(lambda: None, targets, patience=0)
