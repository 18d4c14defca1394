"""Tests for tools.notebooks: solutions, student versions, navigation and the map."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools import notebooks

SOLVED = '''import numpy as np


def double(x):
    """Return twice x."""
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION


double(3)'''


def test_strip_solutions_keeps_indentation_and_code_around() -> None:
    stub = notebooks.strip_solutions(SOLVED)
    assert "y = 2 * x" not in stub
    assert f"    {notebooks.STUB_LINE}" in stub
    assert stub.startswith("import numpy as np") and stub.endswith("double(3)")


@pytest.mark.parametrize(
    "source",
    [
        "### BEGIN SOLUTION\nx = 1",
        "x = 1\n### END SOLUTION",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION",
    ],
)
def test_unbalanced_markers_are_refused(source: str) -> None:
    with pytest.raises(ValueError, match="solution block"):
        notebooks.strip_solutions(source)


def test_run_exercise_cell_returns_last_value_and_stub_raises() -> None:
    assert notebooks.run_exercise_cell(SOLVED) == 6
    with pytest.raises(NotImplementedError):
        notebooks.run_exercise_cell(notebooks.strip_solutions(SOLVED))
    with pytest.raises(ValueError, match="must end with"):
        notebooks.run_exercise_cell("x = 1")


def _make_notebook(directory: Path, name: str, title: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["course"] = {"minutes": 10}
    number = name[:2]
    notebook.cells = [
        nbformat.v4.new_markdown_cell(f"# {number} · {title}\n*A subtitle for {title}.*"),
        nbformat.v4.new_markdown_cell(
            "## Learning objectives\n- Do one\n- Do two\n- Do three\n\n"
            "## Prerequisites\n- [an earlier notebook](00_start_here.ipynb)"
        ),
        nbformat.v4.new_code_cell(SOLVED, outputs=[nbformat.v4.new_output("stream", text="x")]),
        nbformat.v4.new_markdown_cell(
            "<details><summary>Answer</summary><!-- BEGIN SOLUTION -->42<!-- END SOLUTION -->"
            "</details>"
        ),
    ]
    path = directory / name
    nbformat.write(notebook, path)
    return path


def test_navigation_map_and_student_version(tmp_path: Path) -> None:
    first = _make_notebook(tmp_path, "00_start_here.ipynb", "Start here")
    second = _make_notebook(tmp_path, "01_next_topic.ipynb", "Next topic")
    assert notebooks.list_notebooks(tmp_path) == [first, second]

    assert notebooks.update_navigation(tmp_path) == [first, second]
    assert notebooks.update_navigation(tmp_path) == [], "navigation is idempotent"
    cells = nbformat.read(first, as_version=4).cells
    assert cells[1].source == cells[-1].source
    assert "[01 · Next topic →](01_next_topic.ipynb)" in cells[1].source
    assert "←" in nbformat.read(second, as_version=4).cells[1].source

    table = notebooks.course_map_markdown(tmp_path)
    assert "| 01 | [Next topic](01_next_topic.ipynb) | A subtitle for Next topic. | 10 |" in table
    assert "| | **Total** | 2 notebooks | 20 |" in table
    assert "Do one<br>Do two<br>Do three" in notebooks.course_map_markdown(
        tmp_path, with_objectives=True
    )

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{notebooks.MAP_BEGIN}\nold\n{notebooks.MAP_END}\nend\n")
    assert notebooks.update_readme_map(readme, tmp_path)
    assert not notebooks.update_readme_map(readme, tmp_path)
    assert readme.read_text().startswith("intro\n") and readme.read_text().endswith("end\n")

    written = notebooks.write_student_versions(tmp_path / "student", tmp_path)
    student = nbformat.read(written[0], as_version=4)
    exercise = next(c for c in student.cells if c.cell_type == "code")
    assert notebooks.STUB_LINE in exercise.source and exercise.outputs == []
    answer = next(c for c in student.cells if "details" in c.source)
    assert "42" not in answer.source
    original = nbformat.read(first, as_version=4)
    assert "y = 2 * x" in next(c for c in original.cells if c.cell_type == "code").source


def test_bad_names_and_titles_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "1_bad.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(ValueError, match="NN_snake_case"):
        notebooks.notebook_info(path)
    good_name = _make_notebook(tmp_path, "03_wrong_number.ipynb", "Wrong")
    notebook = nbformat.read(good_name, as_version=4)
    notebook.cells[0].source = "# 04 · Wrong"
    nbformat.write(notebook, good_name)
    with pytest.raises(ValueError, match="first line must be '# 03"):
        notebooks.notebook_info(good_name)
