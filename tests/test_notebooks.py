"""Hygiene of the course notebooks: names, shape, stored outputs, navigation, course map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from course_utils import notebooks
from tools import notebooks as authoring

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = notebooks.list_notebooks()
MAX_BYTES = 2_000_000
# A path of the machine that wrote the outputs, which would differ on another machine.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:tmp|root|home/\w+|Users/\w+|mnt|var/folders|work)/")
SETUP_SOURCE = "from course_utils.setup import setup_notebook\n\nsetup_notebook()"


def _ids(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no NN_snake_case.ipynb file"


def test_every_ipynb_is_named_nn_snake_case() -> None:
    names = [p.name for p in (ROOT / "notebooks").glob("*.ipynb")]
    bad = [name for name in names if not notebooks.NAME_PATTERN.match(name)]
    assert not bad, f"rename to NN_snake_case.ipynb: {bad}"


def test_numbers_have_no_gaps() -> None:
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), f"numbers must run 00, 01, ...: {numbers}"


@pytest.fixture(params=NOTEBOOKS, ids=_ids(NOTEBOOKS))
def notebook_path(request) -> Path:
    return request.param


def test_title_objectives_summary_exercises(notebook_path: Path) -> None:
    info = notebooks.notebook_info(notebook_path)
    assert info.title and info.subtitle, "cell 1 needs '# NN · Title' and a subtitle"
    assert 3 <= len(info.objectives) <= 5, "3 to 5 learning objectives"
    assert info.minutes > 0
    headings = [
        line
        for cell in nbformat.read(notebook_path, as_version=4).cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    for required in ("## Learning objectives", "## Prerequisites", "## Summary", "## Exercises"):
        assert any(h.startswith(required) for h in headings), f"missing section {required}"


def test_first_code_cell_is_the_setup(notebook_path: Path) -> None:
    code = _code_cells(nbformat.read(notebook_path, as_version=4))
    assert code and code[0].source.strip() == SETUP_SOURCE


def test_execution_counts_run_one_to_n(notebook_path: Path) -> None:
    code = [c for c in _code_cells(nbformat.read(notebook_path, as_version=4)) if c.source.strip()]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        "re-execute with `make execute` (fresh kernel, cells in order); "
        f"found execution counts {counts}"
    )


def test_stored_outputs_are_clean(notebook_path: Path) -> None:
    problems = []
    for index, cell in enumerate(_code_cells(nbformat.read(notebook_path, as_version=4)), 1):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"code cell {index} stored an error: {output.ename}")
            if output.output_type == "stream" and output.name == "stderr":
                problems.append(f"code cell {index} stored stderr: {output.text[:80]!r}")
            text = output.get("text", "") + json.dumps(
                {k: v for k, v in output.get("data", {}).items() if not k.startswith("image/")}
            )
            found = MACHINE_PATH.search(text)
            if found:
                problems.append(f"code cell {index} shows a machine path {found.group(0)!r}")
    assert not problems, "\n".join(problems)


def test_size_under_limit(notebook_path: Path) -> None:
    size = notebook_path.stat().st_size
    assert size < MAX_BYTES, f"{size / 1e6:.2f} MB; keep figures small and printouts short"


def test_ignored_cells_assert_something(notebook_path: Path) -> None:
    # A cell may skip the output comparison only if it checks its result itself.
    lazy = []
    for index, cell in enumerate(_code_cells(nbformat.read(notebook_path, as_version=4)), 1):
        ignored = "NBVAL_IGNORE_OUTPUT" in cell.source or "nbval-ignore-output" in cell.get(
            "metadata", {}
        ).get("tags", [])
        if ignored and not re.search(r"^\s*assert\b|\bassert_\w+\(", cell.source, re.MULTILINE):
            lazy.append(index)
    assert not lazy, f"code cells {lazy} ignore their output but assert nothing"


def test_no_cell_skips_execution(notebook_path: Path) -> None:
    for cell in _code_cells(nbformat.read(notebook_path, as_version=4)):
        assert "NBVAL_SKIP" not in cell.source, "every cell runs under nbval"


def test_navigation_is_current() -> None:
    infos = [notebooks.notebook_info(path) for path in NOTEBOOKS]
    for index, path in enumerate(NOTEBOOKS):
        cells = nbformat.read(path, as_version=4).cells
        expected = authoring.navigation_line(infos, index)
        assert cells[1].source == expected and cells[-1].source == expected, (
            f"{path.name}: run `python -m tools.notebooks nav`"
        )


def test_readme_course_map_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = notebooks.course_map_markdown(link_prefix="notebooks/")
    assert f"{authoring.MAP_BEGIN}\n{table}\n{authoring.MAP_END}" in readme, (
        "run `python -m tools.notebooks map`"
    )


def _exercise_cells() -> list[tuple[str, int, str]]:
    found = []
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if authoring.is_exercise_cell(cell):
                found.append((path.name, index, cell.source))
    return found


EXERCISES = _exercise_cells()


def test_every_notebook_has_a_coding_exercise() -> None:
    with_exercises = {name for name, _, _ in EXERCISES}
    missing = [path.name for path in NOTEBOOKS if path.name not in with_exercises]
    assert not missing, f"no coding exercise in {missing}"


@pytest.mark.parametrize(
    "source", [s for _, _, s in EXERCISES], ids=[f"{n}-cell{i}" for n, i, _ in EXERCISES]
)
def test_stored_solution_passes_and_stub_fails(source: str) -> None:
    solved = authoring.run_exercise_cell(source)
    assert solved.passed, f"the stored solution fails its checker:\n{solved.message}"
    stub = authoring.run_exercise_cell(authoring.strip_solutions(source))
    assert not stub.passed, "the student stub passes its checker"
    assert "not implemented" in stub.message, f"unhelpful message for a stub: {stub.message}"


def test_study_minutes_follow_the_stated_rule() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("word " * 300 + "卷积 神经网络"),  # 302 words: 2.01 min
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 2\n### END SOLUTION\ncheck.x(x)"),
    ]
    # 2.01 + 2 code cells + 5 for the exercise = 9.01, rounded up to 10.
    assert notebooks.study_minutes(notebook) == 10
    notebook.cells = notebook.cells[:1]
    assert notebooks.study_minutes(notebook) == 5
