"""Benchmark: the article's LSTM with ``activation='relu'`` against the default tanh, on a CPU.

The subject under test, ``build_article_lstm`` below, mirrors the function of the same name in
section 4 of notebooks/05_lstm_keras.ipynb: Masking → LSTM(64) → Dense(64, relu) →
Dense(19, softmax) over windows of 10 movies with 20 features. Notebooks cannot be imported,
so it is written here as well; change both together.

Setting (section 7.2 of the notebook): 40 batches of 128 windows (synthetic, with the
notebook's shapes; the speed of one epoch does not depend on the values), Adam's default
learning rate. A first epoch traces the training graph and is not timed; then ``--repeats``
epochs of each activation are timed, alternating tanh and ReLU, and the medians compared.
Two clocks: wall-clock seconds (``time.perf_counter``), which also count the moments when
other programs had the processor, and CPU seconds of this process (``time.process_time``),
the work done for us, summed over TensorFlow's threads. On a shared machine the CPU time is
the steadier measure of the work an epoch needs.

Keras 3's TensorFlow backend has no fused LSTM kernel for the CPU, so both activations run
the same generic loop. Budget: the ReLU / tanh ratio of median CPU seconds is between 0.8 and
1.25; the script exits with status 1 otherwise.

Usage::

    python benchmarks/lstm_activation_benchmark.py [--repeats 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from course_utils.setup import set_tensorflow_environment

TIMESTEPS, INPUT_DIM, OUTPUT_DIM, UNITS = 10, 20, 19, 64
BATCH_SIZE, BATCHES, SEED = 128, 40, 42
RATIO_BAND = (0.8, 1.25)


def build_article_lstm(activation: str = "tanh", name: str = "article_lstm"):
    """The notebook's model: Masking → LSTM → Dense(relu) → Dense(softmax)."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(TIMESTEPS, INPUT_DIM), name="movies"),
            layers.Masking(mask_value=0.0, name="masking"),
            layers.LSTM(UNITS, activation=activation, name="lstm"),
            layers.Dense(UNITS, activation="relu", name="hidden"),
            layers.Dense(OUTPUT_DIM, activation="softmax", name="genre_probabilities"),
        ],
        name=name,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4, help="timed epochs per activation")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")

    set_tensorflow_environment()
    import keras

    rng = np.random.default_rng(SEED)
    x = rng.random((BATCHES * BATCH_SIZE, TIMESTEPS, INPUT_DIM), dtype=np.float32)
    y = rng.integers(0, OUTPUT_DIM, len(x))
    models = {}
    for activation in ("tanh", "relu"):
        keras.utils.set_random_seed(SEED)
        models[activation] = build_article_lstm(activation, name=f"article_lstm_{activation}")
        models[activation].compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        models[activation].fit(x, y, epochs=1, batch_size=BATCH_SIZE, verbose=0)  # traces
    wall = {"tanh": [], "relu": []}
    cpu = {"tanh": [], "relu": []}
    for _ in range(args.repeats):
        for activation, model in models.items():
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            model.fit(x, y, epochs=1, batch_size=BATCH_SIZE, verbose=0)
            wall[activation].append(time.perf_counter() - wall_start)
            cpu[activation].append(time.process_time() - cpu_start)

    print(f"one epoch of {BATCHES} batches of {BATCH_SIZE}, medians of {args.repeats} epochs")
    print(f"{'activation':<11}{'CPU s':>8}{'wall s':>8}")
    for activation in models:
        print(
            f"{activation:<11}{statistics.median(cpu[activation]):8.3f}"
            f"{statistics.median(wall[activation]):8.3f}"
        )
    cpu_ratio = statistics.median(cpu["relu"]) / statistics.median(cpu["tanh"])
    wall_ratio = statistics.median(wall["relu"]) / statistics.median(wall["tanh"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"relu / tanh: CPU time {cpu_ratio:.2f}, wall-clock time {wall_ratio:.2f}")
    print(f"(load average {load:.1f} on {os.cpu_count()} cores)")
    low, high = RATIO_BAND
    if not low <= cpu_ratio <= high:
        print(f"the CPU-time ratio {cpu_ratio:.2f} is outside [{low}, {high}]", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
