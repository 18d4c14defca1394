"""Benchmark: what SASRec's causal mask buys in training, over three seeds.

Without the causal mask, position ``t`` of a training window may attend to position
``t + 1``, whose movie is its own target: a model could lower its training loss by copying
it, and learn nothing that helps at the last position, where the next movie is unknown. This
script measures whether that happens on ML-100K. For each seed it trains SASRec with
``course_utils.models.sasrec.train`` (the settings of ``configs.SASREC``, early stopping on
validation NDCG@10), once as built and once with the one call argument ``use_causal_mask``
of its attention layer set to False (``sasrec.without_causal_mask``), and
records each run's training loss per epoch, its validation and test metrics (filtered and
unfiltered) and its per-user test ranks. It writes ``benchmarks/results/causal_mask.json``.

Usage::

    python benchmarks/causal_mask_benchmark.py
"""

from __future__ import annotations

import os
import sys
import time

CODE_FILES = [
    "benchmarks/causal_mask_benchmark.py",
    "course_utils/models/sasrec.py",
    "course_utils/models/sequence_rnn.py",
    "course_utils/models/training.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]
SEEDS = (42, 1, 2)


def main(argv: list[str] | None = None) -> int:
    from course_utils import results  # it never imports TensorFlow

    seeds = results.seeds_from(argv, __doc__.splitlines()[0], SEEDS)

    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)

    from course_utils import data, metrics, splits
    from course_utils.configs import SASREC
    from course_utils.models import sasrec

    start = time.perf_counter()
    split = splits.leave_last_out(data.load_movielens_100k().ratings)
    run_config = {"config": SASREC, "seeds": list(seeds), "variants": ["causal", "no mask"]}
    provenance = results.provenance(
        split,
        CODE_FILES,
        run_config,
        tensorflow=True,
        produced_by=results.command("causal_mask_benchmark.py", seeds, SEEDS),
    )

    def one_run(seed: int, causal: bool) -> dict:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        model, metadata = sasrec.train(
            split,
            {**SASREC, "seed": seed},
            verbose=False,
            transform=None if causal else sasrec.without_causal_mask,
        )
        run = {
            "seed": seed,
            "training_seconds": round(metadata["seconds"], 1),
            "load_average_before": round(load, 2),
            "best_epoch": metadata["best_epoch"],
            "epochs": metadata["epochs"],
            "training_loss": [round(float(loss), 4) for loss in model.history.history["loss"]],
            **metrics.evaluate_stages(lambda stage: sasrec.score(model, split, stage), split),
        }
        print(
            f"  {'causal ' if causal else 'no mask'} seed {seed:>2}: {run['training_seconds']:5.1f} s, "
            f"epochs {run['best_epoch']}/{run['epochs']}, training loss at the best epoch "
            f"{run['training_loss'][run['best_epoch'] - 1]:.4f}, valid NDCG@10 "
            f"{run['valid']['filtered']['NDCG@10']:.4f}",
            flush=True,
        )
        return run

    variants = {"causal": [], "no mask": []}
    for seed in seeds:
        variants["causal"].append(one_run(seed, True))
        variants["no mask"].append(one_run(seed, False))
    results.write(
        "causal_mask",
        {
            "users": split.user_ids.tolist(),
            "models": {label: {"config": SASREC, "runs": runs} for label, runs in variants.items()},
        },
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote benchmarks/results/causal_mask.json ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
