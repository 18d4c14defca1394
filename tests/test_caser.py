"""Tests for course_utils.models.caser on the synthetic log: shapes, names, errors, training, saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils import metrics, splits, synthetic
from course_utils.check.cnn_recommender import reference_caser_num_parameters
from course_utils.setup import setup_notebook

SMALL = {
    "max_len": 5,
    "embedding_dim": 16,
    "horizontal_filters": 4,
    "vertical_filters": 2,
    "dropout": 0.2,
    "user_dropout": 0.5,
    "learning_rate": 0.005,
    "batch_size": 128,
    "max_epochs": 12,
    "patience": 3,
    "seed": 0,
}


@pytest.fixture(scope="module")
def caser():
    setup_notebook(0, verbose=False)
    from course_utils.models import caser

    return caser


@pytest.fixture(scope="module")
def trained(caser, split):
    return caser.train(split, SMALL, verbose=False)


def test_default_config_is_json_and_complete(caser) -> None:
    import json

    assert json.loads(json.dumps(caser.DEFAULT_CONFIG)) == caser.DEFAULT_CONFIG
    model = caser.build_model(1682, 943, **caser.DEFAULT_CONFIG)
    assert model.name == "caser"
    assert model.count_params() == reference_caser_num_parameters(
        1682,
        943,
        caser.DEFAULT_CONFIG["max_len"],
        caser.DEFAULT_CONFIG["embedding_dim"],
        caser.DEFAULT_CONFIG["horizontal_filters"],
        caser.DEFAULT_CONFIG["vertical_filters"],
    )


def test_build_model_names_its_layers_and_scores_every_code(caser) -> None:
    model = caser.build_model(30, 7, **{**SMALL, "max_len": 3})
    names = [layer.name for layer in model.layers]
    for name in [
        "item_embedding",
        "image",
        "horizontal_1",
        "horizontal_3",
        "max_over_time_2",
        "vertical",
        "sequence_vector",
        "user_embedding",
        "item_scores",
    ]:
        assert name in names
    out = model.predict(
        {
            "sequence": np.array([[0, 1, 2], [3, 4, 5]], dtype="int32"),
            "user": np.array([0, 6], dtype="int32"),
        },
        verbose=0,
    )
    assert out.shape == (2, 31)


def test_padding_rows_of_the_image_are_zero(caser) -> None:
    model = caser.build_model(30, 7, **SMALL)
    image = model.get_layer("image")
    embedded = np.ones((1, 5, 16), dtype="float32")
    sequence = np.array([[0, 0, 4, 5, 6]], dtype="int32")
    result = np.asarray(image([embedded, sequence]))
    assert result.shape == (1, 5, 16, 1)
    assert np.all(result[0, :2] == 0) and np.all(result[0, 2:] == 1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"embedding_dim": 0}, "embedding_dim"),
        ({"dropout": 1.0}, "dropout"),
        ({"user_dropout": -0.1}, "user_dropout"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"max_len": 2.5}, "max_len"),
        ({"horizontal_filters": 0, "vertical_filters": 0}, "both be 0"),
        ({"kernel": 3}, "unknown config keys"),
    ],
)
def test_build_model_rejects_bad_config(caser, arguments, message) -> None:
    with pytest.raises(ValueError, match=message):
        caser.build_model(30, 7, **arguments)


def test_build_model_rejects_bad_counts(caser) -> None:
    with pytest.raises(ValueError, match="num_items"):
        caser.build_model(0, 7)
    with pytest.raises(ValueError, match="num_users"):
        caser.build_model(30, True)


def test_training_examples_match_the_split(caser, split) -> None:
    inputs, targets = caser.training_examples(split, 4)
    windows, expected_targets = split.training_windows(4)
    np.testing.assert_array_equal(inputs["sequence"], windows)
    np.testing.assert_array_equal(targets, expected_targets)
    assert inputs["user"].shape == targets.shape
    # Each user's windows end, in order, with that user's training items but the last.
    for user, history in enumerate(split.histories("valid")[:5]):
        mine = inputs["sequence"][inputs["user"] == user]
        np.testing.assert_array_equal(mine[:, -1], history[:-1])


def test_model_inputs(caser, split) -> None:
    inputs = caser.model_inputs(split, "test", 5)
    assert inputs["sequence"].shape == (split.num_users, 5)
    np.testing.assert_array_equal(inputs["user"], np.arange(split.num_users))
    with pytest.raises(ValueError, match="stage"):
        caser.model_inputs(split, "train", 5)


def test_train_beats_popularity_and_finds_the_triples(caser, log, split, trained) -> None:
    model, metadata = trained
    assert set(metadata) >= {"seconds", "best_epoch", "valid", "num_parameters", "config"}
    assert 1 <= metadata["best_epoch"] <= SMALL["max_epochs"]
    scores = caser.score(model, split, "test")
    assert scores.shape == (split.num_users, split.num_items + 1)
    targets, seen = split.targets("test"), split.seen_items("test")
    popularity = np.bincount(
        split.encode_items(split.train["item_id"].to_numpy()), minlength=split.num_items + 1
    )
    popular = np.tile(popularity.astype(float), (split.num_users, 1))
    ours = metrics.evaluate_ranking(scores, targets, exclude=seen)
    baseline = metrics.evaluate_ranking(popular, targets, exclude=seen)
    assert ours["NDCG@10"] > 1.5 * baseline["NDCG@10"], (ours, baseline)
    # After A then B, C should be the first choice for most users.
    users = np.arange(split.num_users, dtype="int32")
    for a, b, c in log.truth.triples:
        a_code, b_code, c_code = split.encode_items([a, b, c])
        window = np.zeros((split.num_users, 5), dtype="int32")
        window[:, -2:] = [a_code, b_code]
        probe = model.predict({"sequence": window, "user": users}, verbose=0)
        ranks = metrics.target_ranks(probe, np.full(split.num_users, c_code))
        assert np.median(ranks) <= 3, (a, b, c, np.median(ranks))


def test_score_checks_its_arguments(caser, split, trained) -> None:
    model, _ = trained
    other = splits.leave_last_out(synthetic.make_synthetic_log(num_items=130, seed=1).ratings)
    with pytest.raises(ValueError, match="item codes"):
        caser.score(model, other, "test")
    with pytest.raises(ValueError, match="stage"):
        caser.score(model, split, "train")
    with pytest.raises(ValueError, match="Caser model"):
        caser.score("not a model", split, "test")
    with pytest.raises(ValueError, match="LeaveLastOut"):
        caser.train("not a split", SMALL)


def test_saved_model_loads_with_the_same_scores(caser, split, trained, tmp_path: Path) -> None:
    import keras

    model, _ = trained
    path = tmp_path / "caser.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        caser.score(loaded, split, "valid"), caser.score(model, split, "valid"), atol=1e-5
    )
