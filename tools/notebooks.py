"""The authors' tools for the notebooks: execute, navigation, README map, student version.

Command line (from the repository's root)::

    python -m tools.notebooks execute [NOTEBOOK ...]  # fresh kernel, cells in order
    python -m tools.notebooks nav                     # rewrite the navigation lines
    python -m tools.notebooks map                     # rewrite the README's course map
    python -m tools.notebooks student --out student   # stubs instead of solutions

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
MARKDOWN_SOLUTION = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", flags=re.DOTALL)
STUB_LINE = 'raise NotImplementedError("Exercise: replace this line with your solution.")'
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
    """Rewrite the navigation cells (the second and the last) of every notebook.

    A navigation cell is a markdown cell that starts with ``<!-- nav -->``; a notebook
    without one gets one inserted after the title and at the end.

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
        if nbformat.writes(notebook) != before:
            _write_atomically(notebook, path)
            changed.append(path)
    return changed


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
    from nbclient import NotebookClient

    from course_utils.setup import set_tensorflow_environment

    # The kernel inherits this process's environment; set it as nbval's run will see it.
    set_tensorflow_environment()
    notebook = read_notebook(path)
    start = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
        # One stream output per cell and stream, however the kernel split the printout.
        coalesce_streams=True,
    )
    client.execute()
    seconds = time.perf_counter() - start
    if not _has_widget_views(notebook):
        notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
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
                raise ValueError("a solution block opens twice without closing.")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            output.append(f"{indent}{STUB_LINE}")
        elif stripped == SOLUTION_END:
            if not inside:
                raise ValueError("a solution block closes without opening.")
            inside = False
        elif not inside:
            output.append(line)
    if inside:
        raise ValueError("a solution block never closes; add '### END SOLUTION'.")
    return "\n".join(output)


def is_exercise_cell(cell: Any) -> bool:
    """Whether a code cell holds a solution block."""
    return cell.cell_type == "code" and SOLUTION_BEGIN in cell.source


def student_version(notebook: Any) -> Any:
    """Return a copy of a notebook with solutions replaced by stubs.

    Code solutions become stubs and the exercise cells lose their outputs; markdown
    answers between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` are removed.

    Args:
        notebook: a notebook node.

    Returns:
        The student version.
    """
    student = copy.deepcopy(notebook)
    for cell in student.cells:
        if is_exercise_cell(cell):
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown" and "BEGIN SOLUTION" in cell.source:
            cell.source = MARKDOWN_SOLUTION.sub(
                "*(Answer removed in the student version.)*", cell.source
            )
    return student


def write_student_versions(out: Path, directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """Write the student version of every notebook into ``out``.

    Args:
        out: the output folder; it is created if needed.
        directory: the folder of notebooks.

    Returns:
        The paths written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in list_notebooks(directory):
        target = out / path.name
        _write_atomically(student_version(read_notebook(path)), target)
        written.append(target)
    return written


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
    commands.add_parser("nav", help="rewrite the navigation lines")
    commands.add_parser("map", help="rewrite the README's course map")
    student = commands.add_parser("student", help="write the student versions")
    student.add_argument("--out", type=Path, default=REPO_ROOT / "student")
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
        for path in write_student_versions(args.out):
            print(
                f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
