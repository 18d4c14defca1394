"""The course's Keras models: the recommenders of Part II, their training, store and serving.

Modules:

* :mod:`~course_utils.models.training`: the shared training loop (early stopping on
  validation NDCG@10, restoring the best weights);
* :mod:`~course_utils.models.mf`, :mod:`~course_utils.models.caser`,
  :mod:`~course_utils.models.sequence_rnn` and :mod:`~course_utils.models.sasrec`: the
  models, each a :class:`CourseModel`;
* :mod:`~course_utils.models.model_store`: trained models saved for the later notebooks;
* :mod:`~course_utils.models.serving`: a trained model behind movie ids and titles.

This package sets TensorFlow's environment when it is imported, before any of its modules
imports Keras. It is the only part of :mod:`course_utils` that imports TensorFlow or Keras at
import time; the NumPy core (``data``, ``splits``, ``metrics``, ``baselines`` and the rest)
never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from course_utils.setup import set_tensorflow_environment

set_tensorflow_environment()

if TYPE_CHECKING:
    from collections.abc import Sequence

    import keras
    import numpy as np

    from course_utils.splits import LeaveLastOut

__all__ = ["CourseModel"]


@runtime_checkable
class CourseModel(Protocol):
    """The contract of a model module of the course: a configuration, build, train and score.

    A module satisfies it by defining these five names (a module can implement a
    ``Protocol``, PEP 544). ``score`` ranks a split's users; ``score_histories`` scores any
    histories (a newcomer's, one with a movie deleted) through the same model. Register it in :data:`course_utils.models.model_store.COURSE_MODELS`
    and the store keys its weights on its code. ``CONTRIBUTING.md`` ("Adding a model") says
    the rest.
    """

    #: The hyperparameters chosen on validation (from :mod:`course_utils.configs`).
    DEFAULT_CONFIG: dict[str, Any]

    def build_model(self, num_items: int, num_users: int, **config: Any) -> keras.Model:
        """Return an untrained model that scores the ``num_items + 1`` item codes."""
        ...

    def train(
        self, split: LeaveLastOut, config: dict[str, Any] = ..., *, verbose: bool = True
    ) -> tuple[keras.Model, dict[str, Any]]:
        """Train on ``split.train``, stopping on validation; return the model and its history.

        ``config`` holds hyperparameters (missing ones take ``DEFAULT_CONFIG``'s); ``verbose``
        prints one line per epoch. The history is ``fit_with_validation``'s metadata:
        ``seconds``, ``best_epoch``, ``epochs``, ``num_parameters``, ``config`` and ``valid``
        (the kept weights' validation metrics). A split that is not a ``LeaveLastOut`` and a
        bad config entry raise ``ValueError``.
        """
        ...

    def score(self, model: keras.Model, split: LeaveLastOut, stage: str) -> np.ndarray:
        """Return the float64 ``(users, items + 1)`` score matrix for ``"valid"`` or ``"test"``.

        ``model`` comes from the module's ``build_model`` (trained, or loaded from the model
        store) and ``split`` is the split it was trained on; the test stage's history includes
        the validation item. An unknown stage, or a model that does not fit the split (other
        items or users), raises ``ValueError``.
        """
        ...

    def score_histories(
        self, model: keras.Model, histories: Sequence[Sequence[int]], users: Any = None
    ) -> np.ndarray:
        """Return the ``(len(histories), items + 1)`` float64 scores after any histories.

        ``histories`` are lists of item codes, oldest first. ``users`` are their user rows
        (rows of ``split.user_ids``, from ``split.encode_users``; one row serves every
        history), or None for histories of no known user; each module says how it scores
        those. A model from another module, a history that is not a list of item codes and a
        row the model does not know raise ``ValueError``.
        """
        ...
