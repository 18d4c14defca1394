"""Peak memory of each notebook's kernel: what a JupyterHub server must hold per learner.

Run: ``python benchmarks/notebook_memory.py [NOTEBOOK ...] [--cells]`` (about 15 minutes for
every notebook on a 2-core laptop). A notebook is named by its path or its number (``10``).

Each notebook runs in a fresh kernel, cells in order, as ``python -m tools.notebooks execute``
runs it, through the same client (``tools.notebooks.notebook_client``). The executed copy
stays in memory; the notebooks on disk are not touched. A full run starts from an empty model
store (a temporary data folder with a copy of the dataset), as a learner's first pass through
the course does: notebooks 06 to 09 train and store their models, 10 trains the GRU, 11 and 12
load them. A run of named notebooks uses the course's store as it is, so a notebook that finds
its models there loads them instead of training them, and needs less memory.

After every code cell the script reads the kernel's ``/proc/<pid>/status`` (Linux only):
``VmRSS``, the memory the kernel holds now, and ``VmHWM``, the most it has held since it
started. ``VmHWM`` after the last cell is the notebook's peak, the number reported. Part of
it is ``RssFile``, pages of files such as TensorFlow's libraries (about 340 MB), which the
kernels of one server share in its page cache; the rest is the kernel's own. A thread
also samples the memory of the kernel and of any process it started every 50 ms, which would
catch a child process that ``VmHWM`` does not count. MB means 2**20 bytes.

It prints a line per notebook (with ``--cells``, a line per code cell too, to find the cells
that make the peak) and, when it ran every notebook, writes
``benchmarks/results/notebook_memory.json``: each notebook's peak, seconds, and the three
cells that raised the peak most.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMIT_MB = 1500  # 30 learners on two 24 GB servers
POLL_SECONDS = 0.05
CODE_FILES = ["benchmarks/notebook_memory.py", "tools/notebooks.py", "course_utils/setup.py"]


def parse_status(text: str) -> dict[str, float]:
    """Return ``VmRSS``, ``VmHWM`` and ``RssFile`` of a ``/proc/<pid>/status`` text, in MB."""
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssFile"):
            values[key] = int(rest.split()[0]) / 1024  # the file counts in kB
    return values


def top_cells(cells: list[dict], count: int = 3) -> list[dict]:
    """Return the ``count`` cells that raised the peak most, largest rise first."""
    return sorted(cells, key=lambda cell: -cell["rise_mb"])[:count]


def resolve(name: str) -> Path:
    """Return a notebook's path from its path or its two-digit number."""
    from course_utils.notebooks import NOTEBOOK_DIR

    if Path(name).is_file():
        return Path(name).resolve()
    matches = sorted(NOTEBOOK_DIR.glob(f"{int(name):02d}_*.ipynb")) if name.isdigit() else []
    if len(matches) != 1:
        raise SystemExit(f"no such notebook: {name}")
    return matches[0]


@contextlib.contextmanager
def fresh_store():
    """Point the kernels at a temporary data folder: the dataset, and no stored model."""
    from course_utils import data

    with tempfile.TemporaryDirectory(prefix="notebook-memory-") as folder:
        shutil.copytree(data.default_data_dir() / "ml-100k", Path(folder) / "ml-100k")
        with mock.patch.dict(os.environ, {data.DATA_DIR_ENV: folder}):  # the kernels inherit it
            yield


class TreeSampler(threading.Thread):
    """Sample the memory of a process and its children every POLL_SECONDS; keep the peak."""

    def __init__(self, pid: int) -> None:
        import psutil  # installed with ipykernel

        super().__init__(daemon=True)
        self.process, self.error = psutil.Process(pid), psutil.Error
        self.peak_mb, self.stopped = 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(POLL_SECONDS):
            total = 0
            try:
                for process in [self.process, *self.process.children(recursive=True)]:
                    total += process.memory_info().rss
            except self.error:  # a process ended while we read it: skip this sample
                continue
            self.peak_mb = max(self.peak_mb, total / 2**20)


def measure(path: Path, *, show_cells: bool = False) -> dict:
    """Execute a notebook in a fresh kernel and return its peak memory, seconds and cells."""
    from course_utils.notebooks import read_notebook
    from tools.notebooks import notebook_client

    notebook = read_notebook(path)
    cells, state = [], {"hwm": 0.0, "clock": time.perf_counter()}

    def on_start(notebook) -> None:
        state["pid"], state["clock"] = client.km.provisioner.pid, time.perf_counter()
        state["sampler"] = TreeSampler(state["pid"])
        state["sampler"].start()

    def on_cell(cell, cell_index, execute_reply) -> None:
        memory = parse_status(Path(f"/proc/{state['pid']}/status").read_text())
        now = time.perf_counter()
        record = {
            "index": cell_index,
            "id": cell.get("id"),
            "first_line": cell.source.strip().split("\n")[0][:60],
            "rss_mb": round(memory["VmRSS"]),
            "peak_mb": round(memory["VmHWM"]),
            "rise_mb": round(memory["VmHWM"] - state["hwm"]),
            "seconds": round(now - state["clock"], 1),
        }
        state["hwm"], state["file"], state["clock"] = memory["VmHWM"], memory["RssFile"], now
        cells.append(record)
        if show_cells:
            print(
                "  cell {index:>3} {id:<12.12} now {rss_mb:>5} MB, peak {peak_mb:>5} MB "
                "(+{rise_mb:>4}) {seconds:>6.1f} s  {first_line}".format(**record),
                flush=True,
            )

    client = notebook_client(notebook, path, on_notebook_start=on_start, on_cell_executed=on_cell)
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        if "sampler" in state:
            state["sampler"].stopped.set()
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return {
        "peak_mb": round(state["hwm"]),
        "sampled_peak_mb": round(state["sampler"].peak_mb),
        "file_backed_mb": round(state["file"]),  # RssFile after the last cell
        "seconds": round(time.perf_counter() - start, 1),
        "over_limit": state["hwm"] > LIMIT_MB,
        "code_sha256": hashlib.sha256(source.encode()).hexdigest(),
        "top_cells": top_cells(cells),
    }


def memory_table(record: dict) -> str:
    """The markdown table of docs/teaching.md, from a results record of this script."""
    from course_utils.notebooks import NOTEBOOK_DIR, notebook_info

    rows = [
        "| # | Notebook | Peak memory (MB) | Seconds |",
        "|---|---|---:|---:|",
    ]
    for name, entry in sorted(record["notebooks"].items()):
        info = notebook_info(NOTEBOOK_DIR / name)
        over = " (over the limit)" if entry["over_limit"] else ""
        rows.append(
            f"| {info.number:02d} | {info.title} | {entry['peak_mb']:,}{over} | "
            f"{entry['seconds']:.0f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="paths or numbers; all by default")
    parser.add_argument("--cells", action="store_true", help="print every cell's memory")
    parser.add_argument(
        "--table", action="store_true", help="print docs/teaching.md's table from the results"
    )
    args = parser.parse_args(argv)
    if args.table:
        from course_utils import results

        print(memory_table(results.load("notebook_memory")))
        return 0

    from course_utils import data, results, splits
    from course_utils.notebooks import list_notebooks
    from course_utils.setup import set_tensorflow_environment

    set_tensorflow_environment()  # before provenance imports TensorFlow; the kernels inherit it

    paths = [resolve(name) for name in args.notebooks] or list_notebooks()
    everything = not args.notebooks
    if everything:
        split = splits.leave_last_out(data.load_movielens_100k().ratings)
        provenance = results.provenance(
            split,
            CODE_FILES,
            {"limit_mb": LIMIT_MB, "poll_seconds": POLL_SECONDS, "model_store": "fresh"},
            tensorflow=True,
            produced_by="python benchmarks/notebook_memory.py",
        )
    start, measured, failed = time.perf_counter(), {}, []
    print("model store:", "a fresh one" if everything else "the course's, as it is", flush=True)
    with fresh_store() if everything else contextlib.nullcontext():
        for path in paths:
            print(f"{path.name} ...", flush=True)
            try:
                entry = measure(path, show_cells=args.cells)
            except Exception as error:  # a failing cell: report it and go on
                print(f"  FAILED: {str(error).strip().splitlines()[-1]}", flush=True)
                failed.append(path.name)
                continue
            measured[path.name] = entry
            flag = f"  over {LIMIT_MB} MB" if entry["over_limit"] else ""
            print(
                f"  peak {entry['peak_mb']} MB (sampled {entry['sampled_peak_mb']} MB, "
                f"{entry['file_backed_mb']} MB file-backed), {entry['seconds']:.0f} s{flag}",
                flush=True,
            )
    if everything and not failed:
        page, pages = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_PHYS_PAGES")
        payload = {
            "unit": "MB = 2**20 bytes; peak_mb is the kernel's VmHWM after its last cell, "
            "file_backed_mb its RssFile then (shared between the kernels of one machine)",
            "limit_mb": LIMIT_MB,
            "machine_memory_mb": round(page * pages / 2**20),
            "notebooks": measured,
        }
        path = results.write(
            "notebook_memory",
            payload,
            provenance=provenance,
            run_seconds=time.perf_counter() - start,
        )
        print(f"wrote {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
