"""Tests for course_utils.models.serving on the synthetic log: scores, tables, anonymous users, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course_utils import metrics, splits, synthetic
from course_utils.setup import setup_notebook

CASER_SMALL = {
    "max_len": 5,
    "embedding_dim": 16,
    "horizontal_filters": 4,
    "vertical_filters": 2,
    "dropout": 0.2,
    "user_dropout": 0.5,
    "learning_rate": 0.005,
    "batch_size": 128,
    "max_epochs": 8,
    "patience": 2,
    "seed": 0,
}


@pytest.fixture(scope="module")
def keras_modules():
    setup_notebook(0, verbose=False)
    import keras

    from course_utils.models import caser, mf, serving

    return keras, caser, mf, serving


@pytest.fixture(scope="module")
def caser_model(keras_modules, split):
    keras, caser, _, _ = keras_modules
    keras.utils.set_random_seed(0)
    return caser.build_model(split.num_items, split.num_users, **CASER_SMALL)


@pytest.fixture(scope="module")
def caser_recommender(keras_modules, caser_model, split, log):
    return keras_modules[3].Recommender(caser_model, split, log.items)


def _sequence_only_model(keras, num_items: int, max_len: int):
    """A tiny sequence model without a user input: mean of embeddings, then scores."""
    sequence = keras.Input(shape=(max_len,), dtype="int32", name="sequence")
    embedded = keras.layers.Embedding(num_items + 1, 8, name="item_embedding")(sequence)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(embedded)
    logits = keras.layers.Dense(num_items + 1, name="item_scores")(pooled)
    return keras.Model(sequence, logits, name="tiny_sequence")


def test_known_user_scores_match_the_module(keras_modules, caser_model, caser_recommender, split):
    _, caser, _, _ = keras_modules
    expected = caser.score(caser_model, split, "test")
    for row in (0, 7, split.num_users - 1):
        user_id = int(split.user_ids[row])
        history = caser_recommender.history_of(user_id, "test")
        got = caser_recommender.scores(history, user_id=user_id)
        assert got.shape == (split.num_items + 1,) and got[0] == -np.inf
        np.testing.assert_allclose(got[1:], expected[row, 1:], atol=1e-5)
        table = caser_recommender.recommend(history, k=10, user_id=user_id)
        best = metrics.top_k(expected[row : row + 1], 10, exclude=[split.histories("test")[row]])
        assert table["item_id"].tolist() == split.decode_items(best[0]).tolist()


def test_history_of_is_the_split_history(caser_recommender, split):
    user_id = int(split.user_ids[3])
    assert (
        caser_recommender.history_of(user_id, "valid")
        == split.decode_items(split.histories("valid")[3]).tolist()
    )
    with pytest.raises(ValueError, match="stage"):
        caser_recommender.history_of(user_id, "train")
    with pytest.raises(ValueError, match="unknown user_id"):
        caser_recommender.history_of(10_000)


def test_anonymous_history_averages_every_user(
    keras_modules, caser_model, caser_recommender, split
):
    history = [5, 9, 11]
    window = caser_recommender.window(history)
    assert window.tolist() == [0, 0, *split.encode_items(history).tolist()]
    users = np.arange(split.num_users, dtype="int32")
    every_user = caser_model.predict(
        {"sequence": np.repeat(window[None, :], split.num_users, axis=0), "user": users},
        verbose=0,
    )
    got = caser_recommender.scores(history)
    np.testing.assert_allclose(got[1:], every_user.mean(axis=0)[1:], atol=1e-5)


def test_the_table_and_the_seen_filter(caser_recommender, split, log):
    history = [int(item) for item in split.item_ids[:20]]
    table = caser_recommender.recommend(history, k=7)
    assert list(table.columns) == ["item_id", "title", "score"]
    assert table.index.name == "rank" and table.index.tolist() == list(range(1, 8))
    assert not set(table["item_id"]) & set(history)
    assert table["score"].is_monotonic_decreasing
    titles = log.items.set_index("item_id")["title"]
    assert table["title"].tolist() == titles.loc[table["item_id"]].tolist()
    # Without the filter every item competes: the table is the top 7 of all scores.
    unfiltered = caser_recommender.recommend(history, k=7, exclude_seen=False)
    scores = caser_recommender.scores(history)
    expected = metrics.top_k(scores[None, :], 7)[0]
    assert unfiltered["item_id"].tolist() == split.decode_items(expected).tolist()


def test_a_known_user_never_gets_a_movie_they_have_seen(caser_recommender, split):
    # The request passes only the last three movies of user row 4; everything of theirs in
    # the split (training, validation and test) is filtered, not just those three.
    user_id = int(split.user_ids[4])
    everything = set(caser_recommender.history_of(user_id, "test"))
    everything.add(int(split.test["item_id"].iloc[4]))
    partial = caser_recommender.history_of(user_id, "test")[-3:]
    table = caser_recommender.recommend(
        partial, k=split.num_items - len(everything), user_id=user_id
    )
    assert not set(table["item_id"]) & everything
    assert len(table) == split.num_items - len(everything)
    # Anonymous, the same three movies filter only themselves.
    anonymous = caser_recommender.recommend(partial, k=split.num_items - 3)
    assert set(anonymous["item_id"]) & (everything - set(partial))


def test_fewer_rows_when_few_items_are_left(caser_recommender, split):
    history = [int(item) for item in split.item_ids[:-4]]
    table = caser_recommender.recommend(history, k=10)
    assert len(table) == 4
    assert sorted(table["item_id"]) == sorted(int(item) for item in split.item_ids[-4:])


def test_numpy_histories_are_accepted(caser_recommender):
    from_list = caser_recommender.recommend([3, 4, 8], k=5)
    from_array = caser_recommender.recommend(np.array([3, 4, 8], dtype=np.int64), k=5)
    from_numpy_ints = caser_recommender.recommend([np.int32(3), np.int64(4), 8], k=np.int64(5))
    pd.testing.assert_frame_equal(from_list, from_array)
    pd.testing.assert_frame_equal(from_list, from_numpy_ints)


def test_a_long_history_keeps_its_last_items(caser_recommender, split):
    history = [int(item) for item in split.item_ids[10:30]]
    window = caser_recommender.window(history)
    assert window.tolist() == split.encode_items(history[-5:]).tolist()


@pytest.mark.parametrize(
    ("history", "k", "options", "message"),
    [
        ([], 10, {}, "history is empty"),
        ([1, 2, 9999], 10, {}, r"unknown item ids \[9999\]"),
        ([0], 10, {}, r"unknown item ids \[0\]"),
        ([1, 2.0], 10, {}, "integer item ids"),
        ([1, "2"], 10, {}, "integer item ids"),
        ([True, 2], 10, {}, "integer item ids"),
        ([1, None], 10, {}, "integer item ids"),
        ("1 2 3", 10, {}, "list of MovieLens item ids"),
        (5, 10, {}, "list of MovieLens item ids"),
        (np.array([[1, 2]]), 10, {}, "one-dimensional"),
        ([1, 2], 0, {}, "k must be an integer from 1"),
        ([1, 2], -3, {}, "k must be an integer from 1"),
        ([1, 2], 2.5, {}, "k must be an integer from 1"),
        ([1, 2], True, {}, "k must be an integer from 1"),
        ([1, 2], 121, {}, "k must be an integer from 1 to 120"),
        ([1, 2], 10, {"exclude_seen": "yes"}, "exclude_seen must be True or False"),
        ([1, 2], 10, {"user_id": 10_000}, "unknown user_id 10000"),
        ([1, 2], 10, {"user_id": 1.0}, "user_id must be an integer"),
        ([1, 2, 1], 10, {}, r"history repeats the item ids \[1\]"),
        (np.array([4, 4, 4]), 10, {}, r"history repeats the item ids \[4\]"),
    ],
)
def test_bad_requests_are_refused(caser_recommender, history, k, options, message):
    with pytest.raises(ValueError, match=message):
        caser_recommender.recommend(history, k, **options)


def test_a_sequence_only_model(keras_modules, split, log):
    keras, _, _, serving = keras_modules
    keras.utils.set_random_seed(1)
    model = _sequence_only_model(keras, split.num_items, 4)
    recommender = serving.Recommender(model, split, log.items)
    assert recommender.max_len == 4 and not recommender.uses_user
    assert "reads the last 4 items" in repr(recommender)
    history = [7, 8]
    window = recommender.window(history)
    assert window.tolist() == [0, 0, *split.encode_items(history).tolist()]
    expected = model.predict(window[None, :], verbose=0)[0]
    np.testing.assert_allclose(recommender.scores(history)[1:], expected[1:], atol=1e-6)
    with pytest.raises(ValueError, match="unknown user_id"):
        recommender.recommend(history, user_id=10_000)


def test_matrix_factorisation_needs_a_known_user(keras_modules, split, log):
    keras, _, mf, serving = keras_modules
    keras.utils.set_random_seed(2)
    model = mf.build_model(split.num_items, split.num_users, embedding_dim=4)
    recommender = serving.Recommender(model, split, log.items)
    assert recommender.max_len is None and recommender.uses_user
    user_id = int(split.user_ids[5])
    history = recommender.history_of(user_id)
    expected = mf.score(model, split, "test")[5]
    np.testing.assert_allclose(
        recommender.scores(history, user_id=user_id)[1:], expected[1:], atol=1e-6
    )
    table = recommender.recommend(history, k=5, user_id=user_id)
    assert not set(table["item_id"]) & set(history)
    # The model never reads the history: another history changes only what is filtered.
    other = recommender.scores([1], user_id=user_id)
    np.testing.assert_array_equal(other, recommender.scores(history, user_id=user_id))
    with pytest.raises(ValueError, match="cannot serve an anonymous history"):
        recommender.recommend(history)
    with pytest.raises(ValueError, match="reads no history"):
        recommender.window(history)


def test_constructor_checks(keras_modules, caser_model, split, log):
    keras, _, _, serving = keras_modules
    with pytest.raises(ValueError, match=r"keras\.Model"):
        serving.Recommender("model", split, log.items)
    with pytest.raises(ValueError, match="LeaveLastOut"):
        serving.Recommender(caser_model, log.ratings, log.items)
    other = splits.leave_last_out(synthetic.make_synthetic_log(num_items=130, seed=1).ratings)
    with pytest.raises(ValueError, match="item codes"):
        serving.Recommender(caser_model, other, log.items)
    with pytest.raises(ValueError, match="'item_id' and 'title'"):
        serving.Recommender(caser_model, split, log.items.drop(columns="title"))
    with pytest.raises(ValueError, match="items lacks 1 item ids"):
        serving.Recommender(caser_model, split, log.items.iloc[1:])
    fewer_users = splits.leave_last_out(
        log.ratings[log.ratings["user_id"] <= 200].reset_index(drop=True)
    )
    if fewer_users.num_items == split.num_items:
        with pytest.raises(ValueError, match="knows 300 users"):
            serving.Recommender(caser_model, fewer_users, log.items)
    first = keras.Input(shape=(3,), dtype="int32", name="tokens")
    second = keras.Input(shape=(3,), dtype="int32", name="more_tokens")
    both = keras.layers.Concatenate(name="both")([first, second])
    odd = keras.Model(
        [first, second], keras.layers.Dense(split.num_items + 1, name="d")(both), name="odd"
    )
    with pytest.raises(ValueError, match="at most one input of item codes"):
        serving.Recommender(odd, split, log.items)
    narrow = keras.Model(first, keras.layers.Dense(7, name="d")(first), name="narrow")
    with pytest.raises(ValueError, match="outputs shape"):
        serving.Recommender(narrow, split, log.items)


def _per_position_model(keras, num_items: int, num_users: int):
    """A GRU4Rec-like model: sequences of any length, scores at every position, a user."""
    items = keras.Input(shape=(None,), dtype="int32", name="items")
    user = keras.Input(shape=(), dtype="int32", name="user")
    embedded = keras.layers.Embedding(num_items + 1, 8, mask_zero=True, name="item_embedding")(
        items
    )
    states = keras.layers.GRU(8, return_sequences=True, name="gru")(embedded)
    user_vector = keras.layers.Embedding(num_users, 8, name="user_embedding")(user)
    repeated = keras.layers.RepeatVector(1, name="user_once")(user_vector)
    summed = keras.layers.Add(name="add_user")([states, repeated])
    logits = keras.layers.Dense(num_items + 1, name="item_scores")(summed)
    return keras.Model({"items": items, "user": user}, logits, name="tiny_gru")


def test_a_per_position_model_of_any_length(keras_modules, split, log):
    keras, _, _, serving = keras_modules
    keras.utils.set_random_seed(3)
    model = _per_position_model(keras, split.num_items, split.num_users)
    with pytest.raises(ValueError, match="pass max_len="):
        serving.Recommender(model, split, log.items)
    with pytest.raises(ValueError, match="max_len must be a positive integer"):
        serving.Recommender(model, split, log.items, max_len=0)
    recommender = serving.Recommender(model, split, log.items, max_len=6)
    assert recommender.max_len == 6 and recommender.uses_user
    user_id = int(split.user_ids[2])
    history = recommender.history_of(user_id)
    window = recommender.window(history)
    assert window.tolist() == split.padded_sequences("test", 6)[2].tolist()
    every_position = model.predict(
        {"items": window[None, :], "user": np.array([2], dtype="int32")}, verbose=0
    )
    got = recommender.scores(history, user_id=user_id)
    np.testing.assert_allclose(got[1:], every_position[0, -1, 1:], atol=1e-5)
    anonymous = recommender.scores(history)
    assert anonymous.shape == (split.num_items + 1,)


def test_max_len_must_agree_with_the_model(keras_modules, caser_model, split, log):
    _, _, mf, serving = keras_modules
    assert serving.Recommender(caser_model, split, log.items, max_len=5).max_len == 5
    with pytest.raises(ValueError, match="reads exactly 5 items"):
        serving.Recommender(caser_model, split, log.items, max_len=7)
    model = mf.build_model(split.num_items, split.num_users, embedding_dim=4)
    with pytest.raises(ValueError, match="max_len does not apply"):
        serving.Recommender(model, split, log.items, max_len=5)


def test_a_trained_caser_serves_the_planted_triples(keras_modules, split, log):
    _, caser, _, serving = keras_modules
    model, _ = caser.train(split, CASER_SMALL, verbose=False)
    recommender = serving.Recommender(model, split, log.items)
    first_choices = []
    for a, b, c in log.truth.triples:
        table = recommender.recommend([a, b], k=3)
        first_choices.append(c in table["item_id"].tolist())
    assert np.mean(first_choices) >= 0.75, first_choices


@pytest.mark.parametrize("user_dim", [0, 4])
def test_the_course_rnn_recommender(keras_modules, split, log, user_dim):
    keras, _, _, serving = keras_modules
    from course_utils.models import sequence_rnn

    keras.utils.set_random_seed(4)
    config = {**sequence_rnn.CONFIGS["gru"], "max_len": 8, "embedding_dim": 8, "units": 8}
    if "user_dim" in sequence_rnn.DEFAULT_CONFIG:
        config["user_dim"] = user_dim
    elif user_dim:
        pytest.skip("this version of sequence_rnn has no user embedding")
    model = sequence_rnn.build_model(split.num_items, split.num_users, **config)
    recommender = serving.Recommender(model, split, log.items)
    assert recommender.max_len == 8 and recommender.uses_user == bool(user_dim)
    expected = sequence_rnn.score(model, split, "test")
    for row in (0, 11):
        user_id = int(split.user_ids[row])
        history = recommender.history_of(user_id)
        got = recommender.scores(history, user_id=user_id)
        np.testing.assert_allclose(got[1:], expected[row, 1:], atol=1e-5)
    assert recommender.recommend(history, k=3)["item_id"].is_unique
    if user_dim:
        # Anonymous: one pass as the average user equals the mean of every user's scores.
        last = sequence_rnn.last_position_model(model)
        window = recommender.window(history)[None, :]
        every_user = last.predict(
            {
                "items": np.repeat(window, split.num_users, axis=0),
                "user": np.arange(split.num_users, dtype="int32"),
            },
            verbose=0,
        )
        np.testing.assert_allclose(
            recommender.scores(history)[1:], every_user.mean(axis=0)[1:], atol=1e-5
        )
