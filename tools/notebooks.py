"""The authors' tools for the notebooks: execute, navigation, README map, student version.

Command line (from the repository's root)::

    python -m tools.notebooks execute [NOTEBOOK ...]  # fresh kernel, cells in order
    python -m tools.notebooks nav                     # navigation, terms boxes, glossary
    python -m tools.notebooks map                     # rewrite the README's course map
    python -m tools.notebooks student --out student   # stubs instead of solutions
    python -m tools.notebooks student --out DIR --nbgrader  # nbgrader source notebooks

Learners never import this module; what a notebook reads of the course (its order, titles
and map) is :mod:`course_utils.notebooks`.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from course_utils.glossary import (
    GLOSSARY_MARKER,
    TERMS_MARKER,
    glossary_markdown,
    terms_markdown,
)
from course_utils.notebooks import (
    NOTEBOOK_DIR,
    REPO_ROOT,
    NotebookInfo,
    course_map_markdown,
    list_notebooks,
    notebook_info,
    read_notebook,
)

README = REPO_ROOT / "README.md"
NAV_MARKER = "<!-- nav -->"
MAP_BEGIN = "<!-- course-map:begin -->"
MAP_END = "<!-- course-map:end -->"
SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
MARKDOWN_SOLUTION = re.compile(
    r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->", flags=re.DOTALL
)
MARKDOWN_MARKER = re.compile(r"<!--\s*(BEGIN|END) SOLUTION\s*-->")
ANSWER_REMOVED = "*(Answer removed in the student version.)*"
STUB_LINE = 'raise NotImplementedError("Exercise: replace this line with your solution.")'
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# nbgrader (https://nbgrader.readthedocs.io): its cell metadata's schema, the points of one
# coding exercise, and the words its ClearSolutions reads as a marker anywhere in a line.
NBGRADER_SCHEMA_VERSION = 3
EXERCISE_POINTS = 1
NBGRADER_MARKER_WORDS = ("BEGIN SOLUTION", "END SOLUTION")
NO_BREAK_SPACE = "\u00a0"
# The grade cell of an exercise. nbgrader gives no points to a grade cell that writes to
# stderr, and reads a cell's displayed value as partial credit: so warnings go to stdout, and
# the verdict is printed, not displayed.
GRADE_CELL = """\
# Graded by nbgrader (read-only): the checker's verdict decides the points.
{imports}

with contextlib.redirect_stderr(sys.stdout):  # a warning on stderr would cost the points
    verdict = {call}
assert verdict.passed, verdict
print(verdict)"""
CELL_TIMEOUT_SECONDS = 900


def _write_atomically(notebook: Any, path: Path) -> None:
    """Write a notebook to a temporary file beside ``path``, then rename it into place."""
    import nbformat

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            nbformat.write(notebook, stream)
        # mkstemp creates the file readable by its owner only; a notebook is for everyone.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def navigation_line(infos: list[NotebookInfo], index: int) -> str:
    """Return the navigation line for the notebook at ``index`` in ``infos``.

    Args:
        infos: every notebook, in order.
        index: the position of the notebook that gets the line.

    Returns:
        Markdown: previous · course map · next.
    """
    parts = []
    if index > 0:
        previous = infos[index - 1]
        parts.append(f"[← {previous.label}]({previous.path.name})")
    parts.append(f"[Course map]({infos[0].path.name})")
    if index + 1 < len(infos):
        following = infos[index + 1]
        parts.append(f"[{following.label} →]({following.path.name})")
    return f"{NAV_MARKER}\n" + " · ".join(parts)


def update_navigation(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """Rewrite the generated cells of every notebook: navigation, terms box and glossary.

    A navigation cell is a markdown cell that starts with ``<!-- nav -->``; a notebook
    without one gets one inserted after the title and at the end. The third cell is the
    notebook's 本节术语 box, and notebook 00's glossary cell is rewritten too, both from
    ``course_utils/glossary.yaml``.

    Args:
        directory: the folder of notebooks.

    Returns:
        The notebooks that changed.
    """
    import nbformat

    paths = list_notebooks(directory)
    infos = [notebook_info(path) for path in paths]
    changed = []
    for index, path in enumerate(paths):
        notebook = read_notebook(path)
        line = navigation_line(infos, index)
        before = nbformat.writes(notebook)
        cells = notebook.cells
        if len(cells) < 2 or not cells[1].source.startswith(NAV_MARKER):
            cells.insert(1, nbformat.v4.new_markdown_cell(line))
        if not cells[-1].source.startswith(NAV_MARKER):
            cells.append(nbformat.v4.new_markdown_cell(line))
        cells[1].source = line
        cells[-1].source = line
        for cell in (cells[1], cells[-1]):
            cell.pop("id", None)
            cell["id"] = f"nav-{'top' if cell is cells[1] else 'bottom'}"
        _update_generated_cells(notebook, infos[index].number)
        if nbformat.writes(notebook) != before:
            _write_atomically(notebook, path)
            changed.append(path)
    return changed


def _update_generated_cells(notebook: Any, number: int) -> None:
    """Write the 本节术语 box (third cell) and, in notebook 00, the glossary from the YAML."""
    import nbformat

    cells = notebook.cells
    box = terms_markdown(number)
    has_box = len(cells) > 2 and cells[2].source.startswith(TERMS_MARKER)
    if box is None:
        if has_box:
            del cells[2]
    else:
        if not has_box:
            cells.insert(2, nbformat.v4.new_markdown_cell(box))
        cells[2].source = box
        cells[2].pop("id", None)
        cells[2]["id"] = "terms"
    if number == 0:
        glossary = [cell for cell in cells if cell.source.startswith(GLOSSARY_MARKER)]
        if len(glossary) != 1:
            raise ValueError(
                f"notebook 00 needs exactly one markdown cell that starts with {GLOSSARY_MARKER} "
                f"(found {len(glossary)}): add it where the glossary belongs."
            )
        glossary[0].source = glossary_markdown()
        glossary[0].pop("id", None)
        glossary[0]["id"] = "glossary"


def update_readme_map(readme: Path = README, directory: Path = NOTEBOOK_DIR) -> bool:
    """Rewrite the course map between the README's markers.

    Args:
        readme: the README file.
        directory: the folder of notebooks.

    Returns:
        Whether the README changed.

    Raises:
        ValueError: if the README lacks the markers.
    """
    text = readme.read_text(encoding="utf-8")
    if MAP_BEGIN not in text or MAP_END not in text:
        raise ValueError(f"{readme.name} needs the lines {MAP_BEGIN} and {MAP_END}.")
    head, rest = text.split(MAP_BEGIN, 1)
    _, tail = rest.split(MAP_END, 1)
    table = course_map_markdown(directory, link_prefix="notebooks/")
    new = f"{head}{MAP_BEGIN}\n{table}\n{MAP_END}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


def notebook_client(
    notebook: Any, path: Path, *, timeout: int = CELL_TIMEOUT_SECONDS, **hooks: Any
) -> Any:
    """Return the client that runs a course notebook: a fresh kernel, cells in order.

    It sets TensorFlow's environment first, since the kernel inherits this process's
    environment, as nbval's run will. ``hooks`` are nbclient's callbacks, such as
    ``on_cell_executed``.
    """
    from nbclient import NotebookClient

    from course_utils.setup import set_tensorflow_environment

    set_tensorflow_environment()
    return NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
        # One stream output per cell and stream, however the kernel split the printout.
        coalesce_streams=True,
        **hooks,
    )


def execute_notebook(path: Path, *, timeout: int = CELL_TIMEOUT_SECONDS) -> float:
    """Execute a notebook in place from a fresh kernel, cells in order, and store widget state.

    Args:
        path: the notebook.
        timeout: the most seconds one cell may take.

    Returns:
        The seconds it took.

    Raises:
        nbclient.exceptions.CellExecutionError: if a cell fails; the file is left unchanged.
    """
    notebook = read_notebook(path)
    start = time.perf_counter()
    notebook_client(notebook, path, timeout=timeout).execute()
    seconds = time.perf_counter() - start
    if not _has_widget_views(notebook):
        notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    _write_atomically(notebook, path)
    return seconds


def _has_widget_views(notebook: Any) -> bool:
    return any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def strip_solutions(source: str) -> str:
    """Replace each solution block of a code cell with a stub that raises.

    Args:
        source: a code cell's source with ``### BEGIN SOLUTION`` / ``### END SOLUTION``.

    Returns:
        The source with each block replaced by ``raise NotImplementedError(...)`` at the
        block's indentation.

    Raises:
        ValueError: if the markers are unbalanced.
    """
    output, inside, indent = [], False, ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == SOLUTION_BEGIN:
            if inside:
                raise ValueError(
                    "a solution block opens twice without closing; add "
                    f"'{SOLUTION_END}' before the second '{SOLUTION_BEGIN}'."
                )
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            output.append(f"{indent}{STUB_LINE}")
        elif stripped == SOLUTION_END:
            if not inside:
                raise ValueError(
                    f"a solution block closes without opening; add '{SOLUTION_BEGIN}' above "
                    f"the solution, or delete the stray '{SOLUTION_END}'."
                )
            inside = False
        elif not inside:
            output.append(line)
    if inside:
        raise ValueError(f"a solution block never closes; add '{SOLUTION_END}'.")
    return "\n".join(output)


def strip_markdown_answers(source: str) -> str:
    """Replace each written answer of a markdown cell with a note saying it was removed.

    Args:
        source: a markdown cell's source, with answers between ``<!-- BEGIN SOLUTION -->``
            and ``<!-- END SOLUTION -->``.

    Returns:
        The source with each answer, markers included, replaced by :data:`ANSWER_REMOVED`.

    Raises:
        ValueError: if the markers are unbalanced (an answer would leak, or text vanish).
    """
    inside = False
    for match in MARKDOWN_MARKER.finditer(source):
        if match.group(1) == "BEGIN":
            if inside:
                raise ValueError(
                    "a written answer opens twice without closing; add "
                    "'<!-- END SOLUTION -->' after the first answer."
                )
            inside = True
        else:
            if not inside:
                raise ValueError(
                    "a written answer closes without opening; add '<!-- BEGIN SOLUTION -->' "
                    "before the answer, or delete the stray '<!-- END SOLUTION -->'."
                )
            inside = False
    if inside:
        raise ValueError(
            "a written answer never closes; add '<!-- END SOLUTION -->' after the answer."
        )
    return MARKDOWN_SOLUTION.sub(ANSWER_REMOVED, source)


def is_exercise_cell(cell: Any) -> bool:
    """Whether a code cell holds a solution block."""
    return cell.cell_type == "code" and SOLUTION_BEGIN in cell.source


def _where(index: int, cell: Any) -> str:
    """Name a cell in an error message: its number (from 1) and its id."""
    identifier = cell.get("id")
    return f"cell {index + 1}" + (f" (id {identifier})" if identifier else "")


def student_version(notebook: Any) -> Any:
    """Return a copy of a notebook with solutions replaced by stubs.

    Code solutions become stubs and the exercise cells lose their outputs; markdown
    answers between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` are removed.

    Args:
        notebook: a notebook node.

    Returns:
        The student version.

    Raises:
        ValueError: if a cell's solution markers are unbalanced; the message names the cell.
    """
    student = copy.deepcopy(notebook)
    for index, cell in enumerate(student.cells):
        try:
            if is_exercise_cell(cell):
                cell.source = strip_solutions(cell.source)
                cell.outputs = []
                cell.execution_count = None
            elif cell.cell_type == "markdown":
                cell.source = strip_markdown_answers(cell.source)
        except ValueError as error:
            raise ValueError(f"{_where(index, cell)}: {error}") from error
    return student


def split_exercise(source: str) -> tuple[str, str, str]:
    """Split an exercise cell into its solution part and a grade cell that asserts the verdict.

    The checker call on the last line moves to the grade cell, with the imports it needs
    (those outside the solution blocks); an import that only the checker call used leaves the
    solution part. The solution part keeps its ``### BEGIN SOLUTION`` / ``### END SOLUTION``
    markers, which nbgrader's ``generate_assignment`` replaces with its stub.

    Args:
        source: the exercise cell's source, ending with the checker call, for example
            ``check.sparsity(sparsity)``.

    Returns:
        ``(solution_source, grade_source, name)``; ``name`` is the checker's name (the called
        attribute or function), for the cells' nbgrader ids.

    Raises:
        ValueError: if the markers are unbalanced, a line other than a marker names one, the
            cell does not parse, or it does not end with a call on a line of its own.
    """
    strip_solutions(source)  # only to check the markers
    lines = source.splitlines()
    blocks, begin = [], 0
    for number, line in enumerate(lines, start=1):
        if line.strip() == SOLUTION_BEGIN:
            begin = number
        elif line.strip() == SOLUTION_END:
            blocks.append(range(begin, number + 1))
        elif any(words in line for words in NBGRADER_MARKER_WORDS):
            raise ValueError(
                f"line {number} names a solution marker without being one: {line.strip()!r}. "
                "nbgrader reads any line with 'BEGIN SOLUTION' or 'END SOLUTION' as a "
                f"marker; reword it, or write the marker alone on its line ({SOLUTION_BEGIN!r})."
            )
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ValueError(
            f"the exercise does not parse ({error.msg}, line {error.lineno}); fix its code."
        ) from error
    body = tree.body
    last = body[-1] if body else None
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)):
        raise ValueError("an exercise cell must end with the checker call, e.g. check.x(f).")
    if last.col_offset != 0 or (len(body) > 1 and body[-2].end_lineno >= last.lineno):
        raise ValueError("put the checker call on a line of its own, at the end of the cell.")
    call = ast.get_source_segment(source, last.value)
    function = last.value.func
    name = getattr(function, "attr", None) or getattr(function, "id", None) or "exercise"
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name)  # nbgrader's ids allow these characters

    def bound(statement: ast.stmt) -> set[str]:
        names = getattr(statement, "names", [])
        return {alias.asname or alias.name.split(".")[0] for alias in names}

    def in_solution(statement: ast.stmt) -> bool:
        return any(statement.lineno in block for block in blocks)

    needed = {node.id for node in ast.walk(last.value) if isinstance(node, ast.Name)}
    imports = [
        statement
        for statement in body[:-1]
        if isinstance(statement, (ast.Import, ast.ImportFrom))
        and bound(statement) & needed
        and not in_solution(statement)
    ]
    used = {
        node.id
        for statement in body[:-1]
        if statement not in imports
        for node in ast.walk(statement)
        if isinstance(node, ast.Name)
    }
    dropped = {last.lineno - 1 + offset for offset in range(last.end_lineno - last.lineno + 1)}
    for statement in imports:
        if not bound(statement) & used:
            dropped.update(range(statement.lineno - 1, statement.end_lineno))
    kept = "\n".join(line for number, line in enumerate(lines) if number not in dropped)
    solution = re.sub(r"\n{4,}", "\n\n\n", kept).strip("\n")
    standard = ["import contextlib", "import sys"]
    head = [ast.get_source_segment(source, statement) for statement in imports]
    head = [line for line in dict.fromkeys(head) if line not in standard]
    grade = GRADE_CELL.format(
        imports="\n".join(standard + ([""] + head if head else [])), call=call
    )
    return solution, grade, name


def _nbgrader_metadata(
    grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False
) -> dict[str, Any]:
    """Return a cell's nbgrader metadata (schema version 3)."""
    metadata: dict[str, Any] = {
        "schema_version": NBGRADER_SCHEMA_VERSION,
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "task": False,
        "grade_id": grade_id,
    }
    if grade:
        metadata["points"] = EXERCISE_POINTS
    return metadata


def _disarm_marker_words(source: str) -> str:
    """Join the words of ``BEGIN SOLUTION`` / ``END SOLUTION`` in prose with a no-break space.

    nbgrader reads any line that holds these words as a solution marker, even prose that
    names the course's markers; the no-break space looks the same and is no marker.
    """
    for words in NBGRADER_MARKER_WORDS:
        source = source.replace(words, words.replace(" ", NO_BREAK_SPACE))
    return source


def nbgrader_version(notebook: Any) -> Any:
    """Return a copy of a notebook as an nbgrader source notebook (cell metadata schema 3).

    * Each exercise cell becomes a **solution cell** (it keeps its ``### BEGIN SOLUTION`` /
      ``### END SOLUTION`` markers: nbgrader's ``generate_assignment`` puts its stub there),
      followed by a locked **grade cell** worth :data:`EXERCISE_POINTS` points that runs
      the checker and asserts ``verdict.passed`` (see :func:`split_exercise`): a stub, an
      error or a wrong answer scores 0, a correct answer full points. Their nbgrader ids are
      ``<checker>-solution`` and ``<checker>-check``.
    * Every other cell is **read-only** (``locked``, id ``cell-<cell id>``): learners cannot
      edit the lesson, and ``autograde`` restores it from this version before it runs a
      submission, so a grade depends only on the learner's solution cells.
    * Written answers are removed, as in :func:`student_version`: the questions stay for
      self-study and the grade is the coding exercises' alone, all graded automatically.
    * Prose that names the markers gets a no-break space between their words, because
      nbgrader would read it as a marker.

    Args:
        notebook: a notebook node.

    Returns:
        The nbgrader source notebook: it keeps the solutions and the lesson's outputs
        (``generate_assignment`` clears them), and clears the exercises' outputs.

    Raises:
        ValueError: if a cell's markers are unbalanced or misplaced, or an exercise does not
            end with its checker call; the message names the cell and the fix.
    """
    import nbformat

    source = copy.deepcopy(notebook)
    cells, grade_ids = [], set()
    for index, cell in enumerate(source.cells):
        identifier = cell.get("id") or f"{index + 1}"
        try:
            if is_exercise_cell(cell):
                solution, grade, name = split_exercise(cell.source)
                if f"{name}-solution" in grade_ids:  # one checker called twice
                    name = f"{name}-{identifier}"
                cell.source = solution
                cell.outputs, cell.execution_count = [], None
                cell.metadata["nbgrader"] = _nbgrader_metadata(f"{name}-solution", solution=True)
                check = nbformat.v4.new_code_cell(grade)
                check.pop("id", None)
                if "id" in cell:
                    check["id"] = f"{identifier[:58]}-check"
                check.metadata["nbgrader"] = _nbgrader_metadata(
                    f"{name}-check", grade=True, locked=True
                )
                grade_ids.update((f"{name}-solution", f"{name}-check"))
                cells.extend((cell, check))
                continue
            if cell.cell_type == "code" and any(w in cell.source for w in NBGRADER_MARKER_WORDS):
                raise ValueError(
                    "this code cell names a solution marker but is no exercise: nbgrader "
                    "reads any line with 'BEGIN SOLUTION' or 'END SOLUTION' as a marker. Put "
                    f"'{SOLUTION_BEGIN}' and '{SOLUTION_END}' around the solution, each alone "
                    "on its line, or reword the line."
                )
            if cell.cell_type == "markdown":
                cell.source = strip_markdown_answers(cell.source)
            if cell.cell_type != "code":
                cell.source = _disarm_marker_words(cell.source)
        except ValueError as error:
            raise ValueError(f"{_where(index, cell)}: {error}") from error
        cell.metadata["nbgrader"] = _nbgrader_metadata(f"cell-{identifier}", locked=True)
        cells.append(cell)
    source.cells = cells
    # nbgrader picks the kernel, and its stub's language, from the kernelspec.
    source.metadata.setdefault("kernelspec", nbformat.from_dict(KERNELSPEC))
    return source


def write_student_versions(
    out: Path, directory: Path = NOTEBOOK_DIR, *, nbgrader: bool = False
) -> list[Path]:
    """Write the student version of every notebook into ``out``.

    Every version is made before the first is written, so that a notebook with a mistake
    leaves ``out`` as it was.

    Args:
        out: the output folder; it is created if needed.
        directory: the folder of notebooks.
        nbgrader: write nbgrader source notebooks (:func:`nbgrader_version`) instead of
            notebooks with stubs (:func:`student_version`).

    Returns:
        The paths written.

    Raises:
        ValueError: if a notebook's solution markers are wrong; the message names the
            notebook, the cell and the fix.
    """
    make = nbgrader_version if nbgrader else student_version
    versions = []
    for path in list_notebooks(directory):
        try:
            versions.append((out / path.name, make(read_notebook(path))))
        except ValueError as error:
            raise ValueError(f"{path.name}, {error}") from error
    out.mkdir(parents=True, exist_ok=True)
    for target, version in versions:
        _write_atomically(version, target)
    return [target for target, _ in versions]


def run_exercise_cell(source: str) -> Any:
    """Execute one self-contained exercise cell and return the value of its last line.

    Exercise cells import what they need themselves, so that they run on their own.

    Args:
        source: the cell's source.

    Returns:
        The value of the last expression (a ``Verdict`` for an exercise cell).

    Raises:
        ValueError: if the cell does not end with an expression.
    """
    tree = ast.parse(source)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ValueError("an exercise cell must end with the checker call, e.g. check.x(f).")
    last = ast.Expression(tree.body.pop().value)
    namespace: dict[str, Any] = {"__name__": "__exercise__"}
    exec(compile(tree, "<exercise>", "exec"), namespace)
    return eval(compile(last, "<exercise>", "eval"), namespace)


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m tools.notebooks")
    commands = parser.add_subparsers(dest="command", required=True)
    execute = commands.add_parser("execute", help="re-execute notebooks in place")
    execute.add_argument("notebooks", nargs="*", type=Path)
    commands.add_parser("nav", help="rewrite the navigation lines, terms boxes and glossary")
    commands.add_parser("map", help="rewrite the README's course map")
    student = commands.add_parser("student", help="write the student versions")
    student.add_argument("--out", type=Path, default=REPO_ROOT / "student")
    student.add_argument(
        "--nbgrader",
        action="store_true",
        help="write nbgrader source notebooks (solution, grade and read-only cells) instead",
    )
    args = parser.parse_args(argv)

    if args.command == "execute":
        update_navigation()
        paths = args.notebooks or list_notebooks()
        for path in paths:
            if not path.exists():
                print(f"no such notebook: {path}", file=sys.stderr)
                return 2
            print(f"executing {path.name} ...", flush=True)
            seconds = execute_notebook(path.resolve())
            print(f"  done in {seconds:.0f} s", flush=True)
        update_readme_map()
    elif args.command == "nav":
        for path in update_navigation():
            print(f"updated {path.name}")
    elif args.command == "map":
        print("README updated" if update_readme_map() else "README already current")
    elif args.command == "student":
        try:
            written = write_student_versions(args.out, nbgrader=args.nbgrader)
        except ValueError as error:
            print(f"no student version written: {error}", file=sys.stderr)
            return 2
        for path in written:
            print(
                f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
