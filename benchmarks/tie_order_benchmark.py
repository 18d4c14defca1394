"""What ordering same-second ratings by item id did to every model: the artefact, measured.

Run: ``python benchmarks/tie_order_benchmark.py`` (about fifteen minutes on a 2-core laptop).

The course split orders ratings that share a timestamp in a seeded random order (notebook 01,
section 4.2). An earlier version ordered them by item id, which planted a pattern: inside a
second the next movie always had the larger id. This benchmark scores every model on the
split with ties by item id, with the settings of ``course_utils/configs.py`` (chosen on the
course split; nothing is re-tuned), the neural models once per seed (42, 1 and 2), and the
rule that learns nothing, "the unseen movies whose ids come just above the newest movie's".
The same models on the course split are in ``benchmarks/results/leaderboard.json``.

It writes ``benchmarks/results/tie_order.json``: each model's validation and test NDCG@10 and
HR@10, with and without the seen-item filter, on the split with ties by item id.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = (42, 1, 2)
CODE_FILES = [
    "benchmarks/tie_order_benchmark.py",
    "course_utils/configs.py",
    "course_utils/models/mf.py",
    "course_utils/models/caser.py",
    "course_utils/models/sequence_rnn.py",
    "course_utils/models/training.py",
    "course_utils/baselines.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]


def next_larger_id_scores(split, stage):
    """The rule that learns nothing: the smallest ids above the newest movie's id come first."""
    import numpy as np

    newest = np.array([history[-1] for history in split.histories(stage)])
    codes = np.arange(split.num_items + 1)
    above = codes[None, :] > newest[:, None]
    scores = np.where(above, -codes[None, :], -2.0 * split.num_items - codes[None, :])
    scores[:, 0] = -np.inf
    return scores


def main(argv: list[str] | None = None) -> int:
    from course_utils import results  # it never imports TensorFlow

    seeds = results.seeds_from(argv, __doc__.splitlines()[0], SEEDS)
    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)
    from course_utils import baselines, data, metrics, splits
    from course_utils.models import model_store

    start = time.perf_counter()
    ratings = data.load_movielens_100k().ratings
    course = splits.leave_last_out(ratings)
    by_id = splits.leave_last_out(ratings, ties="item_id")
    provenance = results.provenance(
        course,
        CODE_FILES,
        {"seeds": list(seeds), "ties": "item_id"},
        tensorflow=True,
        produced_by=results.command("tie_order_benchmark.py", seeds, SEEDS),
    )

    def measure(scores_of_stage):
        return metrics.evaluate_stages(
            scores_of_stage, by_id, names=("NDCG@10", "HR@10"), ranks=False
        )

    table = {
        "next-larger-id rule": measure(lambda stage: next_larger_id_scores(by_id, stage)),
        "Pop": measure(lambda stage: baselines.popularity_scores(by_id, stage)),
        "item-kNN": measure(lambda stage: baselines.item_knn_scores(by_id, stage)),
        "Markov chain": measure(lambda stage: baselines.markov_chain_scores(by_id, stage)),
        "sequential rules": measure(lambda stage: baselines.sequential_rules_scores(by_id, stage)),
        "SKNN": measure(lambda stage: baselines.sknn_scores(by_id, stage)),
    }
    for label, entry in table.items():
        print(
            f"{label:<20} test NDCG@10 {entry['test']['filtered']['NDCG@10']:.4f} filtered, "
            f"{entry['test']['unfiltered']['NDCG@10']:.4f} unfiltered",
            flush=True,
        )
    for label in ("MF", "Caser", "LSTM", "GRU"):
        _, module, config = model_store.COURSE_MODELS[label]
        runs = []
        for seed in seeds:
            model, metadata = module.train(by_id, {**config, "seed": seed}, verbose=False)
            run = {
                "seed": seed,
                **measure(lambda stage: module.score(model, by_id, stage)),  # noqa: B023
                "training_seconds": round(metadata["seconds"], 1),
            }
            runs.append(run)
            print(
                f"{label:<6} seed {seed:>2}: test NDCG@10 {run['test']['filtered']['NDCG@10']:.4f} "
                f"filtered, {run['test']['unfiltered']['NDCG@10']:.4f} unfiltered",
                flush=True,
            )
        table[label] = {"config": config, "runs": runs}
    results.write(
        "tie_order",
        {"split_ties": "item_id", "split_fingerprint": by_id.fingerprint(), "models": table},
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote benchmarks/results/tie_order.json ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
