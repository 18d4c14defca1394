"""Tests for the pure helpers of benchmarks/notebook_memory.py (the kernels are not started)."""

from __future__ import annotations

import os
import sys

import pytest

from benchmarks.notebook_memory import parse_status, resolve, top_cells

STATUS = """Name:\tpython
VmPeak:\t 3000000 kB
VmHWM:\t 1572864 kB
VmRSS:\t 1048576 kB
RssAnon:\t  700000 kB
RssFile:\t  348576 kB
Threads:\t40
"""


def test_parse_status_reads_rss_high_water_mark_and_files_in_mb() -> None:
    assert parse_status(STATUS) == {"VmHWM": 1536.0, "VmRSS": 1024.0, "RssFile": 340.40625}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_parse_status_of_this_process() -> None:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        memory = parse_status(status.read())
    assert 0 < memory["RssFile"] < memory["VmRSS"] <= memory["VmHWM"]


def test_top_cells_orders_by_rise() -> None:
    cells = [{"index": i, "rise_mb": rise} for i, rise in enumerate([5, 600, 0, 80, 300])]
    assert [cell["index"] for cell in top_cells(cells)] == [1, 4, 3]
    assert top_cells(cells[:1], count=3) == cells[:1]


def test_resolve_by_number_or_path() -> None:
    path = resolve("10")
    assert path.name.startswith("10_") and resolve(str(path)) == path
    with pytest.raises(SystemExit, match="no such notebook: 99"):
        resolve("99")


def test_every_notebook_fits_a_class_and_the_teachers_page_shows_it() -> None:
    # Measured by `python benchmarks/notebook_memory.py`; docs/teaching.md's table is
    # `python benchmarks/notebook_memory.py --table`.
    from pathlib import Path

    from benchmarks.notebook_memory import LIMIT_MB, memory_table
    from course_utils import results
    from course_utils.notebooks import list_notebooks

    record = results.load("notebook_memory")
    assert sorted(record["notebooks"]) == [path.name for path in list_notebooks()]
    over = {
        name: e["peak_mb"] for name, e in record["notebooks"].items() if e["peak_mb"] > LIMIT_MB
    }
    assert not over, f"over {LIMIT_MB} MB: {over}"
    page = (Path(__file__).resolve().parents[1] / "docs" / "teaching.md").read_text("utf-8")
    table = page.split("<!-- memory-table:begin -->\n", 1)[1].split("\n<!-- memory-table:end -->")[
        0
    ]
    assert table == memory_table(record), (
        "docs/teaching.md's table differs from the results: paste in "
        "`python benchmarks/notebook_memory.py --table`"
    )
