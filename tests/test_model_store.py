"""Tests for course_utils.models.model_store: keys, atomic save, load, and load-or-train."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils.setup import setup_notebook


@pytest.fixture(scope="module")
def store():
    setup_notebook(0, verbose=False)
    from course_utils.models import model_store

    return model_store


def _tiny_model():
    import keras

    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="dense")], name="tiny")


def test_key_depends_on_name_config_and_split(store, split, log) -> None:
    from course_utils import splits

    key = store.model_key("caser", {"dim": 64}, split)
    assert key.startswith("caser-") and len(key) == len("caser-") + 12
    assert key == store.model_key("caser", {"dim": 64}, split)
    assert key != store.model_key("caser", {"dim": 32}, split)
    assert key != store.model_key("gru", {"dim": 64}, split)
    # Another tie order is another split: a model trained on it is never loaded here.
    other = splits.leave_last_out(log.ratings.assign(timestamp=log.ratings["timestamp"] // 10**9))
    assert other.fingerprint() != split.fingerprint()
    assert key != store.model_key("caser", {"dim": 64}, other)
    with pytest.raises(ValueError, match="letters, digits"):
        store.model_key("../evil", {}, split)
    with pytest.raises(ValueError, match="JSON"):
        store.model_key("caser", {"f": object()}, split)
    with pytest.raises(ValueError, match="split must be a LeaveLastOut"):
        store.model_key("caser", {}, "the split")


def test_key_depends_on_the_model_code(store, split, monkeypatch, tmp_path: Path) -> None:
    # An edit to a model module's code must change the key, so a stale model is never
    # loaded; an edit to its comments must not.
    names = [path.name for path in store.MODEL_SOURCES]
    assert all(path.is_file() for path in store.MODEL_SOURCES)
    before = store.model_key("caser", {"dim": 64}, split)
    edited = tmp_path / "models"
    edited.mkdir()
    copies = tuple(edited / path.name for path in store.MODEL_SOURCES)
    for source, copy in zip(store.MODEL_SOURCES, copies):
        copy.write_bytes(source.read_bytes())
    monkeypatch.setattr(store, "MODEL_SOURCES", copies)
    caser_source = store.MODEL_SOURCES[names.index("caser.py")].read_text()
    (edited / "caser.py").write_text(caser_source + "\n# a comment\n")
    assert store.model_key("caser", {"dim": 64}, split) == before
    (edited / "caser.py").write_text(caser_source + "\nEDITED = 1\n")
    assert store.model_key("caser", {"dim": 64}, split) != before


def test_the_model_sources_come_from_the_registered_models(store) -> None:
    # Every registered model's module is in the key, and so is the training loop it
    # imports: a model cannot be forgotten in a hand-typed list.
    from course_utils import models

    names = [path.name for path in store.MODEL_SOURCES]
    assert names == ["mf.py", "training.py", "caser.py", "sequence_rnn.py", "sasrec.py"]
    for _, module, config in store.COURSE_MODELS.values():
        assert isinstance(module, models.CourseModel)
        assert set(config) <= set(module.DEFAULT_CONFIG) | {"cell"}
    with pytest.raises(ValueError, match="not a course model: it needs DEFAULT_CONFIG"):
        store.model_sources([models])


def test_save_load_and_load_or_train(store, split, tmp_path: Path, capsys) -> None:
    assert store.load("tiny", {"a": 1}, split=split, data_dir=tmp_path) is None
    calls = []

    def train():
        calls.append(1)
        return _tiny_model(), {"seconds": 1.5}

    model, meta = store.load_or_train("tiny", {"a": 1}, train, split=split, data_dir=tmp_path)
    assert calls == [1] and meta == {"seconds": 1.5}
    again, meta_again = store.load_or_train("tiny", {"a": 1}, train, split=split, data_dir=tmp_path)
    assert calls == [1], "the second call loads instead of training"
    assert meta_again == meta
    x = np.ones((1, 2), dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))
    assert "training it now" in capsys.readouterr().out
    leftovers = [p.name for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]
    assert leftovers == [], "no temporary file is left behind"
    modes = {p.suffix: p.stat().st_mode & 0o777 for p in (tmp_path / "models").iterdir()}
    assert modes[".keras"] & 0o644 == 0o644, "a stored model is readable by everyone"


def test_a_read_only_store_keeps_the_model_in_the_learners_own(
    store, split, tmp_path: Path, monkeypatch, capsys
) -> None:
    # A teacher's shared copy whose store cannot be written: the file system refuses the
    # write (EROFS), which no chmod can show to a test that runs as root.
    shared, own = tmp_path / "shared", tmp_path / "own"
    monkeypatch.setenv("COURSE_MODEL_STORE", str(own))
    real_mkstemp = store.tempfile.mkstemp

    def read_only_mkstemp(*args, dir, **kwargs):
        if Path(dir).is_relative_to(shared):
            raise OSError(30, "Read-only file system")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(store.tempfile, "mkstemp", read_only_mkstemp)
    model, _ = store.load_or_train(
        "tiny", {"a": 2}, lambda: (_tiny_model(), {}), split=split, data_dir=shared
    )
    out = capsys.readouterr().out
    assert (
        f"{shared / 'models'} cannot be written (Read-only file system); the model is kept in {own}"
        in out
    )
    assert sorted(p.suffix for p in own.iterdir()) == [".json", ".keras"]
    assert store.load("tiny", {"a": 2}, split=split, data_dir=shared) is not None, (
        "the learner's own store is searched after the shared one"
    )
    monkeypatch.setattr(
        store.tempfile,
        "mkstemp",
        lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")),
    )
    with pytest.raises(OSError, match="No space left"):
        store.save("tiny", model, {"a": 3}, split=split, data_dir=shared)


def test_the_learners_own_store_follows_the_environment(store, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("COURSE_MODEL_STORE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.user_store_dir() == tmp_path / "dl-recsys-course" / "models"
    monkeypatch.setenv("COURSE_MODEL_STORE", "~/models")
    assert store.user_store_dir() == Path.home() / "models"


def test_course_models_lists_the_stored_models_and_rejects_unknown_labels(store) -> None:
    from course_utils.models import caser, sequence_rnn

    assert list(store.course_models()) == ["MF", "Caser", "LSTM", "GRU", "SASRec"]
    assert store.course_models(["LSTM", "Caser"]) == {
        "LSTM": ("lstm", sequence_rnn, sequence_rnn.CONFIGS["lstm"]),
        "Caser": ("caser", caser, caser.DEFAULT_CONFIG),
    }
    with pytest.raises(ValueError, match=r"unknown model labels \['CNN'\]; the labels are"):
        store.course_models(["CNN"])


def test_load_or_train_course_models_trains_once_then_loads(
    store, split, tmp_path: Path, monkeypatch, capsys
) -> None:
    calls = []

    class TinyModule:
        @staticmethod
        def train(split, config, verbose=True):
            calls.append((split, config, verbose))
            return _tiny_model(), {"seconds": 0.0}

    monkeypatch.setitem(store.COURSE_MODELS, "Tiny", ("tiny", TinyModule, {"a": 1}))
    first = store.load_or_train_course_models(split, ["Tiny"], data_dir=tmp_path)
    assert calls == [(split, {"a": 1}, True)] and list(first) == ["Tiny"]
    second = store.load_or_train_course_models(split, ["Tiny"], data_dir=tmp_path)
    assert len(calls) == 1, "the second call must load, not train"
    x = np.ones((1, 2), dtype="float32")
    np.testing.assert_allclose(
        second["Tiny"][0].predict(x, verbose=0), first["Tiny"][0].predict(x, verbose=0)
    )
    assert "training it now" in capsys.readouterr().out
