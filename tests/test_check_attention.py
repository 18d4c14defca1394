"""Tests for course_utils/check/attention.py, the checkers of notebook 09 (self-attention)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import check
from course_utils.check import attention


def correct_causal_mask(real):
    real = np.asarray(real, dtype=bool)
    allowed = np.zeros((len(real), len(real)), dtype=bool)
    for query in range(len(real)):
        for key in range(query + 1):
            allowed[query, key] = real[key]
    return allowed


def padding_ignored_mask(real):
    return np.tril(np.ones((len(real), len(real)), dtype=bool))


def future_mask(real):
    # The slip: the upper triangle, so each query sees the later positions.
    return np.triu(np.ones((len(real), len(real)), dtype=bool)) & np.asarray(real)[None, :]


def integer_mask(real):
    return correct_causal_mask(real).astype(int)


def correct_attend_one_query(query, keys, values, allowed):
    scores = np.asarray(keys) @ query / np.sqrt(len(query))
    scores[~np.asarray(allowed)] = -np.inf
    weights = np.exp(scores - scores.max())
    return (weights / weights.sum()) @ values


def unscaled_attend(query, keys, values, allowed):
    scores = np.asarray(keys) @ query
    scores[~np.asarray(allowed)] = -np.inf
    weights = np.exp(scores - scores.max())
    return (weights / weights.sum()) @ values


def unmasked_attend(query, keys, values, allowed):
    scores = np.asarray(keys) @ query / np.sqrt(len(query))
    weights = np.exp(scores - scores.max())
    return (weights / weights.sum()) @ values


def unstable_attend(query, keys, values, allowed):
    scores = np.asarray(keys) @ query / np.sqrt(len(query))
    weights = np.exp(scores) * np.asarray(allowed)
    return (weights / weights.sum()) @ values


def test_correct_solutions_pass() -> None:
    assert check.causal_mask(correct_causal_mask).passed
    assert check.attend_one_query(correct_attend_one_query).passed


@pytest.mark.parametrize(
    ("slip", "reason"),
    [
        (padding_ignored_mask, "padding positions are still allowed"),
        (future_mask, "the model would see the future"),
        (integer_mask, "boolean array"),
        (lambda real: correct_causal_mask(real).T, "rows are queries, columns are keys"),
    ],
)
def test_causal_mask_slips_fail_with_their_reason(slip, reason) -> None:
    verdict = check.causal_mask(slip)
    assert not verdict.passed and reason in verdict.message


@pytest.mark.parametrize("slip", [unscaled_attend, unmasked_attend, unstable_attend])
def test_attend_one_query_slips_fail(slip) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        verdict = check.attend_one_query(slip)
    assert not verdict.passed


def test_an_overflow_is_named() -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        verdict = check.attend_one_query(unstable_attend)
    assert "NaN or infinity" in verdict.message


def test_the_references_match_keras_multi_head_attention() -> None:
    import keras
    from keras import layers, ops

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(5)
    n, d = 5, 4
    x = rng.normal(size=(n, d)).astype("float32")
    real = np.array([False, False, True, True, True])
    layer = layers.MultiHeadAttention(num_heads=1, key_dim=d)
    layer(x[None], x[None])
    # Identity projections and zero biases: queries, keys and values are x itself.
    eye = np.eye(d, dtype="float32")
    zero = np.zeros((1, d), dtype="float32")
    layer.set_weights(
        [
            eye[:, None],
            zero,
            eye[:, None],
            zero,
            eye[:, None],
            zero,
            eye[None],
            np.zeros(d, dtype="float32"),
        ]
    )
    mask = ops.convert_to_tensor(real[None])
    outputs, scores = layer(
        x[None],
        x[None],
        query_mask=mask,
        value_mask=mask,
        use_causal_mask=True,
        return_attention_scores=True,
    )
    outputs, scores = ops.convert_to_numpy(outputs)[0], ops.convert_to_numpy(scores)[0, 0]
    allowed = attention.causal_mask_reference(real)
    for query in np.flatnonzero(real):
        assert np.all(scores[query][~allowed[query]] == 0)
        expected = attention.attend_one_query_reference(x[query], x, x, allowed[query])
        np.testing.assert_allclose(outputs[query], expected, atol=1e-5)
