"""Tests for course_utils.splits: leave-last-out splitting, item codes and sequences."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from course_utils.splits import (
    TIE_SEED,
    LeaveLastOut,
    check_split,
    check_stage,
    leave_last_out,
    tie_keys,
)


def _frame(rows: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Build a ratings table from (user_id, item_id, rating, timestamp) tuples."""
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]).astype("int64")


@pytest.fixture()
def tiny() -> pd.DataFrame:
    """Return a hand-built log whose split is worked out below.

    User 1 (distinct timestamps):  10@1, 20@2, 30@3, 40@4, 50@5
        -> train [10, 20, 30], valid 40, test 50.
    User 2 (three rows share t=7; with ties="item_id" the smaller item id goes first):
        50@1, then 30@7, 10@7, 20@7 ordered as 10, 20, 30
        -> train [50, 10], valid 20, test 30.
        (With the default random tie order, see test_random_ties_by_hand.)
    User 5 (exactly three interactions): 40@9, 20@8, 30@10 ordered 20, 40, 30
        -> train [20], valid 40, test 30.
    Items 10..50 get codes 1..5. The rows are deliberately shuffled.
    """
    rows = [
        (2, 30, 3, 7),
        (1, 40, 4, 4),
        (5, 40, 2, 9),
        (1, 10, 1, 1),
        (2, 10, 5, 7),
        (1, 50, 5, 5),
        (5, 20, 1, 8),
        (1, 30, 3, 3),
        (2, 50, 4, 1),
        (2, 20, 2, 7),
        (1, 20, 2, 2),
        (5, 30, 3, 10),
    ]
    return _frame(rows)


def _random_log(seed: int, num_users: int = 60, num_items: int = 200) -> pd.DataFrame:
    """Build a random log with many equal timestamps and no repeated (user, item) pair."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in rng.choice(np.arange(1, 10 * num_users), size=num_users, replace=False):
        count = int(rng.integers(3, 40))
        items = rng.choice(np.arange(1, num_items + 1), size=count, replace=False)
        # Timestamps from a small range, so that ties are common.
        times = rng.integers(0, 15, size=count)
        rows += [
            (int(user), int(i), int(rng.integers(1, 6)), int(t))
            for i, t in zip(items, times, strict=True)
        ]
    return _frame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


MASK = (1 << 64) - 1


def _splitmix64(value: int) -> int:
    """SplitMix64's finaliser in plain Python integers (Steele, Lea and Flood, 2014)."""
    z = (value + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _tie_key(user: int, item: int, seed: int = TIE_SEED) -> int:
    """The documented tie key, computed slowly: splitmix(splitmix(splitmix(seed) + u) + i)."""
    state = _splitmix64(seed)
    state = _splitmix64((state + (user & MASK)) & MASK)
    return _splitmix64((state + (item & MASK)) & MASK)


def _reference_split(
    ratings: pd.DataFrame, ties: str = "random"
) -> dict[int, list[tuple[int, int]]]:
    """Slowly order each user's (item_id, timestamp) pairs with plain Python sorting."""
    ordered: dict[int, list[tuple[int, int]]] = {}
    for user, item, _, time in ratings[["user_id", "item_id", "rating", "timestamp"]].to_numpy():
        ordered.setdefault(int(user), []).append((int(item), int(time)))
    if ties == "item_id":
        return {user: sorted(pairs, key=lambda p: (p[1], p[0])) for user, pairs in ordered.items()}
    return {
        user: sorted(pairs, key=lambda p, u=user: (p[1], _tie_key(u, p[0])))
        for user, pairs in ordered.items()
    }


def test_tie_keys_are_splitmix64_of_the_ids_and_the_seed() -> None:
    users = np.array([1, 1, 2, 943, -5, 0], dtype=np.int64)
    items = np.array([10, 20, 10, 1682, 7, 0], dtype=np.int64)
    keys = tie_keys(users, items)
    assert keys.dtype == np.uint64
    assert keys.tolist() == [_tie_key(int(u), int(i)) for u, i in zip(users, items)]
    # Pinned, so that a change to the protocol's order cannot slip through unnoticed.
    assert keys[:4].tolist() == [
        13426108040914704369,
        14197083396569368143,
        16772213748119261378,
        3514233278360164899,
    ]
    assert tie_keys(users, items, seed=1).tolist() != keys.tolist()
    assert tie_keys(users.astype(np.int32), items.astype(np.int16)).tolist() == keys.tolist()


@pytest.mark.parametrize(
    ("users", "items", "seed", "match"),
    [
        (np.array([1, 2]), np.array([1]), 0, "one shape"),
        (np.array([1.0]), np.array([1]), 0, "integer arrays"),
        (np.array([1]), np.array([1]), -1, "seed must be an int >= 0"),
        (np.array([1]), np.array([1]), True, "seed must be an int >= 0"),
    ],
)
def test_bad_tie_key_input_is_rejected(users, items, seed, match) -> None:
    with pytest.raises(ValueError, match=match):
        tie_keys(users, items, seed=seed)


def test_random_ties_by_hand(tiny: pd.DataFrame) -> None:
    # User 2's three ratings at t=7 (items 10, 20, 30) are ordered by their tie keys.
    split = leave_last_out(tiny)
    at_seven = sorted((10, 20, 30), key=lambda item: _tie_key(2, item))
    user_two = split.decode_items(split.histories("test")[1]).tolist()
    assert user_two[0] == 50 and user_two[1:] == at_seven[:2]
    assert int(split.test["item_id"].iloc[1]) == at_seven[2]
    # Distinct timestamps are untouched: users 1 and 5 split as by time alone.
    assert split.test["item_id"].tolist()[::2] == [50, 30]
    assert split.valid["item_id"].tolist()[::2] == [40, 40]


def test_the_tie_order_does_not_depend_on_the_row_order_or_the_ids_order() -> None:
    # Every rating of one user in the same second: the order must be a shuffle of the ids,
    # the same for every row order, and not sorted by id.
    same_time = _frame([(7, item, 3, 100) for item in range(1, 41)])
    expected = leave_last_out(same_time)
    for seed in range(3):
        shuffled = leave_last_out(same_time.sample(frac=1.0, random_state=seed))
        pd.testing.assert_frame_equal(shuffled.train, expected.train)
        pd.testing.assert_frame_equal(shuffled.test, expected.test)
    order = expected.decode_items(expected.histories("test")[0]).tolist()
    assert order != sorted(order)
    assert expected.fingerprint() != leave_last_out(same_time, tie_seed=1).fingerprint()


def test_bad_ties_are_rejected(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"ties must be one of \('random', 'item_id'\)"):
        leave_last_out(tiny, ties="timestamp")
    with pytest.raises(ValueError, match="tie_seed must be an int >= 0"):
        leave_last_out(tiny, tie_seed=-3)


def test_fingerprint_follows_the_content() -> None:
    ratings = _random_log(0)
    split = leave_last_out(ratings)
    assert len(split.fingerprint()) == 64
    assert (
        split.fingerprint()
        == leave_last_out(ratings.sample(frac=1.0, random_state=1)).fingerprint()
    )
    # Another column does not matter; another tie order, or one more rating, does.
    assert split.fingerprint() == leave_last_out(ratings.drop(columns="rating")).fingerprint()
    assert split.fingerprint() != leave_last_out(ratings, ties="item_id").fingerprint()
    extra = pd.concat([ratings, _frame([(10**6, 1, 5, 1), (10**6, 2, 5, 2), (10**6, 3, 5, 3)])])
    assert split.fingerprint() != leave_last_out(extra).fingerprint()


def test_split_of_the_hand_built_log(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    assert split.num_users == 3 and split.num_items == 5
    assert split.user_ids.tolist() == [1, 2, 5]
    assert split.item_ids.tolist() == [10, 20, 30, 40, 50]
    assert split.train["item_id"].tolist() == [10, 20, 30, 50, 10, 20]
    assert split.train["user_id"].tolist() == [1, 1, 1, 2, 2, 5]
    assert split.valid[["user_id", "item_id", "timestamp"]].to_numpy().tolist() == [
        [1, 40, 4],
        [2, 20, 7],
        [5, 40, 9],
    ]
    assert split.test[["user_id", "item_id", "timestamp"]].to_numpy().tolist() == [
        [1, 50, 5],
        [2, 30, 7],
        [5, 30, 10],
    ]
    # The other columns travel with their rows: user 2's test row (item 30) has rating 3.
    assert split.test["rating"].tolist() == [5, 3, 3]
    for part in (split.train, split.valid, split.test):
        assert list(part.columns) == ["user_id", "item_id", "rating", "timestamp"]
        assert all(part[c].dtype == np.int64 for c in part.columns)
        assert part.index.tolist() == list(range(len(part)))


def test_ties_by_item_id_whatever_the_row_order(tiny: pd.DataFrame) -> None:
    expected = leave_last_out(tiny, ties="item_id")
    for seed in range(5):
        shuffled = tiny.sample(frac=1.0, random_state=seed)
        split = leave_last_out(shuffled, ties="item_id")
        for name in ("train", "valid", "test"):
            pd.testing.assert_frame_equal(getattr(split, name), getattr(expected, name))
    # When all of a user's timestamps are equal, the largest item id is the test target.
    same_time = _frame([(1, 7, 5, 3), (1, 3, 5, 3), (1, 9, 5, 3), (1, 5, 5, 3)])
    split = leave_last_out(same_time, ties="item_id")
    assert split.train["item_id"].tolist() == [3, 5]
    assert split.valid["item_id"].tolist() == [7]
    assert split.test["item_id"].tolist() == [9]


def test_input_is_not_modified(tiny: pd.DataFrame) -> None:
    before = tiny.copy()
    leave_last_out(tiny)
    pd.testing.assert_frame_equal(tiny, before)


def test_item_codes_round_trip(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    assert split.encode_items([10, 50, 30]).tolist() == [1, 5, 3]
    assert split.encode_items(np.array([[20], [40]])).shape == (2, 1)
    assert split.decode_items([1, 5, 3]).tolist() == [10, 50, 30]
    codes = np.arange(1, split.num_items + 1)
    assert split.encode_items(split.decode_items(codes)).tolist() == codes.tolist()
    assert split.encode_items([]).size == 0


@pytest.mark.parametrize("bad", [[10, 11], [0], [60], [-10]])
def test_unknown_item_ids_are_rejected(tiny: pd.DataFrame, bad: list[int]) -> None:
    split = leave_last_out(tiny, ties="item_id")
    with pytest.raises(ValueError, match="unknown item ids"):
        split.encode_items(bad)


def test_user_ids_are_encoded_as_rows(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    # Users 1, 2 and 5 are rows 0, 1 and 2 of every per-user array.
    assert split.encode_users([5, 1]).tolist() == [2, 0]
    assert split.encode_users(np.array([[2], [5]])).shape == (2, 1)
    assert int(split.encode_users(2)) == 1
    assert split.encode_users(split.user_ids).tolist() == list(range(split.num_users))
    assert split.encode_users([]).size == 0
    with pytest.raises(
        ValueError, match=r"1 unknown user ids \(first few: \[3\]\); only the 3 users"
    ):
        split.encode_users([1, 3])
    with pytest.raises(ValueError, match="user ids must be integers"):
        split.encode_users([1.0])


def test_check_split_and_check_stage_say_what_to_do(tiny: pd.DataFrame) -> None:
    check_split(leave_last_out(tiny))
    with pytest.raises(ValueError, match=r"got DataFrame; build it with .*leave_last_out"):
        check_split(tiny)
    check_stage("valid")
    check_stage("test")
    with pytest.raises(ValueError, match=r"stage must be 'valid' or 'test', got 'train'"):
        check_stage("train")


def test_non_integer_item_ids_are_rejected(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    with pytest.raises(ValueError, match="integers"):
        split.encode_items([10.0])
    with pytest.raises(ValueError, match="integers"):
        split.decode_items([1.0])


@pytest.mark.parametrize("bad", [[0], [6], [-1], [1, 0, 2]])
def test_invalid_codes_are_rejected(tiny: pd.DataFrame, bad: list[int]) -> None:
    split = leave_last_out(tiny, ties="item_id")
    with pytest.raises(ValueError, match="invalid item codes"):
        split.decode_items(bad)


def test_histories_targets_and_seen_items(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    # Codes: 10->1, 20->2, 30->3, 40->4, 50->5 (see the fixture's docstring).
    assert [h.tolist() for h in split.histories("valid")] == [[1, 2, 3], [5, 1], [2]]
    assert [h.tolist() for h in split.histories("test")] == [[1, 2, 3, 4], [5, 1, 2], [2, 4]]
    assert split.targets("valid").tolist() == [4, 2, 4]
    assert split.targets("test").tolist() == [5, 3, 3]
    for stage in ("valid", "test"):
        assert [s.tolist() for s in split.seen_items(stage)] == [
            h.tolist() for h in split.histories(stage)
        ]
        assert all(h.dtype == np.int32 for h in split.histories(stage))
        assert split.targets(stage).dtype == np.int32


def test_cached_arrays_are_read_only(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    for array in (split.histories("valid")[0], split.histories("test")[0], split.targets("test")):
        with pytest.raises(ValueError):
            array[0] = 99
    with pytest.raises(ValueError):
        split.item_ids[0] = 99
    with pytest.raises(dataclasses.FrozenInstanceError):
        split.train = split.test  # type: ignore[misc]


@pytest.mark.parametrize("stage", ["train", "VALID", "", "validation", None])
def test_bad_stage_names_are_rejected(tiny: pd.DataFrame, stage: object) -> None:
    split = leave_last_out(tiny, ties="item_id")
    for method in (split.histories, split.targets, split.seen_items):
        with pytest.raises(ValueError, match="stage must be 'valid' or 'test'"):
            method(stage)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stage must be"):
        split.padded_sequences(stage, 3)  # type: ignore[arg-type]


def test_padded_sequences_are_left_padded_and_keep_the_latest_items(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    # Valid histories [1, 2, 3], [5, 1], [2]; test histories [1, 2, 3, 4], [5, 1, 2], [2, 4].
    assert split.padded_sequences("valid", 4).tolist() == [[0, 1, 2, 3], [0, 0, 5, 1], [0, 0, 0, 2]]
    assert split.padded_sequences("test", 4).tolist() == [[1, 2, 3, 4], [0, 5, 1, 2], [0, 0, 2, 4]]
    # Shorter than the history: only the most recent items are kept.
    assert split.padded_sequences("test", 2).tolist() == [[3, 4], [1, 2], [2, 4]]
    assert split.padded_sequences("valid", 1).tolist() == [[3], [1], [2]]
    padded = split.padded_sequences("valid", 6)
    assert padded.shape == (3, 6) and padded.dtype == np.int32


@pytest.mark.parametrize("max_len", [0, -1, 2.5, True, "3", None])
def test_bad_max_len_is_rejected(tiny: pd.DataFrame, max_len: object) -> None:
    split = leave_last_out(tiny, ties="item_id")
    with pytest.raises(ValueError, match="max_len must be an int >= 1"):
        split.padded_sequences("valid", max_len)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_len must be an int >= 1"):
        split.training_windows(max_len)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_len must be an int >= 1"):
        split.training_sequences(max_len)  # type: ignore[arg-type]


def test_training_windows_by_hand(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    # Training sequences: user 1 [1, 2, 3], user 2 [5, 1], user 5 [2].
    # User 1 gives 2 examples ([1] -> 2, [1, 2] -> 3), user 2 gives 1 ([5] -> 1), user 5 none.
    inputs, targets = split.training_windows(2)
    assert inputs.tolist() == [[0, 1], [1, 2], [0, 5]]
    assert targets.tolist() == [2, 3, 1]
    inputs, targets = split.training_windows(1)
    assert inputs.tolist() == [[1], [2], [5]]
    assert targets.tolist() == [2, 3, 1]
    inputs, targets = split.training_windows(4)
    assert inputs.tolist() == [[0, 0, 0, 1], [0, 0, 1, 2], [0, 0, 0, 5]]
    assert inputs.dtype == np.int32 and targets.dtype == np.int32


def test_training_sequences_by_hand(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    # User 1 [1, 2, 3]: inputs [1, 2], targets [2, 3]. User 2 [5, 1]: inputs [5], targets [1].
    # User 5 [2]: nothing to predict, so an all-padding row (its 0 targets are masked).
    inputs, targets = split.training_sequences(3)
    assert inputs.tolist() == [[0, 1, 2], [0, 0, 5], [0, 0, 0]]
    assert targets.tolist() == [[0, 2, 3], [0, 0, 1], [0, 0, 0]]
    # max_len 1 keeps the last max_len + 1 = 2 items: user 1 [2, 3].
    inputs, targets = split.training_sequences(1)
    assert inputs.tolist() == [[2], [5], [0]]
    assert targets.tolist() == [[3], [1], [0]]
    assert inputs.dtype == np.int32 and targets.dtype == np.int32


@pytest.mark.parametrize("ties", ["random", "item_id"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_matches_a_slow_reference(seed: int, ties: str) -> None:
    ratings = _random_log(seed)
    split = leave_last_out(ratings, ties=ties)
    reference = _reference_split(ratings, ties)
    assert split.user_ids.tolist() == sorted(reference)
    for u, user in enumerate(split.user_ids):
        pairs = reference[int(user)]
        items = [item for item, _ in pairs]
        assert split.decode_items(split.histories("valid")[u]).tolist() == items[:-2]
        assert split.decode_items(split.histories("test")[u]).tolist() == items[:-1]
        assert int(split.decode_items(split.targets("valid")[u : u + 1])[0]) == items[-2]
        assert int(split.decode_items(split.targets("test")[u : u + 1])[0]) == items[-1]
    lengths = [len(pairs) for pairs in reference.values()]
    inputs, targets = split.training_windows(5)
    assert len(inputs) == len(targets) == sum(n - 3 for n in lengths)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_validation_or_test_interaction_leaks_into_training(seed: int) -> None:
    ratings = _random_log(seed)
    split = leave_last_out(ratings)
    key = ["user_id", "item_id", "timestamp"]

    # The three parts partition the log: same rows, none shared.
    parts = pd.concat([split.train, split.valid, split.test])
    assert len(parts) == len(ratings)
    assert not parts.duplicated(key).any()
    pd.testing.assert_frame_equal(
        parts.sort_values(key).reset_index(drop=True),
        ratings.sort_values(key).reset_index(drop=True),
    )
    held_out = pd.concat([split.valid, split.test])
    merged = split.train.merge(held_out[key], on=key, how="inner")
    assert merged.empty
    # No held-out (user, item) pair appears in training at all, at any time.
    assert split.train.merge(held_out[["user_id", "item_id"]], how="inner").empty

    # Time order: every training timestamp <= the validation one <= the test one, and on
    # equal timestamps the tie keys are in the same order.
    last_train = split.train.groupby("user_id")[["timestamp", "item_id"]].max()
    valid = split.valid.set_index("user_id")
    test = split.test.set_index("user_id")
    assert (last_train["timestamp"] <= valid["timestamp"]).all()
    assert (valid["timestamp"] <= test["timestamp"]).all()

    def keys(part: pd.DataFrame) -> list[tuple[int, int]]:
        ties = tie_keys(part["user_id"].to_numpy(), part["item_id"].to_numpy())
        return list(zip(part["timestamp"].tolist(), ties.tolist(), strict=True))

    last_key = pd.Series(keys(split.train), index=split.train["user_id"]).groupby(level=0).max()
    valid_keys = dict(zip(split.valid["user_id"], keys(split.valid), strict=True))
    test_keys = dict(zip(split.test["user_id"], keys(split.test), strict=True))
    for user in split.user_ids:
        assert last_key[user] < valid_keys[user] < test_keys[user]

    # Histories, padded sequences, windows and sequences never contain the held-out items.
    valid_codes, test_codes = split.targets("valid"), split.targets("test")
    for u, (history_valid, history_test) in enumerate(
        zip(split.histories("valid"), split.histories("test"), strict=True)
    ):
        assert valid_codes[u] not in history_valid and test_codes[u] not in history_valid
        assert test_codes[u] not in history_test
        assert history_test[-1] == valid_codes[u]
    for stage, forbidden in (("valid", [valid_codes, test_codes]), ("test", [test_codes])):
        padded = split.padded_sequences(stage, 8)
        for codes in forbidden:
            assert not (padded == codes[:, None]).any()

    counts = split.train.groupby("user_id").size().to_numpy()
    inputs, targets = split.training_windows(6)
    owner = np.repeat(np.arange(split.num_users), counts - 1)
    for codes in (valid_codes, test_codes):
        assert not (inputs == codes[owner][:, None]).any()
        assert not (targets == codes[owner]).any()
    seq_inputs, seq_targets = split.training_sequences(6)
    for codes in (valid_codes, test_codes):
        assert not (seq_inputs == codes[:, None]).any()
        assert not (seq_targets == codes[:, None]).any()


def test_users_with_too_few_interactions_are_reported_not_dropped(tiny: pd.DataFrame) -> None:
    # User 5 has 3 interactions, users 1 and 2 have 5 and 4.
    with pytest.raises(
        ValueError, match=r"2 user\(s\) have fewer than 5 interactions.*filter them"
    ):
        leave_last_out(tiny, min_interactions=5)
    short = pd.concat([tiny, _frame([(9, 10, 3, 1), (9, 20, 3, 2)])])
    with pytest.raises(
        ValueError, match=r"1 user\(s\) have fewer than 3 interactions \(e\.g\. user 9"
    ):
        leave_last_out(short)
    assert leave_last_out(tiny, min_interactions=3).num_users == 3


@pytest.mark.parametrize("value", [2, 0, -3, 3.0, True, "3", None])
def test_bad_min_interactions_is_rejected(tiny: pd.DataFrame, value: object) -> None:
    with pytest.raises(ValueError, match="min_interactions must be an int >= 3"):
        leave_last_out(tiny, min_interactions=value)  # type: ignore[arg-type]


def test_malformed_ratings_are_rejected(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        leave_last_out(tiny.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"lacks the columns \['timestamp'\]"):
        leave_last_out(tiny.drop(columns="timestamp"))
    with pytest.raises(ValueError, match="is empty"):
        leave_last_out(tiny.iloc[:0])
    with pytest.raises(ValueError, match=r"ratings\['timestamp'\] must have an integer dtype"):
        leave_last_out(tiny.astype({"timestamp": "float64"}))
    with pytest.raises(ValueError, match=r"ratings\['item_id'\] must have an integer dtype"):
        leave_last_out(tiny.astype({"item_id": str}))
    with_missing = tiny.astype({"user_id": "Int64"})
    with_missing.loc[0, "user_id"] = pd.NA
    with pytest.raises(ValueError, match=r"ratings\['user_id'\] has 1 missing values"):
        leave_last_out(with_missing)
    # A repeated (user, item) pair, even at another time, could leak the target.
    repeated = pd.concat([tiny, _frame([(1, 50, 4, 0)])])
    with pytest.raises(ValueError, match=r"2 rows that repeat a \(user_id, item_id\) pair.*drop_"):
        leave_last_out(repeated)


def test_nullable_integer_columns_are_accepted(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny.astype("Int64"), ties="item_id")
    assert split.test["item_id"].tolist() == [50, 30, 30]
    assert split.test["item_id"].dtype == np.int64


def test_direct_construction_is_checked(tiny: pd.DataFrame) -> None:
    split = leave_last_out(tiny, ties="item_id")
    with pytest.raises(ValueError, match="one row per user"):
        LeaveLastOut(
            train=split.train,
            valid=split.valid.iloc[::-1],
            test=split.test,
            item_ids=split.item_ids,
            user_ids=split.user_ids,
        )
    assert "num_users=3" in repr(split)
