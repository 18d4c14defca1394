"""Validation search for the classical baselines, order-aware ones included.

Run: ``python benchmarks/baseline_search.py`` (a minute or two on a 2-core laptop).

For every configuration in the grids below it scores the **validation** targets of the
course split (ML-100K, leave-last-out, same-second ties in the course's seeded order) with
the user's history filtered out and without the filter. From the grid's best configuration,
in each setting, a coordinate search then tries more values of each setting in turn (see
``REFINE``), so that a winner on the edge of the grid is followed beyond it. It writes:

* ``benchmarks/results/baseline_search.csv``: every configuration tried, with its validation
  HR@10 and NDCG@10 in both settings. The baselines are deterministic, so there is no
  training seed: the ``seed`` column says so.
* ``benchmarks/results/baseline_search.json``: the best configuration of each method, by
  filtered validation NDCG@10 (the course's main setting) and by unfiltered validation
  NDCG@10, with what produced them (see :mod:`course_utils.results`).

The test targets play no part. The filtered winners are the baselines' settings in
``course_utils/configs.py`` (``ITEM_KNN``, ``MARKOV_CHAIN``, ``SEQUENTIAL_RULES``, ``SKNN``);
``tests/test_results.py`` checks that they agree with this file.
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import baselines, data, metrics, results, splits  # noqa: E402

#: The grids. Settings that cannot matter (a weighting with a window of 1, a history
#: weighting with a history of 1) are tried once.
GRIDS = {
    "item-kNN": [{"neighbours": n} for n in (1, 2, 5, 10, 20, 50, 100, 200, None)],
    "Markov chain": [
        {"alpha": a} for a in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.999, 1.0)
    ],
    "sequential rules": [
        {
            "window": w,
            "weighting": wt,
            "history": h,
            "history_weighting": hw,
            "normalise": n,
            "alpha": a,
        }
        for w, wt, h, hw, n, a in itertools.product(
            (1, 2, 3, 5, 8, 12, 20),
            baselines.WEIGHTINGS,
            (1, 2, 3, 5, 8, 12),
            ("div", "quadratic"),
            (False, True),
            (0.3, 0.5, 0.7, 0.9, 0.99),
        )
        if (w > 1 or wt == "same") and (h > 1 or hw == "div")
    ],
    "SKNN": [
        {"neighbours": k, "recent": m, "weighting": wt, "normalise": n, "alpha": a}
        for k, m, wt, n, a in itertools.product(
            (10, 25, 50, 100, 200, 400),
            (5, 10, 20, 50, 100, None),
            ("same", "div", "linear"),
            (False, True),
            (0.5, 0.9, 0.99),
        )
        if m is not None or wt == "same"  # with the whole history, only "same" is a V-SKNN
    ],
}

#: After the grid, a coordinate search from its winner: each setting in turn takes every value
#: of its list below, the others held, and a better score moves the search there; it stops
#: when a whole round brings nothing better. It reaches values the grid's corners cut off.
REFINE = {
    "sequential rules": {
        "window": [1, 2, 3, 5, 8, 12, 20, 30],
        "weighting": list(baselines.WEIGHTINGS),
        "history": [1, 2, 3, 5, 8, 12, 20, 30, 50],
        "history_weighting": list(baselines.WEIGHTINGS),
        "normalise": [False, True],
        "alpha": [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99],
    },
    "SKNN": {
        "neighbours": [5, 10, 25, 50, 100, 200, 400],
        "recent": [3, 5, 10, 20, 50, 100, 200, None],
        "weighting": list(baselines.WEIGHTINGS),
        "normalise": [False, True],
        "alpha": [0.3, 0.5, 0.7, 0.9, 0.99],
    },
}

SCORERS = {
    "item-kNN": baselines.item_knn_scores,
    "Markov chain": baselines.markov_chain_scores,
    "sequential rules": baselines.sequential_rules_scores,
    "SKNN": baselines.sknn_scores,
}

CODE_FILES = [
    "benchmarks/baseline_search.py",
    "course_utils/baselines.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]


def main() -> int:
    start = time.perf_counter()
    split = splits.leave_last_out(data.load_movielens_100k().ratings)
    provenance = results.provenance(
        split,
        CODE_FILES,
        {"grids": GRIDS, "refine": REFINE},
        produced_by="python benchmarks/baseline_search.py",
    )
    targets, seen = split.targets("valid"), split.seen_items("valid")
    rows, best = [], {}

    def evaluate(method: str, config: dict, stage: str) -> dict:
        scores = SCORERS[method](split, "valid", **config)
        filtered = metrics.evaluate_ranking(scores, targets, k=10, exclude=seen)
        unfiltered = metrics.evaluate_ranking(scores, targets, k=10)
        row = {
            "method": method,
            "stage": stage,
            "config": config,
            "seed": "none (deterministic)",
            "valid HR@10": round(filtered["HR@10"], 6),
            "valid NDCG@10": round(filtered["NDCG@10"], 6),
            "valid HR@10 unfiltered": round(unfiltered["HR@10"], 6),
            "valid NDCG@10 unfiltered": round(unfiltered["NDCG@10"], 6),
        }
        rows.append(row)
        return row

    for method, grid in GRIDS.items():
        method_start = time.perf_counter()
        tried = [evaluate(method, config, "grid") for config in grid]
        for setting in ("", " unfiltered"):
            column = f"valid NDCG@10{setting}"
            # max() keeps the first of equal scores: the grid's order breaks ties.
            current = max(tried, key=lambda row, c=column: row[c])
            seen_configs = {repr(row["config"]) for row in tried}
            improved = method in REFINE
            while improved:
                improved = False
                for name, values in REFINE.get(method, {}).items():
                    for value in values:
                        config = {**current["config"], name: value}
                        if repr(config) in seen_configs:
                            continue
                        seen_configs.add(repr(config))
                        row = evaluate(method, config, "refine" + setting)
                        tried.append(row)
                        if row[column] > current[column]:
                            current, improved = row, True
            best.setdefault(method, {})[setting] = current
        chosen = best[method][""]
        print(
            f"{method:<17} {len(tried):>4} configurations in "
            f"{time.perf_counter() - method_start:5.1f} s; best filtered "
            f"{chosen['valid NDCG@10']:.4f} with {chosen['config']}",
            flush=True,
        )
    with open(
        results.RESULTS_DIR / "baseline_search.csv", "w", newline="", encoding="utf-8"
    ) as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "config": repr(row["config"])})
    payload = {
        "selection": 'the best validation NDCG@10 with the history filtered ("filtered"), '
        'and without the filter ("unfiltered"); the grid\'s order breaks ties',
        "configurations_tried": {
            method: sum(row["method"] == method for row in rows) for method in GRIDS
        },
        "best": {
            method: {
                "filtered": {
                    "config": b[""]["config"],
                    "valid NDCG@10": b[""]["valid NDCG@10"],
                    "valid HR@10": b[""]["valid HR@10"],
                },
                "unfiltered": {
                    "config": b[" unfiltered"]["config"],
                    "valid NDCG@10": b[" unfiltered"]["valid NDCG@10 unfiltered"],
                    "valid HR@10": b[" unfiltered"]["valid HR@10 unfiltered"],
                },
            }
            for method, b in best.items()
        },
    }
    path = results.write(
        "baseline_search", payload, provenance=provenance, run_seconds=time.perf_counter() - start
    )
    print(
        f"wrote {path.relative_to(ROOT)} and baseline_search.csv "
        f"({time.perf_counter() - start:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
