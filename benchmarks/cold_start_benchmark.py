"""Cold start with users held out of training entirely: how each model serves a newcomer.

Run: ``python benchmarks/cold_start_benchmark.py`` (about twenty minutes on a 2-core laptop).

Notebook 11's cold-start table truncates the histories of users whom the models were trained
on: their movies shaped the item embeddings, so the "newcomers" were not new (a
transductive test). Here they are. The 943 users are shuffled with a fixed seed and cut into
ten folds of about 94; the first ``--folds`` folds (five by default) are held out one at a
time. For each held-out fold:

* every model is trained on the other users only, with the course split of their
  interactions and the configurations of ``course_utils/configs.py``; the neural models use
  a different training seed per fold (42, 1, 2, 3, 4), so the folds also vary the seed;
* each held-out user is served as a newcomer who has given the system only their last 1, 3
  or 5 movies before their test movie, or all of them (their test-stage history of the
  course split); the target is their test movie of the course split. Movies that no training
  user rated cannot be encoded and are dropped from a history; a target that no training
  user rated counts as a miss (it has no score).

How each model serves a newcomer, the paths notebook 11 uses:

* popularity: nothing needed; item-kNN, the Markov chain, sequential rules and SKNN read the
  known movies (their ``histories=`` argument);
* matrix factorisation: fold-in, the user vector taken as the mean of the known movies' item
  vectors (the columns of its ``item_scores`` layer);
* Caser: a zero user vector (its user table zeroed in a copy of the model);
* the LSTM and the GRU: no user term (``sequence_rnn.last_position_model(with_user=False)``).

The ranking filters the known movies only (a newcomer's system knows nothing else). It
writes ``benchmarks/results/cold_start.json``: for every model and setting the NDCG@10 and
HR@10 over all held-out users, and every held-out user's rank, so that notebook 11 can pair
two models user by user.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FOLDS = 10
FOLD_SEEDS = (42, 1, 2, 3, 4, 5, 6, 7, 8, 9)
USER_SHUFFLE_SEED = 0
KNOWN = (1, 3, 5, None)  # None: every movie of the test-stage history
CODE_FILES = [
    "benchmarks/cold_start_benchmark.py",
    "course_utils/configs.py",
    "course_utils/models/mf.py",
    "course_utils/models/caser.py",
    "course_utils/models/sequence_rnn.py",
    "course_utils/models/training.py",
    "course_utils/baselines.py",
    "course_utils/metrics.py",
    "course_utils/splits.py",
]


def setting_name(known: int | None) -> str:
    return "all" if known is None else f"last {known}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="held-out folds to run (of 10)")
    args = parser.parse_args(argv)

    from course_utils.setup import setup_notebook

    setup_notebook(verbose=False)
    import numpy as np

    from course_utils import baselines, configs, data, metrics, results, splits
    from course_utils.models import caser, mf, sequence_rnn

    start = time.perf_counter()
    ratings = data.load_movielens_100k().ratings
    course = splits.leave_last_out(ratings)
    run_config = {
        "folds": FOLDS,
        "folds_run": args.folds,
        "fold_seeds": FOLD_SEEDS[: args.folds],
        "user_shuffle_seed": USER_SHUFFLE_SEED,
        "known": list(KNOWN),
        "models": {
            "MF": configs.MF,
            "Caser": configs.CASER,
            "LSTM": configs.LSTM,
            "GRU": configs.GRU,
        },
        "baselines": {
            "item-kNN": configs.ITEM_KNN,
            "Markov chain": configs.MARKOV_CHAIN,
            "sequential rules": configs.SEQUENTIAL_RULES,
            "SKNN": configs.SKNN,
        },
    }
    provenance = results.provenance(
        course,
        CODE_FILES,
        run_config,
        tensorflow=True,
        produced_by=f"python benchmarks/cold_start_benchmark.py --folds {args.folds}",
    )
    shuffled = np.random.default_rng(USER_SHUFFLE_SEED).permutation(course.user_ids)
    folds = np.array_split(shuffled, FOLDS)
    test_histories = course.histories("test")
    row_of = {int(user): row for row, user in enumerate(course.user_ids)}

    ranks: dict[str, dict[str, list[int]]] = {}
    held_users: list[int] = []
    notes = {"history_movies_dropped": 0, "history_movies": 0, "targets_unscorable": 0}
    seconds: dict[str, list[float]] = {}
    for fold in range(args.folds):
        held = np.sort(folds[fold])
        seed = FOLD_SEEDS[fold]
        split = splits.leave_last_out(ratings[~ratings["user_id"].isin(held)])
        # Each held-out user's known history and target, in the training split's codes.
        known_ids, target_codes = [], []
        for user in held:
            row = row_of[int(user)]
            ids = course.decode_items(test_histories[row])
            codable = np.isin(ids, split.item_ids)
            notes["history_movies"] += len(ids)
            notes["history_movies_dropped"] += int((~codable).sum())
            known_ids.append(ids[codable])
            target = course.decode_items(course.targets("test")[row : row + 1])
            if np.isin(target, split.item_ids).all():
                target_codes.append(int(split.encode_items(target)[0]))
            else:
                notes["targets_unscorable"] += 1
                target_codes.append(0)
        targets = np.array(target_codes)
        scorable = targets > 0

        trained = {}
        for label, module, config in (
            ("MF", mf, configs.MF),
            ("Caser", caser, configs.CASER),
            ("LSTM", sequence_rnn, configs.LSTM),
            ("GRU", sequence_rnn, configs.GRU),
        ):
            model, metadata = module.train(split, {**config, "seed": seed}, verbose=False)
            trained[label] = model
            seconds.setdefault(label, []).append(round(metadata["seconds"], 1))
        for known in KNOWN:
            histories = [
                split.encode_items(ids if known is None else ids[-known:]) for ids in known_ids
            ]
            # A newcomer whose known movies no training user rated knows nothing usable:
            # every model then falls back to what it does with an empty history.
            usable = [len(h) > 0 for h in histories]
            safe = [h if len(h) else np.array([1]) for h in histories]
            scores = {
                "Pop": baselines.popularity_scores(split, histories=safe),
                "item-kNN": baselines.item_knn_scores(split, histories=safe, **configs.ITEM_KNN),
                "Markov chain": baselines.markov_chain_scores(
                    split, histories=safe, **configs.MARKOV_CHAIN
                ),
                "sequential rules": baselines.sequential_rules_scores(
                    split, histories=safe, **configs.SEQUENTIAL_RULES
                ),
                "SKNN": baselines.sknn_scores(split, histories=safe, **configs.SKNN),
            }
            # No user rows: MF folds each history in, Caser's user vector is zero and the
            # recurrent models leave their user term out.
            mf_scores = mf.score_histories(trained["MF"], safe)
            mf_scores[:, 0] = -np.inf
            scores["MF (fold-in)"] = mf_scores
            scores["Caser (zero user vector)"] = caser.score_histories(trained["Caser"], safe)
            for label in ("LSTM", "GRU"):
                scores[f"{label} (no user term)"] = sequence_rnn.score_histories(
                    trained[label], safe
                )
            for label, matrix in scores.items():
                matrix = np.array(matrix, dtype=np.float64)
                # Without a usable history, every score but popularity's is meaningless:
                # those rows fall back to popularity, as a system would.
                matrix[~np.array(usable)] = scores["Pop"][~np.array(usable)]
                user_ranks = np.full(len(held), split.num_items, dtype=np.int64)
                user_ranks[scorable] = metrics.target_ranks(
                    matrix[scorable],
                    targets[scorable],
                    exclude=[h for h, ok in zip(histories, scorable) if ok],
                )
                ranks.setdefault(label, {}).setdefault(setting_name(known), []).extend(
                    user_ranks.tolist()
                )
        held_users += held.tolist()
        print(
            f"fold {fold + 1}/{args.folds}: {len(held)} users held out, seed {seed}; "
            f"{time.perf_counter() - start:.0f} s so far",
            flush=True,
        )

    summary = {}
    for label, by_setting in ranks.items():
        summary[label] = {}
        for setting, values in by_setting.items():
            values = np.array(values)
            ndcg = results.ndcg_from_ranks(values)
            summary[label][setting] = {
                "NDCG@10": round(float(ndcg.mean()), 6),
                "NDCG@10 standard error": round(results.standard_error(ndcg), 6),
                "HR@10": round(float(np.mean(values <= 10)), 6),
            }
        print(
            f"{label:<26}"
            + "  ".join(f"{s} {v['NDCG@10']:.4f}" for s, v in summary[label].items()),
            flush=True,
        )
    results.write(
        "cold_start",
        {
            "held_out_users": held_users,
            "summary": summary,
            "ranks": ranks,
            "notes": notes,
            "training_seconds": seconds,
        },
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote benchmarks/results/cold_start.json ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
