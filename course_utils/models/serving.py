"""Serve a trained recommender: a history of MovieLens item ids in, a top-k table of titles out.

A trained model scores item *codes* for *user indices* of one split. A product needs the
other side: "this person watched these movies, oldest first; what next?" This module is
that thin layer around any of the course's trained Keras recommenders:

* it checks the request (a non-empty history of distinct, known integer item ids, a
  sensible ``k``, a known user id if one is given) and raises a ``ValueError`` that names the
  bad value;
* it turns the history into the model's input: the last ``max_len`` item codes, left-padded
  with the padding code 0, exactly as :meth:`course_utils.splits.LeaveLastOut.padded_sequences`
  does for the evaluation;
* it scores every item, drops the padding code and, by default, the movies already seen:
  those of the history and, for a known user, every movie of theirs in the split, even if
  the request passes only part of their history; it returns the best ``k`` as a
  ``pandas.DataFrame`` of ``item_id``, ``title`` and ``score``, ranked from 1. Ties are
  broken by the lower item code, as in :func:`course_utils.metrics.top_k`.

What a model can serve depends on its inputs, which the :class:`Recommender` reads from the
model itself. An input named ``"user"`` takes a user index; any other input (``"sequence"``
in :mod:`course_utils.models.caser`) takes the window of item codes. So:

* a sequence input only (a sequence model without a user table): any history;
* a sequence input and a ``"user"`` input (Caser, which adds a user embedding): the history
  of a known user (``user_id=...``), or an anonymous history, scored in one forward pass as
  the average user: every row of the ``user_embedding`` table replaced by the table's mean.
  The course's models are linear in the user vector after that table, so this equals the
  average of the scores the model gives every known user with that history, for the price of
  one user;
* a ``"user"`` input only (matrix factorisation): a known user only. Such a model never reads
  the history, so the history only filters what the user has already seen; an anonymous
  history is refused with a message that says so.

A model whose output scores every position of the sequence, shape
``(batch, time, num_items + 1)``, is read at its last position, the item after the most
recent one. A sequence input without a fixed length needs ``max_len`` from the caller (the
window the model was evaluated with, usually ``config["max_len"]``).

Taught in notebooks/10_model_comparison.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import keras
import numpy as np
import pandas as pd

from course_utils.explain import left_pad
from course_utils.metrics import top_k
from course_utils.splits import LeaveLastOut, check_split, check_stage

__all__ = ["USER_INPUT", "Recommender"]

#: The name of the input that takes a user index; any other input takes the item codes.
USER_INPUT = "user"


def _is_int(value: object) -> bool:
    """Whether ``value`` is an integer (Python or NumPy), booleans excluded."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


class Recommender:
    """Recommend movies from a history of MovieLens item ids with a trained Keras model.

    Taught in notebooks/10_model_comparison.ipynb (section 6).

    Args:
        model: a trained recommender with at most two inputs: one for the item codes of a
            left-padded window (shape ``(max_len,)``, any name), and one named ``"user"``
            for a user index (shape ``()``). Its output scores the ``num_items + 1`` item
            codes, at the end of the window (``(batch, num_items + 1)``) or at every
            position (``(batch, time, num_items + 1)``, read at the last position). For
            example a model from :func:`course_utils.models.caser.build_model` or
            :func:`course_utils.models.mf.build_model`.
        split: the split the model was trained on; it maps item ids to codes and user ids
            to indices.
        items: a table with the columns ``item_id`` and ``title`` (the ``items`` of
            :func:`course_utils.data.load_movielens_100k`), holding every item of the split.
        max_len: the number of recent items to feed; required when the model's sequence
            input has no fixed length, and otherwise equal to that length if given.

    Attributes:
        name: the model's name.
        max_len: the window of history the model reads, or None if it reads none.
        uses_user: whether the model has a user input.

    Raises:
        ValueError: if the model is not a Keras model with the expected inputs and output
            width, ``max_len`` is missing or wrong, or ``items`` lacks a column or an item of
            the split.

    Example:
        >>> recommender = Recommender(model, split, movielens.items)  # doctest: +SKIP
        >>> recommender.recommend([50, 172, 181], k=5)  # doctest: +SKIP
    """

    def __init__(
        self,
        model: keras.Model,
        split: LeaveLastOut,
        items: pd.DataFrame,
        *,
        max_len: int | None = None,
    ) -> None:
        if not isinstance(model, keras.Model):
            raise ValueError(f"model must be a trained keras.Model, got {type(model).__name__}.")
        check_split(split)
        inputs = {tensor.name: tensor for tensor in model.inputs}
        sequence_inputs = [name for name in inputs if name != USER_INPUT]
        if not inputs or len(sequence_inputs) > 1 or len(model.outputs) != 1:
            raise ValueError(
                f"model {model.name!r} has inputs {sorted(inputs)} and {len(model.outputs)} "
                f"outputs; a Recommender fills at most one input of item codes and one named "
                f"{USER_INPUT!r}, and reads one output of scores."
            )
        output_shape = tuple(model.outputs[0].shape)
        columns = output_shape[-1]
        if len(output_shape) not in (2, 3) or columns != split.num_items + 1:
            raise ValueError(
                f"model {model.name!r} outputs shape {output_shape} but the split has "
                f"{split.num_items} items: expected (batch, {split.num_items + 1}) or "
                f"(batch, time, {split.num_items + 1}) item codes (+1 for padding); use the "
                "split it was trained on."
            )
        self.name: str = model.name
        self._sequence_input: str | None = sequence_inputs[0] if sequence_inputs else None
        self._per_position = len(output_shape) == 3
        self.max_len: int | None = self._window_length(inputs, max_len)
        self.uses_user: bool = USER_INPUT in inputs
        if self.uses_user:
            known = self._user_table_size(model)
            if known is not None and known != split.num_users:
                raise ValueError(
                    f"model {model.name!r} knows {known} users but the split has "
                    f"{split.num_users}; use the split it was trained on."
                )
        if not isinstance(items, pd.DataFrame) or not {"item_id", "title"} <= set(items.columns):
            raise ValueError("items must be a DataFrame with the columns 'item_id' and 'title'.")
        titles = items.drop_duplicates("item_id").set_index("item_id")["title"]
        missing = np.setdiff1d(split.item_ids, titles.index.to_numpy())
        if missing.size:
            raise ValueError(
                f"items lacks {missing.size} item ids of the split (first few: "
                f"{missing[:5].tolist()}); pass the items table of the same data."
            )
        self._model = model
        self._split = split
        # The model with every user vector replaced by the mean one, built on first use.
        self._average_user_model: keras.Model | None = None
        # Titles indexed by item code; code 0 (padding) has no title.
        self._titles = np.array(
            [""] + titles.loc[split.item_ids].astype(str).tolist(), dtype=object
        )

    def __repr__(self) -> str:
        reads = f"the last {self.max_len} items" if self.max_len else "no history"
        user = ", a user index" if self.uses_user else ""
        return f"Recommender({self.name!r}: reads {reads}{user}; {self._split.num_items} items)"

    def _window_length(self, inputs: dict, max_len: int | None) -> int | None:
        """Return the number of recent items to feed, from the model or ``max_len``."""
        if max_len is not None and (not _is_int(max_len) or max_len < 1):
            raise ValueError(f"max_len must be a positive integer or None, got {max_len!r}.")
        if self._sequence_input is None:
            if max_len is not None:
                raise ValueError(
                    f"model {self.name!r} reads no sequence of items, so max_len does not apply."
                )
            return None
        fixed = inputs[self._sequence_input].shape[-1]
        if fixed is None:
            if max_len is None:
                raise ValueError(
                    f"model {self.name!r} reads sequences of any length: pass max_len=, the "
                    "number of recent items it was evaluated with (its config's max_len)."
                )
            return int(max_len)
        if max_len is not None and max_len != fixed:
            raise ValueError(
                f"model {self.name!r} reads exactly {fixed} items, got max_len={max_len!r}."
            )
        return int(fixed)

    @staticmethod
    def _user_table_size(model: keras.Model) -> int | None:
        """Return the number of rows of the model's ``user_embedding`` layer, if it has one."""
        try:
            layer = model.get_layer("user_embedding")
        except ValueError:
            return None
        return int(getattr(layer, "input_dim", 0)) or None

    # ----------------------------------------------------------------------------------
    # Checking a request
    # ----------------------------------------------------------------------------------
    def _history_codes(self, history: Sequence[int] | np.ndarray) -> np.ndarray:
        """Return the item codes of a history of item ids, or raise ValueError."""
        if isinstance(history, (str, bytes)) or not isinstance(
            history, (Sequence, np.ndarray, pd.Series)
        ):
            raise ValueError(
                "history must be a list of MovieLens item ids (integers), oldest first, got "
                f"{type(history).__name__}."
            )
        if isinstance(history, np.ndarray) and history.ndim != 1:
            raise ValueError(f"history must be one-dimensional, got shape {history.shape}.")
        # tolist() turns NumPy integers into Python ints, and keeps floats and booleans
        # as such, so that they are refused below.
        values = history.tolist() if isinstance(history, (np.ndarray, pd.Series)) else list(history)
        if len(values) == 0:
            raise ValueError(
                "history is empty: a recommender needs at least one item id. For a brand-new "
                "user, recommend popular items instead (course_utils.baselines)."
            )
        bad = [value for value in values if not _is_int(value)]
        if bad:
            raise ValueError(
                f"history must hold integer item ids, got {bad[:5]!r} "
                f"({', '.join(sorted({type(value).__name__ for value in bad}))})."
            )
        ids = np.asarray([int(value) for value in values], dtype=np.int64)
        unique, counts = np.unique(ids, return_counts=True)
        if (counts > 1).any():
            repeated = unique[counts > 1].tolist()
            raise ValueError(
                f"history repeats the item ids {repeated[:5]}: a MovieLens user rates a movie "
                "once, so each id may appear once; keep the latest of each, e.g. "
                "list(dict.fromkeys(reversed(history)))[::-1]."
            )
        unknown = ~np.isin(ids, self._split.item_ids)
        if unknown.any():
            bad_ids = list(dict.fromkeys(ids[unknown].tolist()))
            raise ValueError(
                f"unknown item ids {bad_ids[:5]}: the model knows the {self._split.num_items} "
                f"item ids from {int(self._split.item_ids[0])} to "
                f"{int(self._split.item_ids[-1])} of its training data."
            )
        return self._split.encode_items(ids)

    def _user_index(self, user_id: int | None) -> int | None:
        """Return the row of a known user id, None for an anonymous request, or raise."""
        if user_id is None:
            if not self.max_len:
                raise ValueError(
                    f"model {self.name!r} scores the users it was trained on and never reads a "
                    "history, so it cannot serve an anonymous history: pass user_id= of a "
                    "known user (the history then only filters what they have seen), or use a "
                    "sequence model."
                )
            return None
        if not _is_int(user_id):
            raise ValueError(f"user_id must be an integer user id or None, got {user_id!r}.")
        try:
            return int(self._split.encode_users(user_id))
        except ValueError:
            raise ValueError(
                f"unknown user_id {user_id!r}: the model knows the {self._split.num_users} user "
                "ids of its training data; pass user_id=None for an anonymous history."
            ) from None

    # ----------------------------------------------------------------------------------
    # Scoring and recommending
    # ----------------------------------------------------------------------------------
    def window(self, history: Sequence[int] | np.ndarray) -> np.ndarray:
        """Return the model's sequence input for a history: its last codes, left-padded.

        Args:
            history: MovieLens item ids, oldest first.

        Returns:
            An int32 array of shape ``(max_len,)``; the most recent item is in the last
            column and missing positions hold the padding code 0.

        Raises:
            ValueError: if the history is invalid or the model reads no history.
        """
        if not self.max_len:
            raise ValueError(f"model {self.name!r} reads no history, so it has no window.")
        return self._window_of_codes(self._history_codes(history))

    def _window_of_codes(self, codes: np.ndarray) -> np.ndarray:
        """Left-pad the last ``max_len`` codes with 0 (the most recent item last)."""
        return left_pad([codes], self.max_len)[0]

    def scores(
        self, history: Sequence[int] | np.ndarray, *, user_id: int | None = None
    ) -> np.ndarray:
        """Score every item code for one history.

        Args:
            history: MovieLens item ids, oldest first.
            user_id: a known user id, for models with a user input; None for an anonymous
                history (models with a user input then average over every known user).
                A model without a user input checks it and ignores it.

        Returns:
            A float64 array of shape ``(num_items + 1,)``; entry 0 (padding) is ``-inf``.

        Raises:
            ValueError: if the history or the user id is invalid, or the model cannot serve
                an anonymous history.
        """
        codes = self._history_codes(history)
        user = self._user_index(user_id)
        window = self._window_of_codes(codes)[None, :] if self.max_len else None
        if self.uses_user and user is None:
            # An anonymous history: one forward pass as the average user (any row of the
            # average-user model's table is the mean vector).
            row = self._predict(window, np.zeros(1, dtype=np.int32), self._average_user())[0]
        else:
            users = np.array([user], dtype=np.int32) if self.uses_user else None
            row = self._predict(window, users)[0]
        row = np.asarray(row, dtype=np.float64).copy()
        row[0] = -np.inf
        return row

    def _average_user(self) -> keras.Model:
        """Return a copy of the model whose user table holds the mean user vector in every row."""
        # The scores of the course's models are linear in the user vector (it is concatenated
        # or added before the last dense layer, and dropout is off at inference), so one pass
        # with the mean vector gives the average of the scores over every known user.
        if self._average_user_model is None:
            if self._user_table_size(self._model) is None:
                raise ValueError(
                    f"model {self.name!r} has a user input but no 'user_embedding' layer, so "
                    "it cannot score an anonymous history as the average user; pass user_id=."
                )
            copy = keras.models.clone_model(self._model)
            copy.set_weights(self._model.get_weights())
            table = copy.get_layer("user_embedding")
            weights = np.asarray(table.get_weights()[0])
            table.set_weights([np.broadcast_to(weights.mean(axis=0), weights.shape).copy()])
            self._average_user_model = copy
        return self._average_user_model

    def _predict(
        self,
        windows: np.ndarray | None,
        users: np.ndarray | None,
        model: keras.Model | None = None,
    ) -> np.ndarray:
        """Score a batch of windows and/or user indices: one row of scores each."""
        model = model or self._model
        inputs = {}
        if self._sequence_input is not None:
            inputs[self._sequence_input] = windows
        if self.uses_user:
            inputs[USER_INPUT] = users
        # Feed the inputs in the structure the model was built with: a dict, a list or
        # a single tensor, matched by the inputs' names.
        structure = model.input
        if isinstance(structure, dict):
            feed = {key: inputs[tensor.name] for key, tensor in structure.items()}
        elif isinstance(structure, (list, tuple)):
            feed = [inputs[tensor.name] for tensor in structure]
        else:
            feed = inputs[structure.name]
        scores = np.asarray(model.predict_on_batch(feed))
        # A model that scores every position predicts, at the last one, the next item.
        return scores[:, -1, :] if self._per_position else scores

    def recommend(
        self,
        history: Sequence[int] | np.ndarray,
        k: int = 10,
        *,
        exclude_seen: bool = True,
        user_id: int | None = None,
    ) -> pd.DataFrame:
        """Return the ``k`` best items for a history, as a table of ids, titles and scores.

        Taught in notebooks/10_model_comparison.ipynb (section 6).

        Args:
            history: MovieLens item ids, oldest first (for example ``[50, 172, 181]``).
            k: the number of recommendations, from 1 to the number of items.
            exclude_seen: leave out the items the user has seen (a MovieLens user rates a
                movie once): those of the history and, for a known user, all of theirs in
                the split; False ranks every item, as the unfiltered protocol does.
            user_id: a known user id, for models with a user input; None for an anonymous
                history. A model without a user input checks it and ignores it.

        Returns:
            A DataFrame indexed by ``rank`` (1 to k) with the columns ``item_id``,
            ``title`` and ``score``, best first. It has fewer than ``k`` rows only when
            fewer items are left to recommend.

        Raises:
            ValueError: for an empty history, an unknown, repeated or non-integer item id, a ``k``
                that is not an integer from 1 to the number of items, a non-boolean
                ``exclude_seen``, an unknown user id, or an anonymous history given to a
                model that cannot read one.
        """
        if not _is_int(k) or not 1 <= k <= self._split.num_items:
            raise ValueError(
                f"k must be an integer from 1 to {self._split.num_items} (the number of items), "
                f"got {k!r}."
            )
        if not isinstance(exclude_seen, (bool, np.bool_)):
            raise ValueError(f"exclude_seen must be True or False, got {exclude_seen!r}.")
        codes = self._history_codes(history)
        row = self.scores(history, user_id=user_id)
        if user_id is not None:
            # A known user has seen everything the split holds for them, whatever part of
            # their history this request passes.
            user = self._user_index(user_id)
            everything = self._split.histories("test")[user]
            logged = [self._split.targets("test")[user : user + 1]]
            codes = np.union1d(codes, np.concatenate([everything, *logged]))
        exclude = [codes] if exclude_seen else None
        best = top_k(row[None, :], int(k), exclude=exclude)[0]
        best = best[best > 0]
        table = pd.DataFrame(
            {
                "item_id": self._split.decode_items(best).astype(np.int64),
                "title": self._titles[best].astype(str),
                "score": row[best],
            },
            index=pd.RangeIndex(1, len(best) + 1, name="rank"),
        )
        return table

    def history_of(self, user_id: int, stage: str = "test") -> list[int]:
        """Return a known user's history at a stage, as MovieLens item ids, oldest first.

        Args:
            user_id: a user id of the split.
            stage: ``"valid"`` (training items) or ``"test"`` (training items and the
                validation item), as in :meth:`course_utils.splits.LeaveLastOut.histories`.

        Returns:
            The item ids, oldest first.

        Raises:
            ValueError: if the user id or the stage is unknown.
        """
        check_stage(stage)
        if user_id is None:
            raise ValueError("user_id must be an integer user id, got None.")
        user = self._user_index(user_id)
        codes = self._split.histories(stage)[user]
        return [int(item) for item in self._split.decode_items(codes)]
