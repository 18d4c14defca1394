"""Results files of the benchmarks: what produced them, and how the notebooks read them.

Experiments too heavy for a notebook (several training seeds, hyperparameter searches,
RecBole) run as scripts in ``benchmarks/``. Each writes one JSON file to
``benchmarks/results/`` that records, beside its numbers, what produced them:

* ``produced_by``: the command, ``date`` and ``run_seconds``;
* ``machine``: the processor, the number of cores, the versions of Python, NumPy and (where
  used) TensorFlow and Keras, and the load average when the run started;
* ``fingerprint``: digests of the split it used (:meth:`LeaveLastOut.fingerprint`), of the
  code that produced it (:func:`code_digest` of ``code_files``) and of its configuration.

A test (``tests/test_results.py``) recomputes the fingerprints and fails when one no longer
matches: the code or the split has changed since the file was written, so its numbers may
be stale and the benchmark must be run again.

It also holds the arithmetic the notebooks use on those numbers: per-user NDCG@10 from
stored ranks, and paired standard errors over users.

This module only uses the standard library and NumPy, so importing it never starts
TensorFlow.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import json
import os
import platform
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "REPOSITORY",
    "RESULTS_DIR",
    "code_digest",
    "command",
    "config_digest",
    "describe_machine",
    "fingerprint",
    "load",
    "ndcg_from_ranks",
    "paired_difference",
    "per_user_ndcg",
    "provenance",
    "runs",
    "seeds_from",
    "standard_error",
    "summary",
    "write",
]

#: The repository's root folder (the course is installed in place, ``pip install -e .``).
REPOSITORY = Path(__file__).resolve().parents[1]

#: Where the benchmarks write their results files.
RESULTS_DIR = REPOSITORY / "benchmarks" / "results"

#: An environment variable naming another folder for :func:`write`: ``tools/restamp.py``
#: reruns part of a benchmark there, to compare with the stored file without replacing it.
OUTPUT_VARIABLE = "COURSE_RESULTS_OUT"


#: A path to a module of the course's package, such as ``course_utils/models/mf.py``.
_COURSE_FILE = re.compile(r"^course_utils/(?:\w+/)*\w+\.py$")


def _is_docstring(node: ast.stmt) -> bool:
    """Whether a statement is a string on its own, as a docstring is."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _imports_course_module(node: Any) -> bool:
    """Whether a statement is ``from course_utils... import ...`` or a relative import."""
    return isinstance(node, ast.ImportFrom) and (
        node.level > 0 or (node.module or "").split(".")[0] == "course_utils"
    )


def _canonical(node: Any) -> Any:
    """Return a syntax tree as nested lists: node types and fields, no positions or docs."""
    # Empty fields (None, []) are left out, so that fields newer Pythons add with an empty
    # default (type_params) do not change the result.
    if isinstance(node, list):
        canonical: list[Any] = []
        run: list[Any] = []  # the names bound by consecutive imports of the course's modules
        for item in node:
            if _imports_course_module(item):
                run.extend(["CourseImport", alias.name, alias.asname or ""] for alias in item.names)
                continue
            canonical.extend(sorted(run))
            run = []
            canonical.append(_canonical(item))
        return canonical + sorted(run)
    if isinstance(node, str) and _COURSE_FILE.match(node):
        # A path to one of the course's modules counts by its file name, as the files do.
        return ["CourseFile", node.rsplit("/", 1)[-1]]
    if not isinstance(node, ast.AST):
        return [type(node).__name__, repr(node)]
    body = getattr(node, "body", None)
    fields = []
    for name in node._fields:
        value = getattr(node, name, None)
        if (
            name == "body"
            and isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and _is_docstring(body[0])
        ):
            value = body[1:]
        if value is None or value == []:
            continue
        fields.append([name, _canonical(value)])
    return [type(node).__name__, fields]


def code_digest(paths: Iterable[str | Path]) -> str:
    """Return a sha256 digest of the code in some Python files, in the given order.

    The digest reads each file's syntax tree, so docstrings, comments, blank lines and
    formatting (line breaks, quotes, trailing commas) leave it unchanged, and so does moving
    one of the course's modules to another of its folders (its imports keep their names).
    Any edit to what the code computes changes it. Each file counts under its file name.

    Args:
        paths: Python files, absolute or relative to the repository's root.

    Returns:
        64 hexadecimal digits.

    Raises:
        ValueError: If a file does not exist.
    """
    digest = hashlib.sha256()
    for entry in paths:
        path = Path(entry)
        if not path.is_absolute():
            path = REPOSITORY / path
        if not path.is_file():
            raise ValueError(f"no such code file: {entry}; name files of the repository.")
        digest.update(path.name.encode())
        digest.update(b"\0")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        digest.update(json.dumps(_canonical(tree), separators=(",", ":")).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def config_digest(config: Any) -> str:
    """Return a sha256 digest of a JSON-serialisable configuration (keys sorted).

    Raises:
        ValueError: If the configuration is not JSON-serialisable.
    """
    try:
        text = json.dumps(config, sort_keys=True)
    except TypeError as error:
        raise ValueError(f"config must be JSON-serialisable: {error}") from error
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(split: Any, code_files: Sequence[str], config: Any) -> dict[str, str]:
    """Return the fingerprint of a result: digests of its split, its code and its config.

    Args:
        split: The :class:`course_utils.splits.LeaveLastOut` split the result used.
        code_files: The repository's files whose code produced it.
        config: Its configuration (JSON-serialisable).

    Returns:
        ``{"split": ..., "code": ..., "config": ...}``, each 64 hexadecimal digits.
    """
    return {
        "split": split.fingerprint(),
        "code": code_digest(code_files),
        "config": config_digest(config),
    }


def provenance(
    split: Any,
    code_files: Sequence[str],
    config: Any,
    *,
    produced_by: str,
    tensorflow: bool = False,
) -> dict[str, Any]:
    """Record what a run is about to use: its command, machine, code, configuration, split.

    Call it when the run starts and pass the result to :func:`write` at the end.

    Args:
        split: The split the run measures on.
        code_files: The repository's files whose code produces the numbers (the script first).
        config: The run's configuration (JSON-serialisable).
        produced_by: The command that runs it.
        tensorflow: Also record TensorFlow's and Keras' versions.

    Returns:
        ``produced_by``, ``machine``, ``code_files``, ``config`` and ``fingerprint``.
    """
    return {
        "produced_by": produced_by,
        "machine": describe_machine(tensorflow=tensorflow),
        "code_files": list(code_files),
        "config": config,
        "fingerprint": fingerprint(split, code_files, config),
    }


def describe_machine(*, tensorflow: bool = False) -> dict[str, Any]:
    """Describe this machine for a results file: processor, cores, versions, load.

    Args:
        tensorflow: Also record the versions of TensorFlow and Keras (imports them).

    Returns:
        A JSON-serialisable dict.
    """
    processor = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    processor = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    machine = {
        "processor": processor,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average_at_start": round(os.getloadavg()[0], 2)
        if hasattr(os, "getloadavg")
        else None,
    }
    if tensorflow:
        import keras
        import tensorflow as tf

        machine["tensorflow"] = tf.__version__
        machine["keras"] = keras.__version__
    return machine


def seeds_from(argv: list[str] | None, description: str, default: Sequence[int]) -> tuple:
    """Read a benchmark's command line, whose one option is its training seeds (``--seeds``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=list(default),
        help=f"training seeds (default: {' '.join(map(str, default))}; a quick check: 42)",
    )
    return tuple(parser.parse_args(argv).seeds)


def command(script: str, seeds: Sequence[int], default: Sequence[int]) -> str:
    """Return the command that reruns a benchmark with these seeds, for ``produced_by``."""
    options = "" if tuple(seeds) == tuple(default) else " --seeds " + " ".join(map(str, seeds))
    return f"python benchmarks/{script}{options}"


def write(
    name: str,
    payload: dict[str, Any],
    *,
    provenance: dict[str, Any],
    run_seconds: float,
    folder: str | Path | None = None,
) -> Path:
    """Write a results file atomically, with what produced it.

    Args:
        name: The file's stem, such as ``"leaderboard"``: letters, digits and underscores.
        payload: The numbers (JSON-serialisable).
        provenance: From :func:`provenance`, taken when the run started (so that an edit
            made while it runs cannot slip into its fingerprint).
        run_seconds: The run's wall-clock seconds.
        folder: Where to write; by default the folder named by the environment variable
            :data:`OUTPUT_VARIABLE` if it is set, else :data:`RESULTS_DIR`.

    Returns:
        The path of the file.

    Raises:
        ValueError: If the name is not a simple identifier or a value is not JSON.
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores, got {name!r}.")
    record = {
        "name": name,
        **provenance,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "run_seconds": round(float(run_seconds), 1),
        **payload,
    }
    try:
        text = json.dumps(record, indent=1, sort_keys=False)
    except TypeError as error:
        raise ValueError(f"the results must be JSON-serialisable: {error}") from error
    target = Path(folder or os.environ.get(OUTPUT_VARIABLE) or RESULTS_DIR)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.json"
    handle, temporary = tempfile.mkstemp(dir=target, prefix=f".{name}-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def load(name: str, *, folder: str | Path | None = None) -> dict[str, Any]:
    """Read a results file written by :func:`write`.

    Args:
        name: The file's stem, such as ``"leaderboard"``.
        folder: Where to look; :data:`RESULTS_DIR` by default.

    Returns:
        The record: the payload plus ``produced_by``, ``date``, ``machine`` and
        ``fingerprint``.

    Raises:
        ValueError: If there is no such file; the message names the command to run.
    """
    path = Path(folder or RESULTS_DIR) / f"{name}.json"
    if not path.is_file():
        raise ValueError(
            f"no results file {path.name} in {path.parent}; run the benchmark that writes it "
            "(see benchmarks/README.md)."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def ndcg_from_ranks(ranks: Sequence[int] | np.ndarray, k: int = 10) -> np.ndarray:
    """Return each user's NDCG@k from the 1-based rank of their single target.

    Args:
        ranks: One rank per user.
        k: The cut-off.

    Returns:
        A float64 array: ``1 / log2(rank + 1)`` where ``rank <= k``, else 0.
    """
    ranks = np.asarray(ranks, dtype=np.float64)
    return np.where(ranks <= k, 1.0 / np.log2(ranks + 1.0), 0.0)


def standard_error(values: Sequence[float] | np.ndarray) -> float:
    """Return the standard error of a mean: the sample standard deviation over sqrt(n)."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.std(ddof=1) / np.sqrt(len(values)))


def paired_difference(
    first: Sequence[np.ndarray] | np.ndarray, second: Sequence[np.ndarray] | np.ndarray
) -> tuple[float, float]:
    """Return the mean per-user difference of two models and its paired standard error.

    Each argument holds one per-user metric array per training seed (a model without
    seeds, such as a baseline, may give one array, which is paired with every seed of the
    other). For each seed the difference is taken user by user; its mean and its standard
    error (the standard deviation of the per-user differences over sqrt(users)) are then
    averaged over the seeds.

    Args:
        first: Arrays of shape ``(users,)``, or one array of shape ``(seeds, users)``.
        second: The same for the other model.

    Returns:
        ``(mean difference, paired standard error)``.

    Raises:
        ValueError: If the numbers of users differ, or both give several seeds but not
            the same number.
    """
    first, second = np.atleast_2d(first), np.atleast_2d(second)
    if first.shape[1] != second.shape[1]:
        raise ValueError(
            f"the two models were scored on {first.shape[1]} and {second.shape[1]} users; "
            "pair them on the same users."
        )
    if len(first) != len(second) and 1 not in (len(first), len(second)):
        raise ValueError(
            f"{len(first)} and {len(second)} seeds: give the same seeds, or one array for a "
            "model without training seeds."
        )
    seeds = max(len(first), len(second))
    first = np.broadcast_to(first, (seeds, first.shape[1]))
    second = np.broadcast_to(second, (seeds, second.shape[1]))
    differences = first - second
    means = differences.mean(axis=1)
    errors = [standard_error(row) for row in differences]
    return float(means.mean()), float(np.mean(errors))


# --- reading the leaderboard ----------------------------------------------------------------


def runs(record: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """Return the runs of one model of a results file: one per training seed.

    A model without training seeds (a classical baseline) has a single run: its entry.

    Raises:
        ValueError: If the file has no such model; the message lists the models.
    """
    models = record.get("models", {})
    if label not in models:
        raise ValueError(f"no model {label!r} in {record.get('name')}; it holds {list(models)}.")
    entry = models[label]
    return entry.get("runs", [entry])


def summary(
    record: dict[str, Any],
    labels: Sequence[str] | None = None,
    *,
    stage: str = "test",
    setting: str = "filtered",
    metric_names: Sequence[str] = ("HR@10", "NDCG@10", "MRR", "coverage@10"),
) -> Any:
    """Return each model's mean and standard deviation over its seeds, as a table.

    Args:
        record: A results file with ``models`` (see :func:`runs`).
        labels: The models, in order; all of them by default.
        stage: ``"valid"`` or ``"test"``.
        setting: ``"filtered"`` or ``"unfiltered"``.
        metric_names: The metrics to show.

    Returns:
        A ``pandas.DataFrame`` indexed by model, with a ``(metric, "mean")`` and a
        ``(metric, "sd")`` column per metric (the sample standard deviation over the seeds;
        0 for a model without seeds) and a ``seeds`` column.
    """
    import pandas as pd

    labels = list(record["models"]) if labels is None else list(labels)
    rows = {}
    for label in labels:
        values = {
            name: [run[stage][setting][name] for run in runs(record, label)]
            for name in metric_names
        }
        row = {}
        for name, numbers in values.items():
            row[(name, "mean")] = float(np.mean(numbers))
            row[(name, "sd")] = float(np.std(numbers, ddof=1)) if len(numbers) > 1 else 0.0
        row[("seeds", "")] = len(runs(record, label))
        rows[label] = row
    table = pd.DataFrame(rows).T
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table["seeds"] = table["seeds"].astype(int)
    return table


def per_user_ndcg(
    record: dict[str, Any], label: str, setting: str = "filtered", *, key: str = "test_ranks"
) -> np.ndarray:
    """Return a model's per-user test NDCG@10, one row per seed: shape ``(seeds, users)``."""
    return np.stack([ndcg_from_ranks(run[key][setting]) for run in runs(record, label)])
