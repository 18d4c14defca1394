"""Re-stamp stale results files after a refactor, with proof: ``python -m tools.restamp``.

A results file records the digest of the code that produced it (:mod:`course_utils.results`),
and ``tests/test_results.py`` fails once that code changes. A refactor that leaves every number
as it was still changes the digest, and rerunning every benchmark takes hours here. This tool
proves instead that the numbers did not move:

1. It reruns a sample of each stale file with the current code, into a temporary folder (the
   environment variable ``COURSE_RESULTS_OUT``): every run with seed 42, the first held-out
   fold of the cold-start benchmark, the whole baseline search. For RecBole, whose files
   fingerprint only ``splits.py``, it writes RecBole's input files with the code that produced
   the results file (read from git, checked against the stored digest) and with the current
   code.
2. It compares: every number and rank of the sample must equal the stored one exactly;
   timings (``seconds``, ``training_seconds``, ...) are the only fields left out.
3. Only if every comparison of a file holds does it write the new code digest into it, keeping
   the old digest in a ``restamped`` entry with the reason and what was compared. A file that
   fails stays stale, and the benchmark must be run again.

Options: ``--reason TEXT`` (required), ``--base REV`` (the commit whose code produced the
files; ``HEAD`` by default), ``--only NAME ...`` and ``--dry-run`` (compare, write nothing).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from course_utils import results
from tools.site import _write_text

ROOT = Path(__file__).resolve().parents[1]

#: Fields that time a run: they differ between any two runs and are not compared.
TIMINGS = frozenset(
    {"seconds", "training_seconds", "cpu_seconds", "load_average_before", "run_seconds"}
)

#: The reruns, by results file: the benchmark script and its arguments.
PROBES: dict[str, list[str]] = {
    "leaderboard": ["recommender_benchmark.py", "--seeds", "42"],
    "user_term": ["user_term_benchmark.py", "--seeds", "42"],
    "tie_order": ["tie_order_benchmark.py", "--seeds", "42"],
    "sasrec": ["sasrec_benchmark.py", "--seeds", "42"],
    "causal_mask": ["causal_mask_benchmark.py", "--seeds", "42"],
    "cold_start": ["cold_start_benchmark.py", "--folds", "1"],
    "baseline_search": ["baseline_search.py"],
}


def differences(stored: Any, fresh: Any, where: str = "") -> list[str]:
    """Return where ``fresh`` differs from ``stored`` (timings aside), as readable paths."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        found = []
        for key in sorted(set(stored) | set(fresh)):
            if key in TIMINGS:
                continue
            if key not in stored or key not in fresh:
                found.append(f"{where}/{key}: only in the {'rerun' if key in fresh else 'file'}")
                continue
            found += differences(stored[key], fresh[key], f"{where}/{key}")
        return found
    if isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            return [f"{where}: {len(stored)} entries stored, {len(fresh)} rerun"]
        return [
            found
            for index, (old, new) in enumerate(zip(stored, fresh))
            for found in differences(old, new, f"{where}[{index}]")
        ]
    return [] if stored == fresh else [f"{where}: stored {stored!r}, rerun {fresh!r}"]


def _run_of(runs: list[dict], seed: int, where: str) -> dict:
    """Return the run with ``seed``, or raise ValueError."""
    for run in runs:
        if run["seed"] == seed:
            return run
    raise ValueError(f"{where} has no run with seed {seed}.")


def compare_models(stored: dict, fresh: dict) -> tuple[list[str], int]:
    """Compare each model of a rerun with the stored one: runs by seed, baselines whole."""
    found, compared = [], 0
    for label, entry in fresh["models"].items():
        kept = stored["models"].get(label)
        if kept is None:
            found.append(f"/models/{label}: not in the file")
            continue
        if "runs" not in entry:
            found += differences(kept, entry, f"/models/{label}")
            compared += 1
            continue
        found += differences(kept["config"], entry["config"], f"/models/{label}/config")
        for run in entry["runs"]:
            where = f"/models/{label}/runs[seed {run['seed']}]"
            found += differences(_run_of(kept["runs"], run["seed"], where), run, where)
            compared += 1
    return found, compared


def compare_sasrec(stored: dict, fresh: dict) -> tuple[list[str], int]:
    """Compare the rerun grid (seed 42) with the stored grid and the stored winner's run."""
    found, compared = [], 0
    for entry in fresh["tried"]:
        kept = [old for old in stored["tried"] if old["config"] == entry["config"]]
        if not kept:
            found.append(f"/tried: no stored setting {entry['config']}")
            continue
        for run in entry["runs"]:
            where = f"/tried[{entry['config']}][seed {run['seed']}]"
            found += differences(_run_of(kept[0]["runs"], run["seed"], where), run, where)
            compared += 1
    winner = stored["models"]["SASRec"]
    rerun = [entry for entry in fresh["tried"] if entry["config"] == winner["config"]]
    if not rerun:
        found.append("/models/SASRec: its setting was not rerun")
    else:
        where = "/models/SASRec/runs[seed 42]"
        found += differences(_run_of(winner["runs"], 42, where), rerun[0]["runs"][0], where)
        compared += 1
    return found, compared


def compare_cold_start(stored: dict, fresh: dict) -> tuple[list[str], int]:
    """Compare the first held-out fold: its users and every model's ranks for them."""
    size = len(fresh["held_out_users"])
    found = differences(stored["held_out_users"][:size], fresh["held_out_users"], "/users")
    compared = 0
    for label, by_setting in fresh["ranks"].items():
        for setting, ranks in by_setting.items():
            where = f"/ranks/{label}/{setting}"
            found += differences(stored["ranks"][label][setting][:size], ranks, where)
            compared += 1
    return found, compared


def compare_baseline_search(stored: dict, fresh: dict) -> tuple[list[str], int]:
    """Compare the whole search: how many settings each baseline tried, and the winners."""
    found = differences(stored["configurations_tried"], fresh["configurations_tried"], "/tried")
    found += differences(stored["best"], fresh["best"], "/best")
    return found, sum(fresh["configurations_tried"].values())


COMPARISONS: dict[str, Callable[[dict, dict], tuple[list[str], int]]] = {
    "leaderboard": compare_models,
    "user_term": compare_models,
    "tie_order": compare_models,
    "causal_mask": compare_models,
    "sasrec": compare_sasrec,
    "cold_start": compare_cold_start,
    "baseline_search": compare_baseline_search,
}

#: What each comparison covers, for the ``restamped`` entry.
SAMPLES = {
    "leaderboard": "every baseline, and the seed-42 run of MF, Caser, the LSTM and the GRU",
    "user_term": "the seed-42 runs of the LSTM and the GRU without their user term",
    "tie_order": "every baseline, and the seed-42 run of each network, on the item-id split",
    "causal_mask": "the seed-42 runs with and without the causal mask",
    "sasrec": "the seed-42 run of every setting of the grid, the winner's among them",
    "cold_start": "every model's ranks for the first held-out fold",
    "baseline_search": "the whole search: every setting, and the winners",
}


def compare_neural_search(stored: dict, leaderboard: dict) -> tuple[list[str], int]:
    """Compare each winner's seed-42 validation NDCG@10 with the rerun of the leaderboard."""
    found, compared = [], 0
    for name, label in (("mf", "MF"), ("caser", "Caser"), ("lstm", "LSTM"), ("gru", "GRU")):
        winner, entry = stored["winners"][name], leaderboard["models"][label]
        if winner["config"] != entry["config"]:
            found.append(f"/winners/{name}: the leaderboard trains another setting")
            continue
        run = _run_of(entry["runs"], 42, f"the rerun of {label}")
        found += differences(
            winner["valid NDCG@10 by seed"]["42"],
            run["valid"]["filtered"]["NDCG@10"],
            f"/winners/{name}/valid NDCG@10 by seed/42",
        )
        compared += 1
    return found, compared


def _old_module(base: str, path: str, name: str, folder: Path) -> Any:
    """Import the version of a repository file at ``base`` under another module name."""
    text = subprocess.run(
        ["git", "show", f"{base}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    copy = folder / Path(path).name
    copy.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, copy)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compare_recbole(stored: dict, base: str) -> tuple[list[str], int]:
    """Compare RecBole's input files written with the stored code and with the current code."""
    from course_utils import data, splits

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import recbole_benchmark

    found = []
    ratings = data.load_movielens_100k().ratings
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        old_splits = _old_module(base, "course_utils/splits.py", "splits_at_base", folder)
        old_digest = results.code_digest(
            [
                folder / "splits.py" if path == "course_utils/splits.py" else ROOT / path
                for path in stored["code_files"]
            ]
        )
        if old_digest != stored["fingerprint"]["code"]:
            return [f"the code at {base} is not the code that wrote recbole.json"], 0
        written = {}
        for label, module in (("stored", old_splits), ("current", splits)):
            recbole_benchmark.WORK = folder / label
            info = recbole_benchmark.write_atomic_files(module.leave_last_out(ratings))
            inter = recbole_benchmark.WORK / recbole_benchmark.DATASET
            written[label] = (info, (inter / f"{recbole_benchmark.DATASET}.inter").read_text())
        found += differences(written["stored"][0], written["current"][0], "/targets and seen")
        if written["stored"][1] != written["current"][1]:
            found.append("/atomic file: the interactions file differs")
    return found, 1


def _rerun(name: str, folder: Path) -> dict:
    """Run a probe into ``folder`` and return the results file it wrote (kept from before)."""
    if (folder / f"{name}.json").is_file():
        rerun = results.load(name, folder=folder)
        if rerun["fingerprint"]["code"] == results.code_digest(rerun["code_files"]):
            print(f"== {name}: the rerun in {folder} is from the current code; reused", flush=True)
            return rerun
    script, *arguments = PROBES[name]
    environment = {**os.environ, results.OUTPUT_VARIABLE: str(folder)}
    command = [sys.executable, str(ROOT / "benchmarks" / script), *arguments]
    print(f"== {' '.join(command[1:])}", flush=True)
    # A benchmark may exit 1 after writing its file (a run over the training budget, which
    # the load of a shared machine can cause): the file is what is compared.
    subprocess.run(command, cwd=ROOT, env=environment, check=False)
    rerun = results.load(name, folder=folder)
    if rerun["fingerprint"]["code"] != results.code_digest(rerun["code_files"]):
        raise ValueError(f"{name}: the rerun did not write a results file from the current code.")
    return rerun


def _stamp(name: str, record: dict, reason: str, checked: str) -> None:
    """Write the current code digest into a results file, keeping the old one."""
    old = record["fingerprint"]["code"]
    record["fingerprint"]["code"] = results.code_digest(record["code_files"])
    record.setdefault("restamped", []).append(
        {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "reason": reason,
            "old_code_digest": old,
            "checked": checked,
        }
    )
    _write_text(results.RESULTS_DIR / f"{name}.json", json.dumps(record, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reason", required=True, help="what changed in the code, and why")
    parser.add_argument("--base", default="HEAD", help="the commit whose code wrote the files")
    parser.add_argument("--only", nargs="+", help="results files to check (their names)")
    parser.add_argument("--dry-run", action="store_true", help="compare, but write nothing")
    parser.add_argument("--folder", help="keep the reruns here (reused by a later call)")
    args = parser.parse_args(argv)

    stale = {}
    for path in sorted(results.RESULTS_DIR.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        current = results.code_digest(record["code_files"])
        if record["fingerprint"]["code"] != current and (not args.only or path.stem in args.only):
            stale[path.stem] = record
    unknown = sorted(set(stale) - set(PROBES) - {"neural_search", "recbole"})
    if unknown:
        print(f"no check for {', '.join(unknown)}: run those benchmarks again", flush=True)
    if "neural_search" in stale and "leaderboard" not in PROBES:
        raise ValueError("the neural search is checked through the leaderboard's rerun.")

    verdicts: dict[str, tuple[list[str], int, str]] = {}
    digests = {name: results.code_digest(record["code_files"]) for name, record in stale.items()}
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.folder or temporary
        reruns: dict[str, dict] = {}
        wanted = set(stale) | ({"leaderboard"} if "neural_search" in stale else set())
        for name in PROBES:
            if name in wanted:
                reruns[name] = _rerun(name, Path(folder))
        for name, record in stale.items():
            if name in COMPARISONS:
                found, compared = COMPARISONS[name](record, reruns[name])
                checked = SAMPLES[name]
            elif name == "neural_search":
                found, compared = compare_neural_search(record, reruns["leaderboard"])
                checked = (
                    "each winner's seed-42 validation NDCG@10, against the leaderboard's rerun"
                )
            elif name == "recbole":
                found, compared = compare_recbole(record, args.base)
                checked = (
                    f"RecBole's input files (its only use of the course's code), written with the "
                    f"code at {args.base} (its digest is the stored one) and with the current code"
                )
            else:
                continue
            verdicts[name] = (found, compared, checked)

    failed = False
    for name, (found, compared, checked) in verdicts.items():
        if found or not compared:
            failed = True
            print(f"{name}: {len(found)} differences; left stale", flush=True)
            for line in found[:20]:
                print(f"    {line}")
            continue
        print(f"{name}: reproduced exactly ({compared} compared: {checked})", flush=True)
        if results.code_digest(stale[name]["code_files"]) != digests[name]:
            failed = True
            print(f"{name}: its code changed while the check ran; left stale", flush=True)
            continue
        if not args.dry_run:
            _stamp(
                name,
                stale[name],
                args.reason,
                f"Rerun with the new code and compared exactly, timings aside: {checked}.",
            )
    return 1 if failed or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
