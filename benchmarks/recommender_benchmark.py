"""Benchmark of Part II's trained recommenders: training time against the budget, and quality.

Run: ``python benchmarks/recommender_benchmark.py`` (or ``make bench``). It trains matrix
factorisation, Caser, the LSTM and the GRU with their modules' configurations, exactly as
notebooks 06 to 08 do, and prints for each:

* the wall and CPU seconds of training, against the course's budget of 120 s per model on a
  2-core laptop, with the load average (other programs slow training down);
* the epochs run and the best epoch;
* test NDCG@10 and HR@10 with the seen items filtered and without the filter, and whether
  the sequence models meet the course's goals (filtered NDCG@10 >= 0.09 and HR@10 >= 0.17,
  unfiltered NDCG@10 >= 0.0513, RecBole's documented GRU4Rec).

``--seeds 42 1 2`` trains every model once per seed instead of once with its configured
seed, to show how much one run is one draw. ``--models lstm gru`` picks models. It exits
non-zero if a model's training took longer than the budget.

Nothing is written to the model store: this measures, it does not cache.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

BUDGET_SECONDS = 120.0
GOALS = {"filtered NDCG@10": 0.09, "filtered HR@10": 0.17, "unfiltered NDCG@10": 0.0513}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mf", "caser", "lstm", "gru"],
                        choices=["mf", "caser", "lstm", "gru"])
    parser.add_argument("--seeds", nargs="+", type=int, default=None,
                        help="train once per seed (default: once, with each config's seed)")
    args = parser.parse_args(argv)

    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)
    from course_utils import data, metrics, model_store, splits

    movielens = data.load_movielens_100k()
    split = splits.leave_last_out(movielens.ratings)
    targets, seen = split.targets("test"), split.seen_items("test")
    # The models notebooks 06 to 08 train, by their name in the model store.
    modules = {
        name: (module, config) for name, module, config in model_store.COURSE_MODELS.values()
    }
    header = (f"{'model':<6} {'seed':>4} {'train s':>7} {'CPU s':>6} {'load':>4} {'epochs':>9} "
              f"{'NDCG@10':>7} {'HR@10':>6} {'unfilt. NDCG@10':>15} {'unfilt. HR@10':>13}  goals")
    print(header, flush=True)
    over_budget = []
    for name in args.models:
        module, config = modules[name]
        for seed in args.seeds or [config["seed"]]:
            run_config = {**config, "seed": seed}
            cpu_start = time.process_time()
            model, metadata = module.train(split, run_config, verbose=False)
            cpu = time.process_time() - cpu_start
            scores = module.score(model, split, "test")
            filtered = metrics.evaluate_ranking(scores, targets, k=10, exclude=seen)
            unfiltered = metrics.evaluate_ranking(scores, targets, k=10)
            values = {"filtered NDCG@10": filtered["NDCG@10"], "filtered HR@10": filtered["HR@10"],
                      "unfiltered NDCG@10": unfiltered["NDCG@10"]}
            goals = "" if name == "mf" else ", ".join(
                f"{goal} {'met' if values[goal] >= bound else 'missed'}"
                for goal, bound in GOALS.items()
            )
            seconds = metadata["seconds"]
            if seconds > BUDGET_SECONDS:
                over_budget.append(f"{name} (seed {seed}): {seconds:.0f} s")
            epochs = f"{metadata['best_epoch']} / {metadata['epochs']}"
            print(f"{name:<6} {seed:>4} {seconds:>7.1f} {cpu:>6.1f} {os.getloadavg()[0]:>4.1f} "
                  f"{epochs:>9} {filtered['NDCG@10']:>7.4f} {filtered['HR@10']:>6.4f} "
                  f"{unfiltered['NDCG@10']:>15.4f} {unfiltered['HR@10']:>13.4f}  {goals}",
                  flush=True)
    if over_budget:
        print(f"over the {BUDGET_SECONDS:.0f} s training budget: {'; '.join(over_budget)}")
        return 1
    print(f"every model trained within the {BUDGET_SECONDS:.0f} s budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
