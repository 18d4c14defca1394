"""Tests for ``score_histories``, the course models' scoring of any histories (the contract).

Each model module scores a split's users with ``score`` and arbitrary histories with
``score_histories``; the two must agree on the split's own histories, and a history of no
known user must be scored the way each module documents. Untrained models suffice: the
weights are random but fixed, which is all that agreement needs.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.setup import setup_notebook

SMALL = {
    "mf": {"embedding_dim": 8},
    "caser": {"max_len": 4, "embedding_dim": 8, "horizontal_filters": 2, "vertical_filters": 2},
    "lstm": {"max_len": 6, "embedding_dim": 8, "units": 8, "user_dim": 4},
    "gru without user term": {
        "cell": "gru",
        "max_len": 6,
        "embedding_dim": 8,
        "units": 8,
        "user_dim": 0,
    },
    "sasrec": {"max_len": 6, "embedding_dim": 8, "num_blocks": 1, "num_heads": 2},
}


@pytest.fixture(scope="module")
def modules():
    setup_notebook(0, verbose=False)
    from course_utils.models import caser, mf, sasrec, sequence_rnn

    return {
        "mf": mf,
        "caser": caser,
        "lstm": sequence_rnn,
        "gru without user term": sequence_rnn,
        "sasrec": sasrec,
    }


@pytest.fixture(scope="module")
def models(modules, split):
    return {
        name: (module, module.build_model(split.num_items, split.num_users, **SMALL[name]))
        for name, module in modules.items()
    }


@pytest.mark.parametrize("name", list(SMALL))
@pytest.mark.parametrize("stage", ["valid", "test"])
def test_score_histories_of_the_split_equal_score(models, split, name, stage) -> None:
    module, model = models[name]
    rows = np.arange(split.num_users)
    by_history = module.score_histories(model, split.histories(stage), rows)
    np.testing.assert_array_equal(by_history, module.score(model, split, stage))
    assert by_history.dtype == np.float64


@pytest.mark.parametrize("name", list(SMALL))
def test_one_user_row_serves_every_history(models, split, name) -> None:
    module, model = models[name]
    histories = [split.histories("test")[3], split.histories("test")[3][:-2], [1, 2]]
    one = module.score_histories(model, histories, 3)
    each = module.score_histories(model, histories, [3, 3, 3])
    np.testing.assert_array_equal(one, each)
    assert one.shape == (3, split.num_items + 1)


def test_without_users_the_lstm_leaves_its_user_term_out(modules, models, split) -> None:
    sequence_rnn, model = models["lstm"]
    history = split.histories("test")[0]
    without = sequence_rnn.score_histories(model, [history])
    last = sequence_rnn.last_position_model(model, with_user=False)
    window = np.zeros((1, SMALL["lstm"]["max_len"]), dtype="int32")
    recent = history[-SMALL["lstm"]["max_len"] :]
    window[0, -len(recent) :] = recent
    np.testing.assert_allclose(without, last.predict_on_batch({"items": window}), rtol=1e-6)
    with_user = sequence_rnn.score_histories(model, [history], 0)
    assert not np.allclose(with_user, without), "the user term changes the scores"


@pytest.mark.parametrize("name", ["gru without user term", "sasrec"])
def test_a_model_without_user_term_ignores_users(models, split, name) -> None:
    module, model = models[name]
    histories = split.histories("valid")[:5]
    np.testing.assert_array_equal(
        module.score_histories(model, histories), module.score_histories(model, histories, 2)
    )


def test_caser_without_users_scores_a_zero_user_vector(models, split) -> None:
    import keras

    caser, model = models["caser"]
    histories = split.histories("test")[:4]
    newcomer = keras.models.clone_model(model)
    newcomer.set_weights(model.get_weights())
    table = newcomer.get_layer("user_embedding")
    table.embeddings.assign(np.zeros(table.embeddings.shape, dtype="float32"))
    inputs = caser.model_inputs(split, "test", SMALL["caser"]["max_len"])
    expected = newcomer.predict_on_batch(
        {"sequence": inputs["sequence"][:4], "user": inputs["user"][:4]}
    )
    np.testing.assert_allclose(
        caser.score_histories(model, histories), expected, rtol=1e-5, atol=1e-6
    )


def test_mf_folds_a_history_in(models, split) -> None:
    mf, model = models["mf"]
    layer = model.get_layer("item_scores")
    vectors = layer.kernel.numpy().T.astype(np.float64)
    history = [3, 7, 11]
    expected = vectors[history].mean(axis=0) @ vectors.T + layer.bias.numpy()
    np.testing.assert_allclose(mf.score_histories(model, [history])[0], expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"histories\[1\] is empty: fold-in needs"):
        mf.score_histories(model, [history, []])
    with pytest.raises(ValueError, match=r"histories\[0\] must be a list of item codes from 1"):
        mf.score_histories(model, [[0, 3]])


@pytest.mark.parametrize("name", list(SMALL))
@pytest.mark.parametrize(
    ("users", "message"),
    [
        (10_000, r"users must be rows from 0 to"),
        (-1, r"users must be rows from 0"),
        ([0, 1], r"users must be one user row or one per history \(3\)"),
        ([0.5, 1.0, 2.0], r"users must be integer rows"),
    ],
)
def test_bad_users_are_refused(models, split, name, users, message) -> None:
    module, model = models[name]
    if name in ("gru without user term", "sasrec") and users == 10_000:
        pytest.skip("a model without a user table knows no largest row")
    with pytest.raises(ValueError, match=message):
        module.score_histories(model, [[1], [2], [3]], users)


@pytest.mark.parametrize("name", ["caser", "lstm", "sasrec"])
def test_bad_histories_are_refused(models, name) -> None:
    module, model = models[name]
    with pytest.raises(ValueError, match=r"histories\[1\] holds item code 0"):
        module.score_histories(model, [[1, 2], [0, 3]])


@pytest.mark.parametrize("name", list(SMALL))
def test_a_model_of_another_module_is_refused(models, name) -> None:
    module, _ = models[name]
    other = models["mf" if name != "mf" else "caser"][1]
    with pytest.raises(ValueError, match="model must be"):
        module.score_histories(other, [[1]])
