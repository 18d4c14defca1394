"""Leave-last-out splits of an interaction log, with item codes and padded sequences.

Every user's interactions are ordered by time. The last one is the test target, the
second-to-last the validation target, and everything before is training data. This is the
split used by sequential recommenders (SASRec, BERT4Rec) and it answers the question a
recommender faces in production: "given everything so far, what comes next?".

Item codes follow the course convention: item ids are mapped to the contiguous codes
``1..num_items`` in the order of the sorted ids, and code 0 is reserved for padding. A score
matrix therefore has ``num_items + 1`` columns, and column 0 is never recommended.

Interactions that share a timestamp (in MovieLens 100K, half of a user's consecutive ratings
share their second) have no order of their own. :func:`leave_last_out` gives them a seeded
pseudo-random order, computed from the user id, the item id and :data:`TIE_SEED`: the same on
every machine and for any row order of the input, and unrelated to the ids' own order. Ordering
them by item id instead would plant an artefact: inside a second the next item would always
have a larger id, a rule that a model can learn and that says nothing about the users.

This module only uses NumPy and pandas, so importing it never starts TensorFlow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd

from course_utils.validation import check_int

__all__ = [
    "STAGES",
    "TIES",
    "TIE_SEED",
    "LeaveLastOut",
    "check_split",
    "check_stage",
    "leave_last_out",
    "tie_keys",
]

#: The stages that can be evaluated. Training data has no targets of its own: use
#: ``training_windows`` or ``training_sequences`` to build training examples.
STAGES: tuple[str, ...] = ("valid", "test")

#: How :func:`leave_last_out` orders a user's interactions that share a timestamp:
#: ``"random"`` (the course's protocol) by :func:`tie_keys`; ``"item_id"`` by ascending item
#: id, the old rule, kept only to show the artefact it makes (notebook 01, section 4.1).
TIES: tuple[str, ...] = ("random", "item_id")

#: The seed of the order of same-second interactions. It is part of the protocol, like the
#: split itself: it is fixed for the whole course and never varied, unlike a model's
#: training seed.
TIE_SEED = 0

_REQUIRED_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "timestamp")
_CODE_DTYPE = np.int32


def check_stage(stage: object) -> None:
    """Raise ValueError unless ``stage`` is "valid" or "test", one of :data:`STAGES`."""
    if stage not in STAGES:
        raise ValueError(
            f"stage must be 'valid' or 'test', got {stage!r}; training data has no targets of "
            "its own (for training examples use training_windows() or training_sequences())."
        )


def check_split(split: object) -> None:
    """Raise ValueError unless ``split`` is a :class:`LeaveLastOut`, saying how to build one."""
    if not isinstance(split, LeaveLastOut):
        raise ValueError(
            f"split must be a LeaveLastOut, got {type(split).__name__}; build it with "
            "course_utils.splits.leave_last_out(ratings)."
        )


def _positions(
    known: np.ndarray, ids: Iterable[int] | np.ndarray, what: str, names: str
) -> np.ndarray:
    """Return the position of each id in the sorted ``known`` ids, or raise ValueError."""
    ids = np.asarray(ids)
    if ids.size == 0:
        return np.zeros(ids.shape, dtype=np.int64)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"{what} ids must be integers, got dtype {ids.dtype}; convert them with "
            ".astype('int64') first."
        )
    position = np.searchsorted(known, ids)
    clipped = np.minimum(position, len(known) - 1)
    unknown = (position >= len(known)) | (known[clipped] != ids)
    if unknown.any():
        bad = np.unique(ids[unknown])
        raise ValueError(
            f"{bad.size} unknown {what} ids (first few: {bad[:5].tolist()}); only the "
            f"{len(known)} {what}s of the split's ratings have {names}."
        )
    return position


def _splitmix64(values: np.ndarray) -> np.ndarray:
    """Scramble unsigned 64-bit integers with SplitMix64's finaliser (wrap-around arithmetic)."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def tie_keys(user_ids: np.ndarray, item_ids: np.ndarray, seed: int = TIE_SEED) -> np.ndarray:
    """Return a pseudo-random sort key for each (user, item) pair.

    The key depends only on the two ids and the seed: it is the same on every machine and
    whatever the order of the rows, and it has nothing to do with the order of the ids
    themselves. :func:`leave_last_out` sorts same-second interactions by it.

    Taught in notebooks/01_recommender_systems_and_data.ipynb (section 4.1).

    Args:
        user_ids: Integer user ids.
        item_ids: Integer item ids, the same shape as ``user_ids``.
        seed: An int >= 0.

    Returns:
        A uint64 array of the same shape.

    Raises:
        ValueError: If the ids are not integer arrays of one shape, or ``seed`` is not an
            int >= 0.
    """
    seed = check_int(seed, "seed", 0)
    users, items = np.asarray(user_ids), np.asarray(item_ids)
    if users.shape != items.shape or not (
        np.issubdtype(users.dtype, np.integer) and np.issubdtype(items.dtype, np.integer)
    ):
        raise ValueError(
            f"user_ids and item_ids must be integer arrays of one shape, got {users.dtype} "
            f"{users.shape} and {items.dtype} {items.shape}."
        )
    # Viewing int64 as uint64 keeps negative ids distinct; the additions wrap around.
    state = _splitmix64(np.full(users.shape, seed, dtype=np.uint64))
    state = _splitmix64(state + users.astype(np.int64).view(np.uint64))
    return _splitmix64(state + items.astype(np.int64).view(np.uint64))


def _left_pad(
    flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, max_len: int
) -> np.ndarray:
    """Left-pad the last ``max_len`` items of ragged rows into a dense matrix."""
    # Row r is flat[starts[r] : starts[r] + lengths[r]]; the most recent item lands in the last
    # column. Index arithmetic instead of a Python loop keeps it fast for large logs.
    n_rows = len(starts)
    out = np.zeros((n_rows, max_len), dtype=_CODE_DTYPE)
    take = np.minimum(lengths, max_len)
    total = int(take.sum())
    if total == 0:
        return out
    rows = np.repeat(np.arange(n_rows), take)
    # `within` counts 0, 1, ..., take[r] - 1 inside each row's kept part.
    within = np.arange(total) - np.repeat(np.cumsum(take) - take, take)
    source = np.repeat(starts + lengths - take, take) + within
    columns = np.repeat(max_len - take, take) + within
    out[rows, columns] = flat[source]
    return out


@dataclass(frozen=True, eq=False, repr=False)
class LeaveLastOut:
    """A leave-last-out split of an interaction log. Build it with :func:`leave_last_out`.

    Attributes:
        train: Training interactions, sorted by user id and time (same-second rows in the
            tie order of :func:`leave_last_out`).
        valid: One row per user (sorted by user id): the second-to-last interaction.
        test: One row per user (sorted by user id): the last interaction.
        item_ids: Sorted original item ids; the code of ``item_ids[i]`` is ``i + 1``.
        user_ids: Sorted original user ids; row ``u`` of every per-user array is
            ``user_ids[u]``.
    """

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    item_ids: np.ndarray
    user_ids: np.ndarray
    # The fields below are derived in __post_init__ and cached, because every method needs
    # the training interactions as item codes grouped by user.
    _train_codes: np.ndarray = field(init=False, repr=False)
    _offsets: np.ndarray = field(init=False, repr=False)
    _valid_codes: np.ndarray = field(init=False, repr=False)
    _test_codes: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Check that the parts fit together and cache the item codes.

        Raises:
            ValueError: If ``valid`` or ``test`` do not hold exactly one row per user in
                ``user_ids`` order, or if ``train`` mentions an unknown user or item.
        """
        for name in ("item_ids", "user_ids"):
            ids = np.asarray(getattr(self, name))
            if ids.ndim != 1 or ids.size == 0 or np.any(np.diff(ids) <= 0):
                raise ValueError(
                    f"LeaveLastOut.{name} must be a non-empty sorted array of distinct ids; "
                    "build the split with leave_last_out(ratings)."
                )
        for name in ("valid", "test"):
            users = getattr(self, name)["user_id"].to_numpy()
            if not np.array_equal(users, self.user_ids):
                raise ValueError(
                    f"LeaveLastOut.{name} must hold exactly one row per user, in the order "
                    "of user_ids; build the split with leave_last_out(ratings)."
                )
        train_users = self.train["user_id"].to_numpy()
        user_index = np.searchsorted(self.user_ids, train_users)
        unknown = (user_index >= len(self.user_ids)) | (
            self.user_ids[np.minimum(user_index, len(self.user_ids) - 1)] != train_users
        )
        if unknown.any():
            raise ValueError(
                f"LeaveLastOut.train has {int(unknown.sum())} rows whose user is not in "
                "user_ids; build the split with leave_last_out(ratings)."
            )
        counts = np.bincount(user_index, minlength=len(self.user_ids))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        cached = {
            "_train_codes": self.encode_items(self.train["item_id"].to_numpy()),
            "_offsets": offsets,
            "_valid_codes": self.encode_items(self.valid["item_id"].to_numpy()),
            "_test_codes": self.encode_items(self.test["item_id"].to_numpy()),
        }
        for name, value in cached.items():
            # The cached arrays are shared with callers through views, so they are made
            # read-only: an accidental in-place edit must not corrupt later splits.
            value.setflags(write=False)
            # The dataclass is frozen, so plain assignment is refused on purpose.
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        """Return a one-line summary instead of printing three DataFrames."""
        return (
            f"LeaveLastOut(num_users={self.num_users}, num_items={self.num_items}, "
            f"train={len(self.train)} rows, valid={len(self.valid)} rows, "
            f"test={len(self.test)} rows)"
        )

    @property
    def num_items(self) -> int:
        """Number of distinct items; item codes run from 1 to ``num_items``."""
        return len(self.item_ids)

    @property
    def num_users(self) -> int:
        """Number of users; every user has one validation and one test target."""
        return len(self.user_ids)

    def fingerprint(self) -> str:
        """Return a sha256 digest of the split's content: its ids and its three parts.

        Two splits with the same users, items and the same (user, item, timestamp) rows in
        each part, in the same order, have the same fingerprint; any other difference (a tie
        ordered otherwise, a changed target) gives another. The model store and the
        benchmark results record it, so that nothing trained on another split is reused.

        Returns:
            64 hexadecimal digits.
        """
        cached = self.__dict__.get("_fingerprint")
        if cached is not None:
            return cached
        digest = hashlib.sha256()
        for ids in (self.user_ids, self.item_ids):
            digest.update(np.ascontiguousarray(ids, dtype=np.int64).tobytes())
        for part in (self.train, self.valid, self.test):
            digest.update(len(part).to_bytes(8, "little"))
            for column in _REQUIRED_COLUMNS:
                digest.update(np.ascontiguousarray(part[column], dtype=np.int64).tobytes())
        # The parts are never modified after construction, so the digest is computed once.
        object.__setattr__(self, "_fingerprint", digest.hexdigest())
        return self._fingerprint

    def encode_items(self, item_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Map original item ids to item codes (1..num_items).

        Args:
            item_ids: Original item ids, any shape.

        Returns:
            An int32 array of codes with the same shape as ``item_ids``.

        Raises:
            ValueError: If an id is not an integer or is not in ``item_ids``.
        """
        return (_positions(self.item_ids, item_ids, "item", "codes") + 1).astype(_CODE_DTYPE)

    def encode_users(self, user_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Map original user ids to their rows (0..num_users - 1) in every per-user array.

        Row ``u`` of a score matrix, of :meth:`histories` and of :meth:`targets` belongs to
        ``user_ids[u]``; the models' user inputs take the same rows.

        Args:
            user_ids: Original user ids, any shape (one id gives a 0-d array: ``int()`` it).

        Returns:
            An int32 array of rows with the same shape as ``user_ids``.

        Raises:
            ValueError: If an id is not an integer or is not in ``user_ids``.
        """
        return _positions(self.user_ids, user_ids, "user", "rows").astype(_CODE_DTYPE)

    def decode_items(self, codes: Iterable[int] | np.ndarray) -> np.ndarray:
        """Map item codes (1..num_items) back to original item ids.

        Args:
            codes: Item codes, any shape.

        Returns:
            An array of original item ids with the same shape as ``codes``.

        Raises:
            ValueError: If a code is not an integer in 1..num_items (0 is padding).
        """
        codes = np.asarray(codes)
        if codes.size == 0:
            return np.zeros(codes.shape, dtype=self.item_ids.dtype)
        if not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"item codes must be integers, got dtype {codes.dtype}.")
        bad = (codes < 1) | (codes > self.num_items)
        if bad.any():
            values = np.unique(codes[bad])
            raise ValueError(
                f"{values.size} invalid item codes (first few: {values[:5].tolist()}); codes "
                f"run from 1 to {self.num_items} and 0 is padding, which has no item: drop "
                "padding before decoding, e.g. codes[codes > 0]."
            )
        return self.item_ids[codes - 1]

    def _history_parts(self, stage: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the concatenated histories of ``stage`` and each user's start offset."""
        check_stage(stage)
        if stage == "valid":
            return self._train_codes, self._offsets
        # For the test stage the validation item is known history: append it to each user's
        # training items. Every user's block moves right by the number of users before it.
        n_users = self.num_users
        offsets = self._offsets + np.arange(n_users + 1)
        counts = np.diff(self._offsets)
        flat = np.empty(len(self._train_codes) + n_users, dtype=_CODE_DTYPE)
        flat[np.arange(len(self._train_codes)) + np.repeat(np.arange(n_users), counts)] = (
            self._train_codes
        )
        flat[offsets[1:] - 1] = self._valid_codes
        flat.setflags(write=False)
        return flat, offsets

    def histories(self, stage: str) -> list[np.ndarray]:
        """Return each user's known history (item codes, oldest first) for a stage.

        Args:
            stage: "valid" (the training items) or "test" (the training items followed by
                the validation item).

        Returns:
            One read-only int32 array per user, in ``user_ids`` order.

        Raises:
            ValueError: If ``stage`` is not "valid" or "test".
        """
        flat, offsets = self._history_parts(stage)
        return np.split(flat, offsets[1:-1])

    def seen_items(self, stage: str) -> list[np.ndarray]:
        """Return the item codes to exclude when ranking for a stage.

        These are exactly ``histories(stage)``: an item the user already interacted with
        is not recommended again. Pass the result as ``exclude`` to
        :func:`course_utils.metrics.evaluate_ranking`.

        Args:
            stage: "valid" or "test".

        Returns:
            One int32 array of codes per user, in ``user_ids`` order.

        Raises:
            ValueError: If ``stage`` is not "valid" or "test".
        """
        return self.histories(stage)

    def targets(self, stage: str) -> np.ndarray:
        """Return each user's held-out item code for a stage.

        Args:
            stage: "valid" or "test".

        Returns:
            A read-only int32 array of shape ``(num_users,)``.

        Raises:
            ValueError: If ``stage`` is not "valid" or "test".
        """
        check_stage(stage)
        return self._valid_codes if stage == "valid" else self._test_codes

    def padded_sequences(self, stage: str, max_len: int) -> np.ndarray:
        """Return the last ``max_len`` history items of each user, left-padded with 0.

        Left padding keeps the most recent item in the last column, which is where
        sequence models read their prediction from.

        Args:
            stage: "valid" or "test" (see :meth:`histories`).
            max_len: Number of columns.

        Returns:
            An int32 array of shape ``(num_users, max_len)``.

        Raises:
            ValueError: If ``stage`` is unknown or ``max_len`` is not an int >= 1.
        """
        max_len = check_int(max_len, "max_len", 1)
        flat, offsets = self._history_parts(stage)
        return _left_pad(flat, offsets[:-1], np.diff(offsets), max_len)

    def training_windows(self, max_len: int) -> tuple[np.ndarray, np.ndarray]:
        """Return one "history so far -> next item" example per training position.

        A user with ``n`` training items yields ``n - 1`` examples: the prefixes of length
        1..n-1 (only the last ``max_len`` items of each, left-padded with 0) and the item
        that follows each prefix. Only training items are used, so neither the validation
        nor the test item can appear as an input or a target.

        Args:
            max_len: Width of each input window.

        Returns:
            ``(inputs, targets)``: an int32 array of shape ``(n_examples, max_len)`` and an
            int32 array of shape ``(n_examples,)``, ordered by user and then by time.

        Raises:
            ValueError: If ``max_len`` is not an int >= 1.
        """
        max_len = check_int(max_len, "max_len", 1)
        flat, offsets = self._train_codes, self._offsets
        counts = np.diff(offsets)
        # Every training item except each user's first one is the target of one example.
        is_target = np.ones(len(flat), dtype=bool)
        is_target[offsets[:-1][counts > 0]] = False
        target_index = np.flatnonzero(is_target)
        user_start = np.repeat(offsets[:-1], np.maximum(counts - 1, 0))
        window = target_index[:, None] - max_len + np.arange(max_len)[None, :]
        # Positions before the user's first item belong to another user: pad them with 0.
        inside = window >= user_start[:, None]
        inputs = np.where(inside, flat[np.maximum(window, 0)], 0).astype(_CODE_DTYPE)
        targets = flat[target_index].astype(_CODE_DTYPE)
        return inputs, targets

    def training_sequences(self, max_len: int) -> tuple[np.ndarray, np.ndarray]:
        """Return one shifted (inputs, targets) pair of sequences per user.

        For models that predict the next item at every position (SASRec-style): from the
        last ``max_len + 1`` training items, the inputs are all but the last and the targets
        are all but the first, so ``targets[u, j]`` is the item after ``inputs[u, j]``. Both
        are left-padded with 0; a 0 target marks a position the loss must mask.

        Args:
            max_len: Sequence length.

        Returns:
            ``(inputs, targets)``: two int32 arrays of shape ``(num_users, max_len)``.

        Raises:
            ValueError: If ``max_len`` is not an int >= 1.
        """
        max_len = check_int(max_len, "max_len", 1)
        flat, offsets = self._train_codes, self._offsets
        starts = offsets[:-1]
        pairs = np.maximum(np.diff(offsets) - 1, 0)
        inputs = _left_pad(flat, starts, pairs, max_len)
        targets = _left_pad(flat, starts + 1, pairs, max_len)
        return inputs, targets


def _validate_ratings(ratings: pd.DataFrame) -> None:
    """Raise ValueError if ``ratings`` cannot be split."""
    if not isinstance(ratings, pd.DataFrame):
        raise ValueError(f"ratings must be a pandas DataFrame, got {type(ratings).__name__}.")
    missing = [column for column in _REQUIRED_COLUMNS if column not in ratings.columns]
    if missing:
        raise ValueError(
            f"ratings lacks the columns {missing}; it needs {list(_REQUIRED_COLUMNS)} "
            f"(found {list(ratings.columns)}). Rename the columns first."
        )
    if ratings.empty:
        raise ValueError("ratings is empty; there is nothing to split.")
    for column in _REQUIRED_COLUMNS:
        values = ratings[column]
        if values.isna().any():
            raise ValueError(
                f"ratings[{column!r}] has {int(values.isna().sum())} missing values; drop "
                "those rows first."
            )
        if not pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(
            values.dtype
        ):
            raise ValueError(
                f"ratings[{column!r}] must have an integer dtype, got {values.dtype}; "
                f"convert it with ratings[{column!r}].astype('int64')."
            )
    # A repeated (user, item) pair could put the held-out item into the user's own training
    # history, which would make the test trivially easy, so it is refused outright.
    duplicated = ratings.duplicated(["user_id", "item_id"], keep=False)
    if duplicated.any():
        example = ratings.loc[duplicated, ["user_id", "item_id"]].iloc[0]
        raise ValueError(
            f"ratings has {int(duplicated.sum())} rows that repeat a (user_id, item_id) pair "
            f"(e.g. user {example['user_id']}, item {example['item_id']}); keep one row per "
            "pair first, e.g. ratings.drop_duplicates(['user_id', 'item_id'], keep='last')."
        )


def leave_last_out(
    ratings: pd.DataFrame,
    *,
    min_interactions: int = 3,
    ties: str = "random",
    tie_seed: int = TIE_SEED,
) -> LeaveLastOut:
    """Split each user's interactions into training, validation and test by time.

    Each user's rows are sorted by timestamp. Rows that share a timestamp are ordered by
    :func:`tie_keys` (a seeded pseudo-random order, the course's protocol), or by ascending
    item id with ``ties="item_id"``; either way the split is deterministic and does not
    depend on the row order of ``ratings``. The last row is the test target, the
    second-to-last the validation target, and the rest is training. Items are coded over the
    whole table, so an item seen only in validation or test still has a code (it is part of
    the catalogue; a model just has no training signal for it).

    Taught in notebooks/01_recommender_systems_and_data.ipynb (section 4.1).

    Args:
        ratings: Interaction log with integer columns ``user_id``, ``item_id`` and
            ``timestamp`` (other columns, such as ``rating``, are carried along). Each
            (user_id, item_id) pair may appear only once.
        min_interactions: Smallest number of interactions a user must have; at least 3,
            so that every user keeps at least one training item.
        ties: ``"random"`` or ``"item_id"`` (see :data:`TIES`).
        tie_seed: The seed of the random tie order; the course keeps :data:`TIE_SEED`.

    Returns:
        The split, as a :class:`LeaveLastOut`.

    Raises:
        ValueError: If ``ratings`` is malformed (see above), if ``min_interactions`` is not
            an int >= 3, if ``ties`` or ``tie_seed`` is invalid, or if some users have fewer
            than ``min_interactions`` interactions. Such users are not dropped silently:
            filter them first.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}.")
    tie_seed = check_int(tie_seed, "tie_seed", 0)
    if (
        isinstance(min_interactions, bool)
        or not isinstance(min_interactions, Integral)
        or min_interactions < 3
    ):
        raise ValueError(
            f"min_interactions must be an int >= 3 (one training, one validation and one test "
            f"interaction per user), got {min_interactions!r}."
        )
    _validate_ratings(ratings)

    counts = ratings.groupby("user_id", sort=True).size()
    too_few = counts[counts < min_interactions]
    if len(too_few):
        raise ValueError(
            f"{len(too_few)} user(s) have fewer than {min_interactions} interactions (e.g. user "
            f"{too_few.index[0]} has {too_few.iloc[0]}); filter them first, e.g. "
            f"ratings[ratings.groupby('user_id')['user_id'].transform('size') >= "
            f"{min_interactions}]."
        )

    user = ratings["user_id"].to_numpy(dtype=np.int64)
    item = ratings["item_id"].to_numpy(dtype=np.int64)
    timestamp = ratings["timestamp"].to_numpy(dtype=np.int64)
    # np.lexsort sorts by the last key first: user, then timestamp, then the tie key.
    tie_key = tie_keys(user, item, tie_seed) if ties == "random" else item
    order = np.lexsort((tie_key, timestamp, user))
    table = ratings.iloc[order].reset_index(drop=True)
    for column in _REQUIRED_COLUMNS:
        table[column] = table[column].astype(np.int64)

    sorted_user = user[order]
    # Position of each row counted from its user's end: 0 is the last interaction.
    user_end = np.searchsorted(sorted_user, sorted_user, side="right")
    from_end = user_end - 1 - np.arange(len(sorted_user))

    item_ids, user_ids = np.unique(item), np.unique(user)
    # The id arrays are shared with every caller, so they are made read-only too.
    item_ids.setflags(write=False)
    user_ids.setflags(write=False)
    return LeaveLastOut(
        train=table[from_end >= 2].reset_index(drop=True),
        valid=table[from_end == 1].reset_index(drop=True),
        test=table[from_end == 0].reset_index(drop=True),
        item_ids=item_ids,
        user_ids=user_ids,
    )
