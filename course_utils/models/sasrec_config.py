"""The SASRec model's settings, chosen on validation by ``benchmarks/sasrec_benchmark.py``.

They sit in this file of their own, not in :mod:`course_utils.configs`, because the other
results files fingerprint ``configs.py``: adding an entry there would make them stale before
their benchmarks run again. When they do, this entry moves to ``configs.py``.
``tests/test_results.py`` fails if it differs from the winner in ``sasrec.json``.

This module holds plain values only; importing it never starts TensorFlow.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SASREC"]

#: SASRec (course_utils.models.sasrec). The first six shape the network; the others its
#: training. ``max_epochs`` keeps one training run within the course's 120 s budget here.
SASREC: dict[str, Any] = {
    "max_len": 50,
    "embedding_dim": 64,
    "num_blocks": 1,
    "num_heads": 1,
    "dropout": 0.5,
    "attention_dropout": 0.2,
    "learning_rate": 0.003,
    "batch_size": 128,
    "max_epochs": 20,
    "patience": 3,
    "seed": 42,
}
