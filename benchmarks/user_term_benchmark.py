"""The recurrent models without a user term, retrained: what the user embedding buys.

Run: ``python benchmarks/user_term_benchmark.py`` (about five minutes on a 2-core laptop).

Notebook 08's LSTM and GRU add a learned user term ``W_u p_u`` to their scores. Leaving that
term out at inference from a model trained with it (as notebook 11 does for a newcomer)
measures a model that never learned to do without it. This benchmark retrains both with
``user_dim=0`` (GRU4Rec's design: a user is known only through the movies the network
reads), everything else as in ``course_utils/configs.py``, once per seed (42, 1, 2), and
records the validation and test metrics, with and without the seen-item filter, and every
user's test rank. Notebook 11 sets them beside the models with the term
(``benchmarks/results/leaderboard.json``, which also holds the term left out at inference).
It writes ``benchmarks/results/user_term.json``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = (42, 1, 2)
CODE_FILES = [
    "benchmarks/user_term_benchmark.py",
    "course_utils/configs.py",
    "course_utils/models/sequence_rnn.py",
    "course_utils/models/training.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]


def main(argv: list[str] | None = None) -> int:
    from course_utils import results  # it never imports TensorFlow

    seeds = results.seeds_from(argv, __doc__.splitlines()[0], SEEDS)
    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)
    from course_utils import configs, data, metrics, splits
    from course_utils.models import sequence_rnn

    start = time.perf_counter()
    split = splits.leave_last_out(data.load_movielens_100k().ratings)
    models = {"LSTM": {**configs.LSTM, "user_dim": 0}, "GRU": {**configs.GRU, "user_dim": 0}}
    provenance = results.provenance(
        split,
        CODE_FILES,
        {"models": models, "seeds": list(seeds)},
        produced_by=results.command("user_term_benchmark.py", seeds, SEEDS),
        tensorflow=True,
    )
    table = {}
    for label, config in models.items():
        runs = []
        for seed in seeds:
            model, metadata = sequence_rnn.train(split, {**config, "seed": seed}, verbose=False)
            run = {
                "seed": seed,
                "training_seconds": round(metadata["seconds"], 1),
                "best_epoch": metadata["best_epoch"],
                "epochs": metadata["epochs"],
                "parameters": metadata["num_parameters"],
                **metrics.evaluate_stages(
                    lambda stage: sequence_rnn.score(model, split, stage),  # noqa: B023
                    split,
                ),
            }
            runs.append(run)
            print(
                f"{label} without a user term, seed {seed}: valid NDCG@10 "
                f"{run['valid']['filtered']['NDCG@10']:.4f}, test "
                f"{run['test']['filtered']['NDCG@10']:.4f} filtered, "
                f"{run['test']['unfiltered']['NDCG@10']:.4f} unfiltered, "
                f"{metadata['seconds']:.0f} s",
                flush=True,
            )
        table[label] = {"config": config, "runs": runs}
    results.write(
        "user_term",
        {"models": table},
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote benchmarks/results/user_term.json ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
