"""Run the benchmark scripts of this folder in order (``make bench``).

The timing benchmarks come first, then the experiments that write results files, in the
order they depend on each other: the baseline search, the neural search (about an hour),
the leaderboard, the user-term ablation, the held-out-user cold start, the tie-order
artefact and SASRec; last, the peak memory of every notebook's kernel. RecBole runs only with
``--recbole``: it builds its own environment and takes hours. ``--only NAME ...`` runs some
scripts only (their file names without ``.py``). See README.md in this folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ORDER = (
    "foundation_benchmark",
    "conv_benchmark",
    "lstm_activation_benchmark",
    "baseline_search",
    "neural_search",
    "recommender_benchmark",
    "user_term_benchmark",
    "cold_start_benchmark",
    "tie_order_benchmark",
    "sasrec_benchmark",
    "causal_mask_benchmark",
    "notebook_memory",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recbole", action="store_true", help="also run RecBole (hours)")
    parser.add_argument("--only", nargs="+", choices=[*ORDER, "recbole_benchmark"])
    args = parser.parse_args(argv)
    names = list(args.only or ORDER) + (["recbole_benchmark"] if args.recbole else [])
    failures = 0
    for name in names:
        script = Path(__file__).parent / f"{name}.py"
        print(f"== {script.name}", flush=True)
        failures += subprocess.run([sys.executable, str(script)]).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
