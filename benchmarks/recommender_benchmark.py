"""The course's leaderboard: every model of Part II over three training seeds, and the baselines.

Run: ``python benchmarks/recommender_benchmark.py`` (about fifteen minutes on a quiet 2-core
laptop; ``make bench`` runs it with the other benchmarks). Run it on a quiet machine: it
measures the training budgets too.

It trains matrix factorisation, Caser, the LSTM and the GRU with the configurations of
``course_utils/configs.py`` (chosen on validation by ``benchmarks/neural_search.py``), once
per seed in ``--seeds`` (42, 1 and 2), exactly as notebooks 06 to 08 train them, and scores
the classical baselines: popularity, item-kNN, the Markov chain, sequential rules and
sequence-aware nearest neighbours, each with the settings chosen on validation by
``benchmarks/baseline_search.py`` (the filtered winner; for the unfiltered setting also the
unfiltered winner, where it differs).

For every model it records the validation and test metrics (HR@10, NDCG@10, MRR,
coverage@10), with the user's history filtered out and without the filter, every user's
test rank of the target in both settings (so that notebooks can pair two models user by
user), the training and CPU seconds, the epochs and the load average. For the LSTM and the
GRU it also records the test ranks with their user term left out at inference, as for a
user the model does not know. It writes ``benchmarks/results/leaderboard.json`` and exits
non-zero if a model trained longer than the budget of 120 s.

The test targets are only measured here; nothing is chosen on them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_SECONDS = 120.0
SEEDS = (42, 1, 2)
NEURAL = ("MF", "Caser", "LSTM", "GRU")
CODE_FILES = [
    "benchmarks/recommender_benchmark.py",
    "course_utils/configs.py",
    "course_utils/models/mf.py",
    "course_utils/models/caser.py",
    "course_utils/models/sequence_rnn.py",
    "course_utils/models/training.py",
    "course_utils/baselines.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]


def baselines_table(split, best: dict) -> dict:
    """Score every classical baseline with its validation winners."""
    from course_utils import baselines, configs, metrics

    scorers = {
        "Pop": (baselines.popularity_scores, {}, None),
        "item-kNN": (baselines.item_knn_scores, configs.ITEM_KNN, "item-kNN"),
        "Markov chain": (baselines.markov_chain_scores, configs.MARKOV_CHAIN, "Markov chain"),
        "sequential rules": (
            baselines.sequential_rules_scores,
            configs.SEQUENTIAL_RULES,
            "sequential rules",
        ),
        "SKNN": (baselines.sknn_scores, configs.SKNN, "SKNN"),
    }
    table = {}
    for label, (scorer, config, search_name) in scorers.items():
        start = time.perf_counter()
        scores = {stage: scorer(split, stage, **config) for stage in ("valid", "test")}
        entry = {
            "config": config,
            "seconds": round(time.perf_counter() - start, 2),
            **metrics.evaluate_stages(scores.__getitem__, split),
        }
        unfiltered_config = best[search_name]["unfiltered"]["config"] if search_name else config
        if unfiltered_config != config:
            # The unfiltered setting's own validation winner, measured the same way.
            measured = metrics.evaluate_stages(
                lambda stage: scorer(split, stage, **unfiltered_config),  # noqa: B023
                split,
            )
            entry["unfiltered_winner"] = {
                "config": unfiltered_config,
                "valid": measured["valid"]["unfiltered"],
                "test": measured["test"]["unfiltered"],
                "test_ranks": measured["test_ranks"]["unfiltered"],
            }
        table[label] = entry
        print(
            f"{label:<17} test NDCG@10 {entry['test']['filtered']['NDCG@10']:.4f} filtered, "
            f"{entry['test']['unfiltered']['NDCG@10']:.4f} unfiltered",
            flush=True,
        )
    return table


def main(argv: list[str] | None = None) -> int:
    from course_utils import results  # it never imports TensorFlow

    seeds = results.seeds_from(argv, __doc__.splitlines()[0], SEEDS)

    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)

    from course_utils import configs, data, metrics, splits
    from course_utils.models import model_store, sequence_rnn

    start = time.perf_counter()
    split = splits.leave_last_out(data.load_movielens_100k().ratings)
    run_config = {
        "seeds": list(seeds),
        "models": {label: model_store.COURSE_MODELS[label][2] for label in NEURAL},
        "baselines": {
            "item-kNN": configs.ITEM_KNN,
            "Markov chain": configs.MARKOV_CHAIN,
            "sequential rules": configs.SEQUENTIAL_RULES,
            "SKNN": configs.SKNN,
        },
        "budget_seconds": BUDGET_SECONDS,
    }
    provenance = results.provenance(
        split,
        CODE_FILES,
        run_config,
        tensorflow=True,
        produced_by=results.command("recommender_benchmark.py", seeds, SEEDS),
    )
    best = results.load("baseline_search")["best"]
    table = baselines_table(split, best)

    over_budget = []
    for label in NEURAL:
        name, module, config = model_store.COURSE_MODELS[label]  # noqa: RUF059
        runs = []
        for seed in seeds:
            load = os.getloadavg()[0]
            cpu_start = time.process_time()
            model, metadata = module.train(split, {**config, "seed": seed}, verbose=False)
            cpu = time.process_time() - cpu_start
            run = {
                "seed": seed,
                "training_seconds": round(metadata["seconds"], 1),
                "cpu_seconds": round(cpu, 1),
                "load_average_before": round(load, 2),
                "best_epoch": metadata["best_epoch"],
                "epochs": metadata["epochs"],
                "parameters": metadata["num_parameters"],
                **metrics.evaluate_stages(lambda stage: module.score(model, split, stage), split),  # noqa: B023
            }
            if module is sequence_rnn:
                # The same trained model for a user it does not know: no user term.
                without = sequence_rnn.score_histories(model, split.histories("test"))
                targets, seen = split.targets("test"), split.seen_items("test")
                run["test_ranks_without_user_term"] = {
                    "filtered": metrics.target_ranks(without, targets, exclude=seen).tolist(),
                    "unfiltered": metrics.target_ranks(without, targets).tolist(),
                }
            if metadata["seconds"] > BUDGET_SECONDS:
                over_budget.append(f"{label} (seed {seed}): {metadata['seconds']:.0f} s")
            runs.append(run)
            print(
                f"{label:<6} seed {seed:>2}: {metadata['seconds']:5.1f} s (load {load:.1f}), "
                f"epochs {metadata['best_epoch']}/{metadata['epochs']}, valid NDCG@10 "
                f"{run['valid']['filtered']['NDCG@10']:.4f}, test NDCG@10 "
                f"{run['test']['filtered']['NDCG@10']:.4f} filtered, "
                f"{run['test']['unfiltered']['NDCG@10']:.4f} unfiltered",
                flush=True,
            )
        table[label] = {"config": config, "runs": runs}

    results.write(
        "leaderboard",
        {"users": split.user_ids.tolist(), "models": table, "over_budget": over_budget},
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote benchmarks/results/leaderboard.json ({time.perf_counter() - start:.0f} s)")
    if over_budget:
        print(f"over the {BUDGET_SECONDS:.0f} s training budget: {'; '.join(over_budget)}")
        return 1
    print(f"every model trained within the {BUDGET_SECONDS:.0f} s budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
