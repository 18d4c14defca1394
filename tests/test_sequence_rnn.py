"""Tests for course_utils.models.sequence_rnn on a small synthetic log with planted patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils import metrics
from course_utils.setup import setup_notebook
from course_utils.synthetic import make_synthetic_log

SMALL = {
    "max_len": 20,
    "embedding_dim": 16,
    "units": 32,
    "dropout": 0.1,
    "user_dim": 0,
    "learning_rate": 0.01,
    "batch_size": 64,
    "max_epochs": 12,
    "patience": 3,
    "seed": 0,
}


@pytest.fixture(scope="module")
def rnn():
    setup_notebook(0, verbose=False)
    from course_utils.models import sequence_rnn

    return sequence_rnn


@pytest.fixture(scope="module")
def log():  # a smaller log than conftest's; conftest's ``split`` splits it
    return make_synthetic_log(num_users=300, num_items=120, seed=0)


@pytest.fixture(scope="module")
def trained(rnn, split):
    return rnn.train(split, {**SMALL, "cell": "gru"}, verbose=False)


def test_training_chunks_cover_every_transition_once(rnn, split) -> None:
    chunks, targets = rnn.training_chunks(split, 7)
    inputs, users = chunks["items"], chunks["user"]
    assert inputs.shape == targets.shape and inputs.shape[1] == 7
    assert inputs.dtype == np.int32 and users.shape == (len(inputs),)
    assert np.all(np.diff(users) >= 0) and set(users) == set(range(split.num_users))
    assert np.array_equal(inputs > 0, targets > 0), "inputs and targets pad the same positions"
    pairs = sorted(zip(inputs[inputs > 0].tolist(), targets[targets > 0].tolist()))
    expected = sorted(
        (int(a), int(b))
        for history in split.histories("valid")
        for a, b in zip(history[:-1], history[1:])
    )
    assert pairs == expected
    # The newest window of each user is that user's row of training_sequences.
    newest, newest_targets = split.training_sequences(7)
    counts = np.array([max(len(h) - 2, 0) // 7 + 1 for h in split.histories("valid")])
    first_rows = np.concatenate([[0], np.cumsum(counts)[:-1]])
    assert np.array_equal(inputs[first_rows], newest)
    assert np.array_equal(targets[first_rows], newest_targets)


def test_training_chunks_refuse_bad_input(rnn, split) -> None:
    with pytest.raises(ValueError, match="max_len"):
        rnn.training_chunks(split, 0)
    with pytest.raises(ValueError, match="LeaveLastOut"):
        rnn.training_chunks("not a split", 5)


@pytest.mark.parametrize("cell, blocks, biases", [("lstm", 4, 1), ("gru", 3, 2)])
@pytest.mark.parametrize("user_dim", [0, 4])
def test_build_model_names_layers_and_counts_parameters(
    rnn, cell, blocks, biases, user_dim
) -> None:
    num_items, num_users, dim, units, max_len = 30, 7, 8, 6, 5
    model = rnn.build_model(
        num_items,
        num_users,
        cell=cell,
        embedding_dim=dim,
        units=units,
        max_len=max_len,
        user_dim=user_dim,
    )
    assert model.name == f"{cell}_recommender"
    names = [layer.name for layer in model.layers]
    for name in ["items", "item_embedding", "embedding_dropout", cell, "state_dropout", "scores"]:
        assert name in names
    user_layers = ["user", "user_embedding", "user_dropout", "user_scores", "scores_with_user"]
    assert all((name in names) == bool(user_dim) for name in user_layers)
    recurrent = blocks * (units * (units + dim) + biases * units)
    expected = (num_items + 1) * dim + recurrent + (units + 1) * (num_items + 1)
    expected += num_users * user_dim + user_dim * (num_items + 1)
    assert model.count_params() == expected
    inputs = {"items": np.array([[0, 0, 3, 4, 5]]), "user": np.array([6])}
    out = model.predict({k: v for k, v in inputs.items() if k in model.input}, verbose=0)
    assert out.shape == (1, max_len, num_items + 1)


@pytest.mark.parametrize("user_dim", [0, 3])
def test_padding_is_skipped_and_masked_in_the_loss(rnn, user_dim) -> None:
    import keras

    from course_utils.check.rnn_recommender import masked_cross_entropy_reference

    # The same weights read [a, b] with and without three padded steps in front.
    config = {"embedding_dim": 4, "units": 3, "cell": "lstm", "user_dim": user_dim}
    long = rnn.build_model(20, 2, max_len=5, **config)
    short = rnn.build_model(20, 2, max_len=2, **config)
    short.set_weights(long.get_weights())
    user = {"user": np.array([1])} if user_dim else {}
    padded = rnn.last_position_model(long).predict(
        {"items": np.array([[0, 0, 0, 7, 9]]), **user}, verbose=0
    )
    plain = rnn.last_position_model(short).predict({"items": np.array([[7, 9]]), **user}, verbose=0)
    np.testing.assert_allclose(padded, plain, atol=1e-5)
    # The loss averages over the unpadded positions only, also with the user term.
    long.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    items = np.array([[0, 0, 0, 7, 9], [0, 3, 4, 5, 6]])
    targets = np.where(items > 0, items % 19 + 1, 0)
    inputs = {"items": items, **({"user": np.array([0, 1])} if user_dim else {})}
    keras_loss = long.evaluate(inputs, targets, verbose=0, batch_size=2)
    ours = masked_cross_entropy_reference(long.predict(inputs, verbose=0), targets)
    assert abs(keras_loss - ours) < 1e-5


@pytest.mark.parametrize(
    "config, message",
    [
        ({"cell": "rnn"}, "cell must be one of"),
        ({"units": 0}, "units must be an int >= 1"),
        ({"dropout": 1.0}, "dropout must be"),
        ({"learning_rate": 0}, "learning_rate must be"),
        ({"user_dim": -1}, "user_dim must be an int >= 0"),
        ({"user_dropout": 1.5}, "user_dropout must be"),
        ({"layers": 2}, "unknown config keys"),
    ],
)
def test_bad_config_is_refused(rnn, config, message) -> None:
    with pytest.raises(ValueError, match=message):
        rnn.build_model(10, **config)


def test_bad_arguments_are_refused(rnn, split) -> None:
    with pytest.raises(ValueError, match="num_items"):
        rnn.build_model(0)
    with pytest.raises(ValueError, match="num_users"):
        rnn.build_model(10, 0, user_dim=4)
    model = rnn.build_model(split.num_items + 1, **SMALL)
    with pytest.raises(ValueError, match="item codes"):
        rnn.score(model, split, "test")
    with pytest.raises(ValueError, match="stage"):
        rnn.score(rnn.build_model(split.num_items, **SMALL), split, "train")
    with pytest.raises(ValueError, match="users"):
        rnn.score(rnn.build_model(split.num_items, 5, **{**SMALL, "user_dim": 2}), split, "test")
    with pytest.raises(ValueError, match="build_model"):
        rnn.last_position_model("not a model")
    with pytest.raises(ValueError, match="LeaveLastOut"):
        rnn.train("not a split", SMALL)


def test_train_returns_metadata_and_beats_popularity(trained, rnn, split) -> None:
    model, metadata = trained
    assert {"seconds", "best_epoch", "epochs", "num_parameters", "config", "valid"} <= set(metadata)
    assert 1 <= metadata["best_epoch"] <= metadata["epochs"] <= SMALL["max_epochs"]
    assert metadata["config"]["cell"] == "gru"
    scores = rnn.score(model, split, "test")
    assert scores.shape == (split.num_users, split.num_items + 1)
    assert scores.dtype == np.float64
    targets, seen = split.targets("test"), split.seen_items("test")
    ours = metrics.evaluate_ranking(scores, targets, k=10, exclude=seen)
    counts = np.bincount(
        split.encode_items(split.train["item_id"].to_numpy()), minlength=split.num_items + 1
    ).astype(float)
    counts[0] = -np.inf
    popularity = metrics.evaluate_ranking(
        np.tile(counts, (split.num_users, 1)), targets, k=10, exclude=seen
    )
    assert ours["NDCG@10"] > 1.5 * popularity["NDCG@10"], (ours, popularity)


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def test_trained_model_remembers_a_before_b(trained, rnn, split, log) -> None:
    # After ordinary items, then A, then B, the planted C should be the top item and more
    # likely than after the same ordinary items and B without A.
    model, _ = trained
    last = rnn.last_position_model(model)
    max_len = SMALL["max_len"]
    planted = {item for triple in log.truth.triples for item in triple}
    planted |= {item for series in log.truth.series for item in series}
    ordinary = np.array([item for item in log.items["item_id"] if item not in planted])
    rng = np.random.default_rng(5)
    ranks, with_a, without_a = [], [], []
    for a, b, c in log.truth.triples:
        code_a, code_b, code_c = split.encode_items(np.array([a, b, c]))
        for _ in range(5):
            context = split.encode_items(rng.choice(ordinary, 5, replace=False))
            sequences = np.zeros((2, max_len), dtype=np.int32)
            sequences[0, -7:] = [*context, code_a, code_b]
            sequences[1, -6:] = [*context, code_b]
            scores = last.predict({"items": sequences}, verbose=0).astype(np.float64)
            probabilities = _softmax(scores)
            with_a.append(probabilities[0, code_c])
            without_a.append(probabilities[1, code_c])
            seen = [row[row > 0] for row in sequences]
            ranks.append(int(metrics.target_ranks(scores[:1], [code_c], exclude=seen[:1])[0]))
    assert np.median(ranks) == 1, ranks
    assert np.mean(with_a) > 1.3 * np.mean(without_a), (np.mean(with_a), np.mean(without_a))


def test_saved_model_scores_the_same(trained, rnn, split, tmp_path: Path) -> None:
    from course_utils.models import model_store

    model, metadata = trained
    config = {**SMALL, "cell": "gru"}
    model_store.save("gru", model, config, metadata, split=split, data_dir=tmp_path)
    loaded, loaded_metadata = model_store.load("gru", config, split=split, data_dir=tmp_path)
    assert loaded_metadata["best_epoch"] == metadata["best_epoch"]
    np.testing.assert_allclose(
        rnn.score(loaded, split, "valid"), rnn.score(model, split, "valid"), atol=1e-5
    )
    # A model with the user term has a custom layer; it must load too.
    with_users = {**SMALL, "user_dim": 4}
    user_model = rnn.build_model(split.num_items, split.num_users, **with_users)
    model_store.save("lstm", user_model, with_users, {}, split=split, data_dir=tmp_path)
    loaded_user_model, _ = model_store.load("lstm", with_users, split=split, data_dir=tmp_path)
    np.testing.assert_allclose(
        rnn.score(loaded_user_model, split, "test"),
        rnn.score(user_model, split, "test"),
        atol=1e-5,
    )


def test_last_position_model_without_the_user_term(rnn) -> None:
    model = rnn.build_model(12, 3, max_len=4, embedding_dim=3, units=2, user_dim=2, cell="gru")
    items = np.array([[0, 5, 6, 7]])
    full = model.predict({"items": items, "user": np.array([1])}, verbose=0)[:, -1]
    with_user = rnn.last_position_model(model).predict(
        {"items": items, "user": np.array([1])}, verbose=0
    )
    np.testing.assert_allclose(with_user, full, atol=1e-6)
    without = rnn.last_position_model(model, with_user=False)
    assert [tensor.name for tensor in without.inputs] == ["items"]
    # Without the user term the scores are those of a user whose embedding is zero.
    users = model.get_layer("user_embedding")
    user_scores = users(np.array([1])).numpy() @ model.get_layer("user_scores").kernel.numpy()
    np.testing.assert_allclose(
        without.predict({"items": items}, verbose=0), full - user_scores, atol=1e-5
    )
