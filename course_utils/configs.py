"""The settings of every model the course trains or scores, each chosen on validation.

One place for the hyperparameters, so that a search can record what it chose and a test can
check that the models use it. The neural models' settings were chosen by
``benchmarks/neural_search.py`` (SASRec's by ``benchmarks/sasrec_benchmark.py``) and the
classical baselines' by ``benchmarks/baseline_search.py``, both on the validation targets of ML-100K (course split,
full ranking, the best NDCG@10 with the user's history filtered out); their results files in
``benchmarks/results/`` list every configuration tried. ``tests/test_results.py`` fails if a
value here differs from the search's winner.

The model modules read their defaults from here: ``mf.DEFAULT_CONFIG`` is :data:`MF`,
``caser.DEFAULT_CONFIG`` is :data:`CASER`, ``sequence_rnn.CONFIGS`` holds :data:`LSTM` and
:data:`GRU`, ``sasrec.DEFAULT_CONFIG`` is :data:`SASREC`, and the baselines' keyword defaults
come from the last four entries.

This module holds plain values only; importing it never starts TensorFlow.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CASER",
    "GRU",
    "ITEM_KNN",
    "LSTM",
    "MARKOV_CHAIN",
    "MF",
    "SASREC",
    "SEQUENTIAL_RULES",
    "SKNN",
]

#: Matrix factorisation (notebook 06). ``batch_size`` counts users, and one epoch is
#: ``passes_per_epoch`` passes over all users.
MF: dict[str, Any] = {
    "embedding_dim": 32,
    "l2": 3e-5,
    "learning_rate": 0.003,
    "batch_size": 32,
    "passes_per_epoch": 5,
    "max_epochs": 60,
    "patience": 3,
    "seed": 42,
}

#: Caser, the CNN recommender (notebook 07).
CASER: dict[str, Any] = {
    "max_len": 5,
    "embedding_dim": 64,
    "horizontal_filters": 16,
    "vertical_filters": 4,
    "dropout": 0.5,
    "user_dropout": 0.5,
    "learning_rate": 0.003,
    "batch_size": 512,
    "max_epochs": 10,
    "patience": 2,
    "seed": 42,
}

#: The LSTM recommender (notebook 08).
LSTM: dict[str, Any] = {
    "cell": "lstm",
    "max_len": 50,
    "embedding_dim": 64,
    "units": 64,
    "dropout": 0.2,
    "user_dim": 64,
    "user_dropout": 0.7,
    "learning_rate": 0.005,
    "batch_size": 32,
    "max_epochs": 15,
    "patience": 3,
    "seed": 42,
}

#: The GRU recommender (notebook 08): the same network with a GRU cell, searched alike.
GRU: dict[str, Any] = {
    "cell": "gru",
    "max_len": 50,
    "embedding_dim": 64,
    "units": 64,
    "dropout": 0.3,
    "user_dim": 64,
    "user_dropout": 0.7,
    "learning_rate": 0.003,
    "batch_size": 32,
    "max_epochs": 30,
    "patience": 3,
    "seed": 42,
}

#: SASRec (notebook 09), chosen by ``benchmarks/sasrec_benchmark.py``. The first six shape the
#: network; the others its training. ``max_epochs`` keeps one training run within the course's
#: 120 s budget here.
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

#: Item-kNN (notebook 01): the neighbours kept per item.
ITEM_KNN: dict[str, Any] = {"neighbours": 2}

#: The first-order Markov chain: its share of the mix with popularity.
MARKOV_CHAIN: dict[str, Any] = {"alpha": 0.2}

#: Sequential rules.
SEQUENTIAL_RULES: dict[str, Any] = {
    "window": 8,
    "weighting": "linear",
    "history": 12,
    "history_weighting": "div",
    "normalise": True,
    "alpha": 0.1,
}

#: Sequence-aware nearest neighbours (V-SKNN).
SKNN: dict[str, Any] = {
    "neighbours": 25,
    "recent": 100,
    "weighting": "div",
    "normalise": True,
    "alpha": 0.7,
}
