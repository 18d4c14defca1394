"""A cache of trained models, so that later notebooks reuse what an earlier one trained.

Notebook 07 trains the CNN recommender, for example, and saves it here; notebook 10 loads it
instead of training it again, or trains it itself when the cache is empty (a fresh clone
that opens notebook 10 first). A model is stored as a ``.keras`` file with a JSON file of
its metadata (configuration, training seconds, validation results). The key is a hash of
the model's name, its configuration, the fingerprint of the split it was trained on
(:meth:`course_utils.splits.LeaveLastOut.fingerprint`), the Keras version and the code of the
modules that build and train the registered models (:data:`MODEL_SOURCES`, derived from
:data:`COURSE_MODELS`), so a change to any of them trains afresh instead of loading a stale
model.

The cache lives in ``<data dir>/models`` (``datasets/cache/models`` by default), which git
ignores: the weights are derived from MovieLens, which may not be redistributed. Where that
folder cannot be written (a teacher's shared, read-only copy of the course), a model is kept
in the learner's own store instead (:func:`user_store_dir`), and :func:`load` looks in both.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras

from course_utils import data, results
from course_utils.models import CourseModel, caser, mf, sasrec, sequence_rnn
from course_utils.splits import check_split

__all__ = [
    "COURSE_MODELS",
    "MODEL_SOURCES",
    "course_models",
    "load",
    "load_or_train",
    "load_or_train_course_models",
    "model_key",
    "save",
    "store_dir",
    "user_store_dir",
]

# The errors of a folder that may not be written: no permission, or a read-only file system.
READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)

#: The models of Part II, by the label the later notebooks print: (name in the store, module
#: with ``train`` and ``score``, configuration). Notebooks 06 to 09 train and store MF, Caser,
#: the LSTM and SASRec; the GRU is trained and stored by the first notebook that loads it.
COURSE_MODELS: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "MF": ("mf", mf, mf.DEFAULT_CONFIG),
    "Caser": ("caser", caser, caser.DEFAULT_CONFIG),
    "LSTM": ("lstm", sequence_rnn, sequence_rnn.CONFIGS["lstm"]),
    "GRU": ("gru", sequence_rnn, sequence_rnn.CONFIGS["gru"]),
    "SASRec": ("sasrec", sasrec, sasrec.DEFAULT_CONFIG),
}


def model_sources(modules: Sequence[Any] | None = None) -> tuple[Path, ...]:
    """Return the files whose code shapes a stored model: the registered models' modules and
    the modules of :mod:`course_utils.models` they import (``training``), in a fixed order.

    Their code is part of every key: an edit to a model's layers or to its training recipe
    must not load the weights that the old code produced. Docstrings, comments and
    formatting are not part of it (:func:`course_utils.results.code_digest`).

    Args:
        modules: model modules; those of :data:`COURSE_MODELS` when None.

    Raises:
        ValueError: if a module does not follow :class:`course_utils.models.CourseModel`.
    """
    if modules is None:
        modules = [module for _, module, _ in COURSE_MODELS.values()]
    sources: dict[Path, None] = {}
    for module in modules:
        if not isinstance(module, CourseModel):
            raise ValueError(
                f"{getattr(module, '__name__', module)!r} is not a course model: it needs "
                "DEFAULT_CONFIG, build_model, train and score (see CONTRIBUTING.md)."
            )
        sources[Path(module.__file__)] = None
        for value in vars(module).values():
            name = getattr(value, "__name__", "")
            if getattr(value, "__file__", None) and name.startswith(f"{__package__}."):
                sources[Path(value.__file__)] = None
    return tuple(sources)


#: The files whose code is part of every key (see :func:`model_sources`).
MODEL_SOURCES = model_sources()


def _code_digest() -> str:
    """Return the digest of the code in :data:`MODEL_SOURCES`, in that order."""
    return results.code_digest(MODEL_SOURCES)


def store_dir(data_dir: str | Path | None = None) -> Path:
    """Return the folder of stored models.

    Args:
        data_dir: the data folder; ``data.default_data_dir()`` when None.

    Returns:
        ``<data_dir>/models``.
    """
    return Path(data_dir or data.default_data_dir()) / "models"


def user_store_dir() -> Path:
    """Return the learner's own store, for when the course's store cannot be written.

    ``$COURSE_MODEL_STORE`` when set; otherwise ``dl-recsys-course/models`` in the user's
    cache folder (``$XDG_CACHE_HOME``, or ``~/.cache``).
    """
    chosen = os.environ.get("COURSE_MODEL_STORE")
    if chosen:
        return Path(chosen).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "dl-recsys-course" / "models"


def model_key(name: str, config: dict[str, Any], split: Any) -> str:
    """Return the file stem under which a model with this name and configuration is stored.

    Args:
        name: the model's short name, such as ``"caser"``.
        config: its hyperparameters; values must be JSON-serialisable.
        split: the :class:`course_utils.splits.LeaveLastOut` it is trained on; its
            fingerprint is part of the key, so a model trained on another split (another
            tie order, other data) is never loaded.

    Returns:
        ``<name>-<12 hex digits>``.

    Raises:
        ValueError: if the name is not a simple identifier, the config is not JSON or the
            split is not a split.
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores, got {name!r}.")
    check_split(split)
    try:
        text = json.dumps(
            {
                "name": name,
                "config": config,
                "split": split.fingerprint(),
                "keras": keras.__version__,
                "code": _code_digest(),
            },
            sort_keys=True,
        )
    except TypeError as error:
        raise ValueError(f"config must be JSON-serialisable: {error}") from error
    return f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def save(
    name: str,
    model: keras.Model,
    config: dict[str, Any],
    metadata: dict[str, Any] | None = None,
    *,
    split: Any,
    data_dir: str | Path | None = None,
) -> Path:
    """Save a trained model and its metadata atomically.

    Where the course's store cannot be written, the model goes to :func:`user_store_dir`,
    with a one-line message saying where.

    Args:
        name: the model's short name.
        model: the trained model; its custom layers must be registered as serialisable.
        config: the configuration it was trained with.
        metadata: anything worth keeping with it (training seconds, validation results).
        split: the split it was trained on (part of the key).
        data_dir: the data folder, as in :func:`store_dir`.

    Returns:
        The path of the ``.keras`` file.
    """
    stem = model_key(name, config, split)
    record = {"name": name, "config": config, "metadata": metadata or {}}
    folder = store_dir(data_dir)
    try:
        return _write(folder, stem, model, record)
    except OSError as error:
        if error.errno not in READ_ONLY_ERRORS:
            raise
        fallback = user_store_dir()
        print(f"{folder} cannot be written ({error.strerror}); the model is kept in {fallback}")
        return _write(fallback, stem, model, record)


def _write(folder: Path, stem: str, model: keras.Model, record: dict[str, Any]) -> Path:
    """Write ``<stem>.keras`` and ``<stem>.json`` into ``folder``, each atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.keras"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{stem}-", suffix=".keras")
    os.close(handle)
    try:
        model.save(temporary)
        # mkstemp creates the file readable by its owner only; a stored model is for everyone
        # who runs the notebooks from this checkout, as its JSON metadata is.
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    meta_target = folder / f"{stem}.json"
    meta_temporary = meta_target.with_suffix(".json.tmp")
    meta_temporary.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(meta_temporary, meta_target)
    return target


def load(
    name: str, config: dict[str, Any], *, split: Any, data_dir: str | Path | None = None
) -> tuple[keras.Model, dict[str, Any]] | None:
    """Load a stored model and its metadata, or return None when none is stored.

    The course's store is searched first, then the learner's own (:func:`user_store_dir`).

    Args:
        name: the model's short name.
        config: the configuration it was trained with.
        split: the split it was trained on.
        data_dir: the data folder, as in :func:`store_dir`.

    Returns:
        ``(model, metadata)``, or None.
    """
    stem = model_key(name, config, split)
    for folder in (store_dir(data_dir), user_store_dir()):
        path, meta_path = folder / f"{stem}.keras", folder / f"{stem}.json"
        if path.exists() and meta_path.exists():
            model = keras.saving.load_model(path)
            record = json.loads(meta_path.read_text(encoding="utf-8"))
            return model, record["metadata"]
    return None


def load_or_train(
    name: str,
    config: dict[str, Any],
    train: Callable[[], tuple[keras.Model, dict[str, Any]]],
    *,
    split: Any,
    data_dir: str | Path | None = None,
    verbose: bool = True,
) -> tuple[keras.Model, dict[str, Any]]:
    """Load a stored model, or train it with ``train()`` and store it.

    Args:
        name: the model's short name.
        config: the configuration; part of the key.
        train: returns ``(model, metadata)`` for this configuration.
        split: the split ``train`` trains on; part of the key.
        data_dir: the data folder, as in :func:`store_dir`.
        verbose: say whether the model was loaded or trained.

    Returns:
        ``(model, metadata)``.
    """
    stored = load(name, config, split=split, data_dir=data_dir)
    if stored is not None:
        if verbose:
            print(f"{name}: loaded the model trained earlier")
        return stored
    if verbose:
        print(f"{name}: no stored model for this configuration; training it now")
    model, metadata = train()
    save(name, model, config, metadata, split=split, data_dir=data_dir)
    return model, metadata


def course_models(
    labels: Sequence[str] | None = None,
) -> dict[str, tuple[str, Any, dict[str, Any]]]:
    """Return entries of :data:`COURSE_MODELS`, in the order of ``labels``.

    Args:
        labels: labels such as ``["MF", "LSTM"]``; all of them when None.

    Returns:
        ``{label: (name in the store, module, configuration)}``.

    Raises:
        ValueError: if a label is unknown; the message lists the known ones.
    """
    labels = list(COURSE_MODELS) if labels is None else list(labels)
    unknown = [label for label in labels if label not in COURSE_MODELS]
    if unknown:
        raise ValueError(f"unknown model labels {unknown}; the labels are {list(COURSE_MODELS)}.")
    return {label: COURSE_MODELS[label] for label in labels}


def load_or_train_course_models(
    split: Any,
    labels: Sequence[str] | None = None,
    *,
    data_dir: str | Path | None = None,
    verbose: bool = True,
) -> dict[str, tuple[keras.Model, dict[str, Any]]]:
    """Load the stored models of Part II, training any that is missing.

    Each model goes through :func:`load_or_train` under its name and configuration in
    :data:`COURSE_MODELS`; a missing one is trained with its module's ``train`` (one line per
    epoch when ``verbose``) and stored.

    Args:
        split: the leave-last-out split of ML-100K the models are trained on.
        labels: which models, as in :func:`course_models`; all of them when None.
        data_dir: the data folder, as in :func:`store_dir`.
        verbose: say for each model whether it was loaded or trained.

    Returns:
        ``{label: (model, metadata)}``, in the order of ``labels``.

    Raises:
        ValueError: if a label is unknown.
    """
    return {
        label: load_or_train(
            name,
            config,
            lambda module=module, config=config: module.train(split, config, verbose=verbose),
            split=split,
            data_dir=data_dir,
            verbose=verbose,
        )
        for label, (name, module, config) in course_models(labels).items()
    }
