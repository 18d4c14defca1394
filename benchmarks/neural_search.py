"""Validation search for the neural recommenders of Part II: MF, Caser, the LSTM and the GRU.

Run: ``python benchmarks/neural_search.py`` (about an hour on a 2-core laptop);
``--models lstm gru`` searches some models only and keeps the others' rows.

Each model's grid varies the settings that mattered in the notebooks' first searches around
the module's configuration. Every configuration trains once with seed 42; the three best by
filtered validation NDCG@10 then train again with seeds 1 and 2, and the configuration with
the best mean over the three seeds wins. Only validation targets are used, ranked over all
items, with the user's history filtered out (the selection) and without the filter
(reported). The test targets play no part.

It writes ``benchmarks/results/neural_search.csv`` (every run: model, configuration, seed,
validation metrics, epochs, training seconds and the load average) and
``neural_search.json`` (the winner of each model with its seed mean, and what produced it).
The winners are the configurations in ``course_utils/configs.py``; ``tests/test_results.py``
checks that they agree.

Rows are added to the CSV as runs finish, so an interrupted search resumes where it stopped;
a row is reused only if the same code and split produced it (its ``code`` column).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS = (42, 1, 2)
FINALISTS = 3
CSV_PATH = ROOT / "benchmarks" / "results" / "neural_search.csv"
FIELDS = [
    "model",
    "config",
    "seed",
    "valid NDCG@10",
    "valid HR@10",
    "valid NDCG@10 unfiltered",
    "valid HR@10 unfiltered",
    "best epoch",
    "epochs",
    "training s",
    "load",
    "code",
]
CODE_FILES = [
    "benchmarks/neural_search.py",
    "course_utils/models/mf.py",
    "course_utils/models/caser.py",
    "course_utils/models/sequence_rnn.py",
    "course_utils/models/training.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]


def grids() -> dict[str, list[dict]]:
    """Each model's configurations: overrides of its module's base configuration."""
    recurrent = [
        {"dropout": d, "learning_rate": lr, "user_dropout": ud, "max_epochs": e}
        for d, lr, ud, e in itertools.product((0.2, 0.3), (0.003, 0.005), (0.7, 0.8), (15, 30))
    ]
    return {
        "mf": [
            {"embedding_dim": d, "l2": l2}
            for d, l2 in itertools.product((32, 64), (1e-5, 3e-5, 1e-4))
        ],
        "caser": [
            {"max_len": L, "learning_rate": lr, "user_dropout": ud}
            for L, lr, ud in itertools.product((5, 8), (0.003, 0.005), (0.5, 0.7, 0.9))
        ],
        "lstm": recurrent,
        "gru": recurrent,
    }


#: The configurations the grids' overrides start from: those of the notebooks' first searches,
#: written out here so that the search does not depend on what it later chooses.
BASE_CONFIGS = {
    "mf": {
        "embedding_dim": 32,
        "l2": 3e-5,
        "learning_rate": 0.003,
        "batch_size": 32,
        "passes_per_epoch": 5,
        "max_epochs": 60,
        "patience": 3,
        "seed": 42,
    },
    "caser": {
        "max_len": 5,
        "embedding_dim": 64,
        "horizontal_filters": 16,
        "vertical_filters": 4,
        "dropout": 0.5,
        "user_dropout": 0.7,
        "learning_rate": 0.003,
        "batch_size": 512,
        "max_epochs": 10,
        "patience": 2,
        "seed": 42,
    },
    "lstm": {
        "cell": "lstm",
        "max_len": 50,
        "embedding_dim": 64,
        "units": 64,
        "dropout": 0.3,
        "user_dim": 64,
        "user_dropout": 0.7,
        "learning_rate": 0.003,
        "batch_size": 32,
        "max_epochs": 15,
        "patience": 3,
        "seed": 42,
    },
}
BASE_CONFIGS["gru"] = {**BASE_CONFIGS["lstm"], "cell": "gru"}


def modules() -> dict[str, object]:
    """Each model's module (imported late: it starts TensorFlow)."""
    from course_utils.models import caser, mf, sequence_rnn

    return {"mf": mf, "caser": caser, "lstm": sequence_rnn, "gru": sequence_rnn}


def read_rows() -> list[dict]:
    if not CSV_PATH.is_file():
        return []
    with open(CSV_PATH, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def write_rows(rows: list[dict]) -> None:
    temporary = CSV_PATH.with_suffix(".csv.tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(temporary, CSV_PATH)


def key(model: str, config: dict, seed: int) -> tuple[str, str, str]:
    return model, json.dumps(config, sort_keys=True), str(seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["mf", "caser", "lstm", "gru"],
        choices=["mf", "caser", "lstm", "gru"],
    )
    args = parser.parse_args(argv)

    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)
    from course_utils import data, metrics, results, splits

    start = time.perf_counter()
    split = splits.leave_last_out(data.load_movielens_100k().ratings)
    search = {"grids": grids(), "base": BASE_CONFIGS, "seeds": list(SEEDS), "finalists": FINALISTS}
    provenance = results.provenance(
        split, CODE_FILES, search, produced_by="python benchmarks/neural_search.py", tensorflow=True
    )
    targets, seen = split.targets("valid"), split.seen_items("valid")
    # A row is reused only if the same code and split produced it.
    code = f"{provenance['fingerprint']['code'][:12]}-{provenance['fingerprint']['split'][:12]}"
    rows = [row for row in read_rows() if row["code"] == code]
    done = {key(r["model"], json.loads(r["config"]), int(r["seed"])): r for r in rows}
    module_of = modules()

    def run(model: str, config: dict, seed: int) -> dict:
        found = done.get(key(model, config, seed))
        if found is not None:
            return found
        module = module_of[model]
        model_object, metadata = module.train(
            split, {**BASE_CONFIGS[model], **config, "seed": seed}, verbose=False
        )
        scores = module.score(model_object, split, "valid")
        filtered = metrics.evaluate_ranking(scores, targets, k=10, exclude=seen)
        unfiltered = metrics.evaluate_ranking(scores, targets, k=10)
        row = {
            "model": model,
            "config": json.dumps(config, sort_keys=True),
            "seed": str(seed),
            "valid NDCG@10": f"{filtered['NDCG@10']:.6f}",
            "valid HR@10": f"{filtered['HR@10']:.6f}",
            "valid NDCG@10 unfiltered": f"{unfiltered['NDCG@10']:.6f}",
            "valid HR@10 unfiltered": f"{unfiltered['HR@10']:.6f}",
            "best epoch": str(metadata["best_epoch"]),
            "epochs": str(metadata["epochs"]),
            "training s": f"{metadata['seconds']:.1f}",
            "load": f"{os.getloadavg()[0]:.1f}",
            "code": code,
        }
        rows.append(row)
        done[key(model, config, seed)] = row
        write_rows(rows)
        print(
            f"{model:<5} seed {seed:>2} {config}: valid NDCG@10 {row['valid NDCG@10']} "
            f"(unfiltered {row['valid NDCG@10 unfiltered']}), {row['training s']} s, "
            f"epochs {row['best epoch']}/{row['epochs']}",
            flush=True,
        )
        return row

    winners = {}
    for model in args.models:
        grid = grids()[model]
        first = [(config, float(run(model, config, SEEDS[0])["valid NDCG@10"])) for config in grid]
        # sorted() is stable: among equal scores the grid's order decides.
        finalists = [config for config, _ in sorted(first, key=lambda pair: -pair[1])[:FINALISTS]]
        means = []
        for config in finalists:
            scores = [float(run(model, config, seed)["valid NDCG@10"]) for seed in SEEDS]
            means.append((config, sum(scores) / len(scores), scores))
        best_config, best_mean, best_scores = max(means, key=lambda entry: entry[1])
        winners[model] = {
            "overrides": best_config,
            "config": {**BASE_CONFIGS[model], **best_config},
            "valid NDCG@10 by seed": dict(zip(map(str, SEEDS), best_scores)),
            "valid NDCG@10 mean": round(best_mean, 6),
        }
        print(
            f"{model}: the winner is {best_config} (mean valid NDCG@10 {best_mean:.4f} over "
            f"seeds {SEEDS})",
            flush=True,
        )

    # Keep the winners of models not searched this time.
    previous = {}
    json_path = results.RESULTS_DIR / "neural_search.json"
    if json_path.is_file():
        previous = json.loads(json_path.read_text(encoding="utf-8")).get("winners", {})
    winners = {**{m: w for m, w in previous.items() if m not in winners}, **winners}
    path = results.write(
        "neural_search",
        {
            "selection": f"every configuration with seed {SEEDS[0]}; the {FINALISTS} best by "
            f"filtered validation NDCG@10 again with seeds {list(SEEDS[1:])}; the best mean "
            "over the three seeds wins",
            "configurations_tried": {model: len(grid) for model, grid in grids().items()},
            "winners": winners,
        },
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote {path.relative_to(ROOT)} and {CSV_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
