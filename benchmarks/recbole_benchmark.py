"""RecBole 1.2.1's Caser, GRU4Rec and SASRec on the course's own split, tuned on validation.

Run (one command; the first run builds RecBole's environment, a few minutes):

    python benchmarks/recbole_benchmark.py

RecBole needs PyTorch and NumPy < 2, so it is not a course dependency: this script creates
its own virtual environment, ``.venv-recbole`` (``torch==2.13.*``, ``numpy<2``, ``pandas<3``,
whose copy-on-write rules RecBole 1.2.1 predates, ``recbole==1.2.1``, then ``setuptools<70``,
which RecBole imports, without its dependencies), and runs ``benchmarks/recbole_worker.py``
inside it once per training run.

What it does:

1. Writes the course split (ML-100K, leave-last-out, same-second ties in the course's seeded
   order) as RecBole atomic files in ``build/recbole/``: each user's interactions in the
   split's order, with the time replaced by the position (0, 1, 2, ...), strictly increasing
   per user. RecBole's leave-one-out split (``LS: valid_and_test``, ``order: TO``) then
   holds out the same validation and test item for every user; the worker checks that
   before it trains.
2. Tunes each model on validation: every configuration of its grid trains once with seed
   42, early-stopped on RecBole's validation NDCG@10 (history not filtered, RecBole's own
   setting for sequential models); the best by that number wins. Caser's winner then trains
   again with seeds 1 and 2. GRU4Rec and SASRec train on every prefix of every history and
   take over a minute an epoch on two cores (SASRec almost three), so their epochs are
   capped (GRU4Rec at 12, SASRec at 8) and they get one seed. GRU4Rec tries RecBole's
   default learning rate and a larger one; SASRec runs once, with RecBole's default dropout
   and learning rate. The results file says so.
3. Writes ``benchmarks/results/recbole.json``: every run (settings, seed, epochs, seconds,
   RecBole's own test metrics) and, for each winner, every user's rank of the validation and
   test targets, filtered and unfiltered, so that notebook 10 can pair them user by user with
   the course's models. A run's log is summarised in the file; the full logs stay in
   ``build/recbole/logs``.

``--models Caser`` runs some models only and keeps the others' results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VENV = ROOT / ".venv-recbole"
WORK = ROOT / "build" / "recbole"
DATASET = "ml100k_course"
REQUIREMENTS = ["torch==2.13.*", "numpy<2", "pandas<3", "recbole==1.2.1"]
SEEDS = (42, 1, 2)

#: Each model: its fixed settings, its grid, its cap on epochs and early-stopping patience,
#: and how many seeds its winner gets. RecBole's defaults otherwise (CE loss over all items,
#: embeddings of 64, Adam).
MODELS = {
    "Caser": {
        "fixed": {
            "MAX_ITEM_LIST_LENGTH": 5,
            "embedding_size": 64,
            "reg_weight": 1e-4,
            "train_batch_size": 2048,
        },
        "grid": [
            {"nh": nh, "nv": 4, "dropout_prob": dropout, "learning_rate": lr}
            for nh in (8, 16)
            for dropout in (0.4, 0.5)
            for lr in (0.001, 0.003)
        ],
        "epochs": 40,
        "stopping_step": 5,
        "seeds": 3,
    },
    "GRU4Rec": {
        "fixed": {
            "MAX_ITEM_LIST_LENGTH": 50,
            "embedding_size": 64,
            "num_layers": 1,
            "train_batch_size": 2048,
        },
        "grid": [
            {"hidden_size": hidden, "dropout_prob": 0.3, "learning_rate": lr}
            for hidden, lr in ((128, 0.001), (128, 0.003))
        ],
        "epochs": 12,
        "stopping_step": 3,
        "seeds": 1,
    },
    "SASRec": {
        "fixed": {
            "MAX_ITEM_LIST_LENGTH": 50,
            "hidden_size": 64,
            "inner_size": 256,
            "n_layers": 2,
            "n_heads": 2,
            "train_batch_size": 2048,
        },
        "grid": [
            {"hidden_dropout_prob": dropout, "attn_dropout_prob": dropout, "learning_rate": lr}
            for dropout, lr in ((0.5, 0.001),)
        ],
        "epochs": 8,
        "stopping_step": 3,
        "seeds": 1,
    },
}

CODE_FILES = [
    "benchmarks/recbole_benchmark.py",
    "benchmarks/recbole_worker.py",
    "course_utils/splits.py",
]


def ensure_environment() -> Path:
    """Create ``.venv-recbole`` with RecBole 1.2.1 if it is missing; return its python."""
    python = VENV / "bin" / "python"
    marker = VENV / ".recbole-installed"
    if marker.is_file():
        return python
    print(f"creating {VENV.name} (PyTorch, NumPy < 2, RecBole 1.2.1): a few minutes", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    # RecBole imports pkg_resources, which setuptools 70 removed; the rest stays as it is.
    subprocess.run([*pip, "--no-deps", "setuptools<70"], check=True)
    marker.write_text(" ".join(REQUIREMENTS) + "\n", encoding="utf-8")
    return python


def write_atomic_files(split) -> dict:
    """Write the split as RecBole atomic files; return the targets and histories by user."""
    folder = WORK / DATASET
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["user_id:token\titem_id:token\ttimestamp:float"]
    targets = {"valid": {}, "test": {}}
    seen = {"valid": {}, "test": {}}
    valid_items = split.decode_items(split.targets("valid"))
    test_items = split.decode_items(split.targets("test"))
    for row, user in enumerate(split.user_ids):
        history = split.decode_items(split.histories("valid")[row]).tolist()
        sequence = [*history, int(valid_items[row]), int(test_items[row])]
        lines += [f"{user}\t{item}\t{position}" for position, item in enumerate(sequence)]
        targets["valid"][str(user)] = str(valid_items[row])
        targets["test"][str(user)] = str(test_items[row])
        seen["valid"][str(user)] = [str(item) for item in history]
        seen["test"][str(user)] = [str(item) for item in [*history, int(valid_items[row])]]
    temporary = folder / f".{DATASET}.inter.tmp"
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, folder / f"{DATASET}.inter")
    return {"targets": targets, "seen": seen}


def run_job(python: Path, model: str, settings: dict, seed: int, split_info: dict) -> dict:
    """Train and evaluate one configuration in RecBole's environment."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    name = f"{model}-{seed}-{digest}"
    job_path, out_path = WORK / "jobs" / f"{name}.json", WORK / "jobs" / f"{name}.out.json"
    log_path = WORK / "logs" / f"{name}.log"
    job_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    job = {
        "model": model,
        "dataset": DATASET,
        "data_path": str(WORK),
        "seed": seed,
        "settings": settings,
        "threads": os.cpu_count() or 2,
        **split_info,
    }
    text = json.dumps(job)
    if out_path.is_file() and job_path.is_file() and job_path.read_text(encoding="utf-8") == text:
        # The same job (settings, seed, split and targets) finished before: an interrupted
        # benchmark resumes instead of training it again.
        result = json.loads(out_path.read_text(encoding="utf-8"))
        print(
            f"{model} seed {seed} {settings}: reused {out_path.relative_to(ROOT)}, "
            f"valid NDCG@10 {result['recbole_valid_NDCG@10']:.4f}",
            flush=True,
        )
        return result
    out_path.unlink(missing_ok=True)
    job_path.write_text(text, encoding="utf-8")
    print(f"{model} seed {seed} {settings}", flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                str(python),
                str(ROOT / "benchmarks" / "recbole_worker.py"),
                str(job_path),
                str(out_path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=WORK,
        )
        for line in process.stdout:
            log.write(line)
            if line.startswith("  epoch"):
                print(line.rstrip(), flush=True)
        if process.wait() != 0:
            raise SystemExit(f"the RecBole run failed; see {log_path.relative_to(ROOT)}")
    result = json.loads(out_path.read_text(encoding="utf-8"))
    print(
        f"  -> valid NDCG@10 {result['recbole_valid_NDCG@10']:.4f}, best epoch "
        f"{result['best_epoch']} of {result['epochs']}, {result['seconds']:.0f} s",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    args = parser.parse_args(argv)

    from course_utils import data, results, splits

    start = time.perf_counter()
    split = splits.leave_last_out(data.load_movielens_100k().ratings)
    provenance = results.provenance(
        split,
        CODE_FILES,
        {"models": MODELS, "seeds": list(SEEDS)},
        produced_by="python benchmarks/recbole_benchmark.py",
    )
    python = ensure_environment()
    split_info = write_atomic_files(split)

    previous = {}
    path = results.RESULTS_DIR / "recbole.json"
    if path.is_file():
        previous = json.loads(path.read_text(encoding="utf-8")).get("models", {})
    summary = {name: entry for name, entry in previous.items() if name not in args.models}
    for model in args.models:
        spec = MODELS[model]

        def settings_of(config: dict, spec=spec) -> dict:
            return {
                **spec["fixed"],
                **config,
                "epochs": spec["epochs"],
                "stopping_step": spec["stopping_step"],
            }

        runs = [
            run_job(python, model, settings_of(config), SEEDS[0], split_info)
            for config in spec["grid"]
        ]
        best = max(range(len(runs)), key=lambda i: runs[i]["recbole_valid_NDCG@10"])
        winner = spec["grid"][best]
        seeded = [runs[best]] + [
            run_job(python, model, settings_of(winner), seed, split_info)
            for seed in SEEDS[1 : spec["seeds"]]
        ]

        def brief(run: dict) -> dict:
            return {
                key: run[key]
                for key in (
                    "settings",
                    "seed",
                    "seconds",
                    "epochs",
                    "best_epoch",
                    "seconds_per_epoch",
                    "recbole_valid_NDCG@10",
                    "recbole_test",
                    "parameters",
                    "epoch_log",
                )
            }

        summary[model] = {
            "budget": f"{len(spec['grid'])} configurations with seed {SEEDS[0]}, at most "
            f"{spec['epochs']} epochs each (early stopping after {spec['stopping_step']} without "
            f"a better validation NDCG@10); the winner with {spec['seeds']} seed(s)",
            "winner": winner,
            "search": [brief(run) for run in runs],
            "seeds": [
                brief(run) | {"valid_ranks": run["valid"], "test_ranks": run["test"]}
                for run in seeded
            ],
            "versions": runs[0]["versions"],
        }
    results.write(
        "recbole",
        {
            "selection": "RecBole's validation NDCG@10 without the history filter, its own "
            "setting for sequential models",
            "models": summary,
        },
        provenance=provenance,
        run_seconds=time.perf_counter() - start,
    )
    print(f"wrote benchmarks/results/recbole.json ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
