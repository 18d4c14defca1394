"""Tests for course_utils.models.sasrec on a small synthetic log with planted patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils import baselines, metrics
from course_utils.setup import setup_notebook
from course_utils.synthetic import make_synthetic_log

SMALL = {
    "max_len": 20,
    "embedding_dim": 16,
    "num_blocks": 2,
    "num_heads": 2,
    "dropout": 0.1,
    "attention_dropout": 0.1,
    "learning_rate": 0.01,
    "batch_size": 64,
    "max_epochs": 12,
    "patience": 3,
    "seed": 0,
}


@pytest.fixture(scope="module")
def sasrec():
    setup_notebook(0, verbose=False)
    from course_utils.models import sasrec

    return sasrec


@pytest.fixture(scope="module")
def log():  # a smaller log than conftest's; conftest's ``split`` splits it
    return make_synthetic_log(num_users=300, num_items=120, seed=0)


@pytest.fixture(scope="module")
def trained(sasrec, split):
    return sasrec.train(split, SMALL, verbose=False)


def test_it_follows_the_course_model_contract(sasrec) -> None:
    from course_utils.configs import SASREC
    from course_utils.models import CourseModel

    assert isinstance(sasrec, CourseModel)
    assert sasrec.DEFAULT_CONFIG == SASREC


def test_build_model_names_layers_and_shapes(sasrec) -> None:
    model = sasrec.build_model(30, **SMALL)
    names = {layer.name for layer in model.layers}
    expected = {"item_embedding", "positions", "final_norm", "scores"}
    for block in (1, 2):
        expected |= {f"attention_{block}", f"attention_norm_{block}", f"feed_forward_{block}"}
    assert expected <= names
    assert model.name == "sasrec"
    assert tuple(model.output.shape) == (None, SMALL["max_len"], 31)
    assert model.get_layer("attention_1").num_heads == 2


def test_the_output_at_a_position_never_sees_a_later_item(sasrec) -> None:
    model = sasrec.build_model(30, max_len=6, embedding_dim=8, num_heads=2)
    items = np.array([[0, 0, 3, 4, 5, 6], [0, 0, 0, 0, 1, 2]], dtype="int32")
    before = model({"items": items}, training=False).numpy()
    changed = items.copy()
    changed[:, -1] = 7
    after = model({"items": changed}, training=False).numpy()
    np.testing.assert_array_equal(before[:, :-1], after[:, :-1])
    assert np.abs(before[:, -1] - after[:, -1]).max() > 1e-3


def test_without_causal_mask_lets_a_position_see_later_items(sasrec) -> None:
    # One block, as the course's SASRec: the last position then sees the same inputs either way.
    model = sasrec.build_model(30, max_len=6, embedding_dim=8, num_heads=2, num_blocks=1)
    unmasked = sasrec.without_causal_mask(model)
    unmasked.set_weights(model.get_weights())
    items = np.array([[0, 0, 3, 4, 5, 6]], dtype="int32")
    changed = items.copy()
    changed[:, -1] = 7
    before, after = (unmasked({"items": x}, training=False).numpy() for x in (items, changed))
    assert np.abs(before[:, 2] - after[:, 2]).max() > 1e-3, "position 2 now sees the last item"
    masked = model({"items": items}, training=False).numpy()
    np.testing.assert_allclose(masked[:, -1], before[:, -1], atol=1e-5)  # the last sees all
    with pytest.raises(ValueError, match="no attention call with use_causal_mask=True"):
        sasrec.without_causal_mask(unmasked)


def test_padding_is_never_attended(sasrec) -> None:
    # Whatever the padding code's embedding holds, the real positions' outputs do not change.
    model = sasrec.build_model(30, max_len=6, embedding_dim=8, num_blocks=2)
    items = np.array([[0, 0, 3, 4, 5, 6], [0, 0, 0, 0, 1, 2]], dtype="int32")
    before = model({"items": items}, training=False).numpy()
    table = model.get_layer("item_embedding")
    weights = table.get_weights()[0]
    weights[0] = np.random.default_rng(0).normal(scale=10.0, size=weights.shape[1])
    table.set_weights([weights])
    after = model({"items": items}, training=False).numpy()
    real = items > 0
    np.testing.assert_allclose(before[real], after[real], atol=1e-5)


def test_last_position_model_gives_the_last_position(sasrec) -> None:
    model = sasrec.build_model(30, max_len=6, embedding_dim=8)
    items = np.array([[0, 0, 3, 4, 5, 6], [0, 0, 0, 0, 1, 2]], dtype="int32")
    full = model.predict({"items": items}, verbose=0)
    last = sasrec.last_position_model(model).predict({"items": items}, verbose=0)
    np.testing.assert_allclose(last, full[:, -1], atol=1e-5)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"embedding_dim": 10, "num_heads": 3}, "multiple of num_heads"),
        ({"num_blocks": 0}, "num_blocks"),
        ({"dropout": 1.5}, "dropout"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_config_is_refused(sasrec, config, message) -> None:
    with pytest.raises(ValueError, match=message):
        sasrec.build_model(30, **config)


def test_bad_arguments_are_refused(sasrec, split) -> None:
    model = sasrec.build_model(split.num_items, **SMALL)
    with pytest.raises(ValueError, match="stage"):
        sasrec.score(model, split, "train")
    with pytest.raises(ValueError, match="item codes"):
        sasrec.score(sasrec.build_model(split.num_items + 3, **SMALL), split, "test")
    with pytest.raises(ValueError, match="build_model"):
        sasrec.last_position_model("not a model")
    with pytest.raises(ValueError, match="LeaveLastOut"):
        sasrec.train("not a split", SMALL)


def test_train_returns_metadata_and_beats_popularity(trained, sasrec, split) -> None:
    model, metadata = trained
    assert {"seconds", "best_epoch", "epochs", "num_parameters", "config", "valid"} <= set(metadata)
    assert 1 <= metadata["best_epoch"] <= metadata["epochs"] <= SMALL["max_epochs"]
    scores = sasrec.score(model, split, "test")
    assert scores.shape == (split.num_users, split.num_items + 1)
    assert scores.dtype == np.float64
    targets, seen = split.targets("test"), split.seen_items("test")
    ours = metrics.evaluate_ranking(scores, targets, k=10, exclude=seen)
    popularity = metrics.evaluate_ranking(
        baselines.popularity_scores(split, "test"), targets, k=10, exclude=seen
    )
    assert ours["NDCG@10"] > 1.5 * popularity["NDCG@10"], (ours, popularity)


def test_saved_model_scores_the_same(trained, sasrec, split, tmp_path: Path) -> None:
    import keras

    model, _ = trained
    path = tmp_path / "sasrec.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        sasrec.score(loaded, split, "valid"), sasrec.score(model, split, "valid"), atol=1e-5
    )
