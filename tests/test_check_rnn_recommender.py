"""Tests for course_utils/check/rnn_recommender.py, the checkers of notebook 08."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check, splits
from course_utils.check import CHECKERS
from course_utils.check.rnn_recommender import (
    masked_cross_entropy_reference,
    shifted_pair_reference,
)
from course_utils.synthetic import make_synthetic_log


def correct_shifted_pair(history, max_len):
    window = np.asarray(history)[-(max_len + 1) :]
    inputs, targets = np.zeros(max_len, dtype=int), np.zeros(max_len, dtype=int)
    n = len(window) - 1
    if n > 0:
        inputs[max_len - n :], targets[max_len - n :] = window[:-1], window[1:]
    return inputs, targets


def right_padded_shifted_pair(history, max_len):
    # The common mistake: padding on the right, so the newest item is not in the last column.
    window = np.asarray(history)[-(max_len + 1) :]
    inputs, targets = np.zeros(max_len, dtype=int), np.zeros(max_len, dtype=int)
    n = len(window) - 1
    if n > 0:
        inputs[:n], targets[:n] = window[:-1], window[1:]
    return inputs, targets


def correct_masked_cross_entropy(logits, targets):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    return -picked[targets > 0].mean()


def unmasked_cross_entropy(logits, targets):
    # Averages over every position, padding included.
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    return -(picked * (targets > 0)).mean()


def naive_cross_entropy(logits, targets):
    # Softmax without subtracting the maximum: exp overflows for large logits.
    with np.errstate(all="ignore"):
        probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
        return -np.log(picked[targets > 0]).mean()


def stub(*args):
    raise NotImplementedError("Exercise: replace this line with your solution.")


def test_checkers_are_registered():
    assert {"shifted_pair", "masked_cross_entropy"} <= set(CHECKERS)


def test_shifted_pair_reference_matches_the_split():
    # The reference is one row of split.training_sequences, on any history.
    log = make_synthetic_log(num_users=20, num_items=80, seed=3)
    split = splits.leave_last_out(log.ratings)
    for max_len in (3, 10, 60):
        inputs, targets = split.training_sequences(max_len)
        for user, history in enumerate(split.histories("valid")):
            ours = shifted_pair_reference(history, max_len)
            np.testing.assert_array_equal(ours[0], inputs[user])
            np.testing.assert_array_equal(ours[1], targets[user])


def test_shifted_pair_passes_a_correct_function():
    verdict = check.shifted_pair(correct_shifted_pair)
    assert verdict.passed, verdict.message


def test_shifted_pair_rejects_right_padding_with_a_hint():
    verdict = check.shifted_pair(right_padded_shifted_pair)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet")
    assert "inputs differ" in verdict.message and "right end" in verdict.message


def test_shifted_pair_rejects_a_non_pair():
    verdict = check.shifted_pair(lambda history, max_len: np.zeros(max_len))
    assert not verdict.passed and "expected a pair" in verdict.message


def test_shifted_pair_stub_is_not_implemented():
    verdict = check.shifted_pair(stub)
    assert not verdict.passed and "not implemented" in verdict.message


def test_masked_cross_entropy_reference_by_hand():
    logits = np.log(np.array([[[1.0, 1.0, 2.0, 1.0], [1.0, 3.0, 1.0, 4.0]]]))
    expected = -(np.log(2 / 5) + np.log(4 / 9)) / 2
    assert masked_cross_entropy_reference(logits, np.array([[2, 3]])) == pytest.approx(expected)
    # A padded target (0) does not count.
    assert masked_cross_entropy_reference(logits, np.array([[0, 3]])) == pytest.approx(
        -np.log(4 / 9)
    )


def test_masked_cross_entropy_reference_matches_keras_with_a_mask():
    import subprocess
    import sys

    # Keras averages over the unmasked positions when the predictions carry a mask;
    # a fresh interpreter keeps TensorFlow out of this test process.
    code = (
        "from course_utils.setup import setup_notebook\n"
        "setup_notebook(0, verbose=False)\n"
        "import numpy as np, keras\n"
        "from keras import layers\n"
        "from course_utils.check.rnn_recommender import masked_cross_entropy_reference\n"
        "inputs = keras.Input((None,), dtype='int32')\n"
        "x = layers.Embedding(7, 3, mask_zero=True)(inputs)\n"
        "x = layers.LSTM(4, return_sequences=True)(x)\n"
        "model = keras.Model(inputs, layers.Dense(7)(x))\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
        "seq = np.array([[0, 0, 1, 2], [0, 3, 4, 5], [1, 2, 3, 6]])\n"
        "tgt = np.where(seq > 0, (seq % 6) + 1, 0)\n"
        "keras_loss = model.evaluate(seq, tgt, verbose=0, batch_size=3)\n"
        "ours = masked_cross_entropy_reference(model.predict(seq, verbose=0), tgt)\n"
        "assert abs(keras_loss - ours) < 1e-5, (keras_loss, ours)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_masked_cross_entropy_passes_a_correct_function():
    verdict = check.masked_cross_entropy(correct_masked_cross_entropy)
    assert verdict.passed, verdict.message


def test_masked_cross_entropy_rejects_averaging_over_padding():
    verdict = check.masked_cross_entropy(unmasked_cross_entropy)
    assert not verdict.passed
    assert "padded positions" in verdict.message and "Hint:" in verdict.message


# The verdict's error is NaN here, and NumPy warns when it measures it.
@pytest.mark.filterwarnings("ignore:All-NaN:RuntimeWarning")
def test_masked_cross_entropy_rejects_an_unstable_softmax():
    verdict = check.masked_cross_entropy(naive_cross_entropy)
    assert not verdict.passed
    assert "large logits" in verdict.message


def test_masked_cross_entropy_stub_is_not_implemented():
    verdict = check.masked_cross_entropy(stub)
    assert not verdict.passed and "not implemented" in verdict.message
