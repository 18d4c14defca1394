"""Tests for course_utils.models.mf on the synthetic log, whose planted tastes MF should recover."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils import baselines, metrics
from course_utils.setup import setup_notebook

# Short training keeps the module under 30 seconds; the planted tastes are learned fast.
FAST = {"max_epochs": 8, "patience": 2}


@pytest.fixture(scope="module")
def mf():
    setup_notebook(0, verbose=False)
    from course_utils.models import mf

    return mf


@pytest.fixture(scope="module")
def trained(mf, split):
    return mf.train(split, FAST, verbose=False)


def test_build_model_names_and_parameter_count(mf) -> None:
    model = mf.build_model(120, 300, embedding_dim=8)
    assert model.name == "mf"
    assert [layer.name for layer in model.layers] == ["user", "user_embedding", "item_scores"]
    # P is 300 x 8; Q is 8 x 121 (one column per item code) plus 121 biases.
    assert model.count_params() == 300 * 8 + 8 * 121 + 121
    assert model.output.shape[-1] == 121


def test_build_model_accepts_the_whole_default_config(mf) -> None:
    model = mf.build_model(10, 4, **mf.DEFAULT_CONFIG)
    dim = mf.DEFAULT_CONFIG["embedding_dim"]
    assert model.count_params() == 4 * dim + dim * 11 + 11


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_items": 0, "num_users": 3}, "num_items"),
        ({"num_items": 5, "num_users": 2.0}, "num_users"),
        ({"num_items": 5, "num_users": 3, "embedding_dims": 8}, "unknown config keys"),
        ({"num_items": 5, "num_users": 3, "embedding_dim": 0}, "embedding_dim"),
        ({"num_items": 5, "num_users": 3, "l2": -1.0}, "l2"),
        ({"num_items": 5, "num_users": 3, "learning_rate": 0}, "learning_rate"),
    ],
)
def test_build_model_rejects_bad_input(mf, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        mf.build_model(**kwargs)


def test_training_targets_are_the_training_items(mf, split) -> None:
    targets = mf.training_targets(split)
    assert targets.shape == (split.num_users, split.num_items + 1)
    assert targets.dtype == np.float32
    assert not targets[:, 0].any(), "padding is never a target"
    lengths = [len(history) for history in split.histories("valid")]
    np.testing.assert_array_equal(targets.sum(axis=1), lengths)
    first = split.histories("valid")[0]
    np.testing.assert_array_equal(np.flatnonzero(targets[0]), np.sort(first))


def test_train_returns_metadata(trained) -> None:
    model, metadata = trained
    assert set(metadata) >= {"seconds", "best_epoch", "epochs", "num_parameters", "config", "valid"}
    assert 1 <= metadata["best_epoch"] <= metadata["epochs"] <= FAST["max_epochs"]
    assert metadata["num_parameters"] == model.count_params()
    assert metadata["seconds"] > 0
    assert set(metadata["valid"]) == {"HR@10", "NDCG@10", "MRR", "coverage@10"}


def test_trained_model_beats_popularity_on_the_planted_tastes(mf, split, trained) -> None:
    model, metadata = trained
    for stage in ("valid", "test"):
        seen = split.seen_items(stage)
        ours = metrics.evaluate_ranking(
            mf.score(model, split, stage), split.targets(stage), exclude=seen
        )
        popular = metrics.evaluate_ranking(
            baselines.popularity_scores(split, stage), split.targets(stage), exclude=seen
        )
        assert ours["NDCG@10"] > 1.3 * popular["NDCG@10"], (stage, ours, popular)
        assert ours["HR@10"] > popular["HR@10"], (stage, ours, popular)
    assert metadata["valid"]["NDCG@10"] == pytest.approx(
        metrics.evaluate_ranking(
            mf.score(model, split, "valid"),
            split.targets("valid"),
            exclude=split.seen_items("valid"),
        )["NDCG@10"]
    )


def test_item_embeddings_group_items_by_planted_genre(mf, log, split, trained) -> None:
    # The hidden features should recover the planted genres: two items of the same genre
    # are, on average, more similar than two items of different genres.
    model, _ = trained
    item_vectors = model.get_layer("item_scores").kernel.numpy().T[1:]
    codes = split.encode_items(np.arange(1, len(log.items) + 1))
    genre = log.truth.item_genre[split.decode_items(codes) - 1]
    unit = item_vectors / np.linalg.norm(item_vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    same = genre[:, None] == genre[None, :]
    off_diagonal = ~np.eye(len(genre), dtype=bool)
    assert cosine[same & off_diagonal].mean() > cosine[~same].mean() + 0.1


def test_score_shape_and_stages(mf, split, trained) -> None:
    model, _ = trained
    valid = mf.score(model, split, "valid")
    assert valid.shape == (split.num_users, split.num_items + 1)
    assert valid.dtype == np.float64
    np.testing.assert_array_equal(valid, mf.score(model, split, "test"))
    with pytest.raises(ValueError, match="stage"):
        mf.score(model, split, "train")


def test_score_rejects_a_model_of_another_split(mf, split) -> None:
    other = mf.build_model(split.num_items + 1, split.num_users)
    with pytest.raises(ValueError, match="item codes"):
        mf.score(other, split, "valid")
    other = mf.build_model(split.num_items, split.num_users + 1)
    with pytest.raises(ValueError, match="users"):
        mf.score(other, split, "valid")
    with pytest.raises(ValueError, match="MF model"):
        mf.score("not a model", split, "valid")


def test_train_rejects_bad_input(mf, split) -> None:
    with pytest.raises(ValueError, match="LeaveLastOut"):
        mf.train("not a split")
    with pytest.raises(ValueError, match="patience"):
        mf.train(split, {"patience": 0})


def test_the_model_survives_the_model_store(mf, split, trained, tmp_path: Path) -> None:
    from course_utils.models import model_store

    model, metadata = trained
    config = {**mf.DEFAULT_CONFIG, **FAST}
    model_store.save("mf", model, config, metadata, split=split, data_dir=tmp_path)
    loaded, loaded_metadata = model_store.load("mf", config, split=split, data_dir=tmp_path)
    assert loaded_metadata["best_epoch"] == metadata["best_epoch"]
    np.testing.assert_allclose(
        mf.score(loaded, split, "test"), mf.score(model, split, "test"), atol=1e-6
    )
