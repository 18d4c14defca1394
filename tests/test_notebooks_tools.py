"""Tests for tools.notebooks: solutions, student versions, navigation and the map."""

from __future__ import annotations

import copy
import re
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

    with pytest.raises(ValueError, match="glossary"):
        notebooks.update_navigation(tmp_path)  # notebook 00 has no glossary cell yet
    start = nbformat.read(first, as_version=4)
    start.cells.insert(2, nbformat.v4.new_markdown_cell(f"{notebooks.GLOSSARY_MARKER}\nold"))
    nbformat.write(start, first)
    assert notebooks.update_navigation(tmp_path) == [first, second]
    assert notebooks.update_navigation(tmp_path) == [], "navigation is idempotent"
    cells = nbformat.read(first, as_version=4).cells
    assert cells[1].source == cells[-1].source
    assert cells[2].id == "terms" and cells[2].source == notebooks.terms_markdown(0)
    assert sum(cell.id == "glossary" for cell in cells) == 1
    assert "[01 · Next topic →](01_next_topic.ipynb)" in cells[1].source
    assert "←" in nbformat.read(second, as_version=4).cells[1].source

    table = notebooks.course_map_markdown(tmp_path)
    assert "| 01 | [Next topic](01_next_topic.ipynb) | A subtitle for Next topic. | 10 |" in table
    # Notebook 00's minutes grow with the generated glossary, so its total is computed.
    start_minutes = notebooks.notebook_info(first).minutes
    assert (
        f"| 00 | [Start here](00_start_here.ipynb) | A subtitle for Start here. | {start_minutes} |"
        in table
    )
    assert f"| | **Total** | 2 notebooks | {start_minutes + 10} |" in table
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


EXERCISE = '''from course_utils import check


def sparsity(num_ratings, num_users, num_items):
    """Return the share of the user-item matrix that holds no rating."""
    ### BEGIN SOLUTION
    return 1 - num_ratings / (num_users * num_items)
    ### END SOLUTION


check.sparsity(sparsity)'''


def _nbgrader(cell: nbformat.NotebookNode) -> dict:
    return dict(cell.metadata["nbgrader"])


def _run(*sources: str) -> str:
    """Run cells in one namespace, as a kernel would; return what they printed."""
    import contextlib
    import io

    printed = io.StringIO()
    namespace: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed):
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)
    return printed.getvalue()


def test_split_exercise_moves_the_checker_call_to_a_grade_cell() -> None:
    solution, grade, name = notebooks.split_exercise(EXERCISE)
    assert name == "sparsity"
    assert "check" not in solution, "the import only the checker call used moves with it"
    assert solution.startswith("def sparsity(") and solution.endswith("### END SOLUTION")
    assert "from course_utils import check" in grade
    assert "verdict = check.sparsity(sparsity)\nassert verdict.passed, verdict" in grade
    assert "Well done" in _run(solution, grade)

    stub = notebooks.strip_solutions(solution)  # what nbgrader leaves, give or take the words
    with pytest.raises(AssertionError, match="not implemented"):
        _run(stub, grade)
    wrong = solution.replace("1 - num_ratings", "num_ratings")
    with pytest.raises(AssertionError, match="Not yet: case"):
        _run(wrong, grade)

    # An import the solution still uses stays there too; the call keeps its arguments.
    solution, grade, _ = notebooks.split_exercise(SOLVED)
    assert solution.startswith("import numpy as np") and "double(3)" not in solution
    assert "verdict = double(3)" in grade and "numpy" not in grade


def test_grade_cell_sends_warnings_to_stdout() -> None:
    """nbgrader gives no points to a grade cell that writes to stderr, e.g. a warning."""
    # warnings.warn writes to sys.stderr as this does (pytest itself records warnings).
    noisy = EXERCISE.replace(
        "    return 1 -", "    import sys\n\n    print('harmless', file=sys.stderr)\n    return 1 -"
    )
    solution, grade, _ = notebooks.split_exercise(noisy)
    assert "harmless" in _run(solution, grade)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("x = 1\n### BEGIN SOLUTION\ny = 2", "never closes; add '### END SOLUTION'"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "must end with the checker call"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nx = 1; check.x(f)", "line of its own"),
        ("### BEGIN SOLUTION\nx = (\n### END SOLUTION\ncheck.x(f)", "does not parse"),
        (EXERCISE.replace('"""Return', '"""See BEGIN SOLUTION. Return'), "reword it"),
    ],
)
def test_split_exercise_refuses_bad_cells_and_says_how_to_fix(source: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        notebooks.split_exercise(source)


def test_nbgrader_version_metadata(tmp_path: Path) -> None:
    path = _make_notebook(tmp_path, "00_start_here.ipynb", "Start here")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[2].source = EXERCISE
    notebook.cells.insert(
        1, nbformat.v4.new_markdown_cell("Markers: `### BEGIN SOLUTION` / `### END SOLUTION`.")
    )
    before = nbformat.writes(notebook)
    version = notebooks.nbgrader_version(notebook)
    assert nbformat.writes(notebook) == before, "the course notebook is left as it was"

    metadata = [_nbgrader(cell) for cell in version.cells]
    assert all(m["schema_version"] == 3 for m in metadata)
    ids = [m["grade_id"] for m in metadata]
    assert len(set(ids)) == len(ids), "grade ids are unique"
    kinds = [(m["solution"], m["grade"], m["locked"]) for m in metadata]
    exercise = ids.index("sparsity-solution")
    assert kinds[exercise] == (True, False, False)
    assert kinds[exercise + 1] == (False, True, True)
    assert metadata[exercise + 1]["points"] == notebooks.EXERCISE_POINTS
    assert ids[exercise + 1] == "sparsity-check"
    others = [k for i, k in enumerate(kinds) if i not in (exercise, exercise + 1)]
    assert others and all(k == (False, False, True) for k in others), "the rest is read-only"
    assert ids[0] == f"cell-{notebook.cells[0].id}", "read-only ids follow the cell ids"

    solution, grade = version.cells[exercise], version.cells[exercise + 1]
    assert notebooks.SOLUTION_BEGIN in solution.source and solution.outputs == []
    assert grade.id == f"{solution.id}-check" and "assert verdict.passed" in grade.source
    answer = next(c for c in version.cells if "details" in c.source)
    assert "42" not in answer.source and notebooks.ANSWER_REMOVED in answer.source
    prose = version.cells[1].source
    assert "BEGIN SOLUTION" not in prose and f"BEGIN{notebooks.NO_BREAK_SPACE}SOLUTION" in prose
    assert version.metadata.kernelspec.name == "python3"
    assert version.metadata.kernelspec.language == "python"
    assert notebooks.nbgrader_version(notebook) == version, "the version is stable"


def test_bad_markers_name_the_notebook_cell_and_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _make_notebook(tmp_path, "00_start_here.ipynb", "Start here")
    good = nbformat.read(path, as_version=4)
    out = tmp_path / "out"

    notebook = copy.deepcopy(good)
    notebook.cells[2].source = EXERCISE.replace("    ### END SOLUTION\n", "")
    nbformat.write(notebook, path)
    for nbgrader in (False, True):
        with pytest.raises(ValueError, match=r"00_start_here\.ipynb, cell 3 \(id .*never closes"):
            notebooks.write_student_versions(out, tmp_path, nbgrader=nbgrader)
    assert not out.exists(), "nothing is written when a notebook is wrong"

    notebook = copy.deepcopy(good)
    notebook.cells[3].source = "<details><!-- BEGIN SOLUTION -->42</details>"
    nbformat.write(notebook, path)
    for nbgrader in (False, True):
        with pytest.raises(ValueError, match="answer never closes; add '<!-- END SOLUTION -->'"):
            notebooks.write_student_versions(out, tmp_path, nbgrader=nbgrader)
    notebook.cells[3].source = "42<!-- END SOLUTION -->"
    nbformat.write(notebook, path)
    with pytest.raises(ValueError, match="closes without opening"):
        notebooks.write_student_versions(out, tmp_path)

    notebook = copy.deepcopy(good)
    notebook.cells.append(nbformat.v4.new_code_cell("# END SOLUTION"))
    nbformat.write(notebook, path)
    with pytest.raises(ValueError, match="names a solution marker but is no exercise"):
        notebooks.write_student_versions(out, tmp_path, nbgrader=True)

    # The command line says what is wrong, without a traceback.
    monkeypatch.setattr(notebooks, "list_notebooks", lambda directory: [path])
    assert notebooks.main(["student", "--out", str(out), "--nbgrader"]) == 2
    assert "no student version written: 00_start_here.ipynb, cell 5" in capsys.readouterr().err
    assert not out.exists()
