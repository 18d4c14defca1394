"""The nbgrader version of the notebooks (``student --nbgrader``), checked by nbgrader itself.

Every notebook's version passes nbgrader's metadata validation and solution stripping; two
short notebooks with exercises go through a whole course: ``generate_assignment``, then
``autograde`` of a solved copy (full marks) and of the released copy (zero), read back from
nbgrader's gradebook. It runs offline: the gradebook is sqlite in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.notebooks import NOTEBOOK_DIR, list_notebooks
from course_utils.setup import TENSORFLOW_ENVIRONMENT
from tools import notebooks

pytest.importorskip(
    "nbgrader", reason="nbgrader is not installed; `make test` installs it (the dev extra)"
)

from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import ClearSolutions

# Two short notebooks with exercises (each executes in about 15 s on two cores).
GRADED = ["00_start_here.ipynb", "02_convolution_from_scratch.ipynb"]
ASSIGNMENT = "ps1"
# One nbgrader command takes about 30 s here. Under the full suite's load a notebook kernel
# has twice hung without a trace (once in this test, once in benchmarks/notebook_memory.py,
# both at notebook 00; the cause is not known): a command that runs past this limit is
# killed and run once more, with --force, and must then succeed.
NBGRADER_SECONDS = 300


def _grade_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_every_notebook_is_a_valid_nbgrader_source(tmp_path: Path) -> None:
    assert notebooks.main(["student", "--out", str(tmp_path), "--nbgrader"]) == 0
    for path in list_notebooks(NOTEBOOK_DIR):
        exercises = sum(
            notebooks.is_exercise_cell(c) for c in nbformat.read(path, as_version=4).cells
        )
        version = nbformat.read(tmp_path / path.name, as_version=4)
        MetadataValidator().validate_nb(version)  # schema 3, ids present and unique
        assert len(_grade_cells(version)) == exercises, path.name
        # It raises on a marker outside a solution cell; none may be left afterwards.
        released, _ = ClearSolutions().preprocess(version, {})
        left = [c.source for c in released.cells if "BEGIN SOLUTION" in c.source]
        assert not left, f"{path.name}: a solution survived nbgrader's ClearSolutions"


def _course(root: Path) -> dict[str, str]:
    """Make an nbgrader course in ``root``; return the environment to run nbgrader in."""
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        'c.CourseDirectory.course_id = "dl4recsys-test"\n'
        f"c.CourseDirectory.root = {str(root)!r}\n"
        # nbgrader's default is 30 s per cell; the course allows 900 s.
        f"c.Execute.timeout = {notebooks.CELL_TIMEOUT_SECONDS}\n",
        encoding="utf-8",
    )
    # The notebooks' kernel "python3" is this interpreter, whatever kernels the machine has.
    kernel = root / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (kernel / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        **{key: os.environ.get(key, value) for key, value in TENSORFLOW_ENVIRONMENT.items()},
        "JUPYTER_PATH": str(root / "jupyter"),
        # Neither the user's Jupyter configuration (a global nbgrader_config.py) nor runtime.
        "JUPYTER_CONFIG_DIR": str(root / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(root / "jupyter-runtime"),
        # nbgrader runs the `alembic` command for its gradebook: the one beside this Python.
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
    }


def _nbgrader(root: Path, environment: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "-m", "nbgrader", *arguments]
    for retry in (False, True):
        try:
            result = subprocess.run(
                [*command, "--force"] if retry else command,
                cwd=root,
                env=environment,
                capture_output=True,
                text=True,
                timeout=NBGRADER_SECONDS,
                check=False,
            )
            break
        except subprocess.TimeoutExpired:
            if retry:
                raise
            print(f"nbgrader {' '.join(arguments)} ran past {NBGRADER_SECONDS} s; running it again")
    assert result.returncode == 0, f"nbgrader {' '.join(arguments)} failed:\n{result.stderr}"


def test_solved_copy_scores_full_marks_and_blank_copy_zero(tmp_path: Path) -> None:
    root = tmp_path / "course"
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    environment = _course(root)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jupyter_client.kernelspec import get_kernel_spec as g; "
            "print(g('python3').argv[0])",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == sys.executable, "the kernel is not this interpreter"

    for name in GRADED:
        version = notebooks.nbgrader_version(nbformat.read(NOTEBOOK_DIR / name, as_version=4))
        nbformat.write(version, source / name)
    _nbgrader(root, environment, "generate_assignment", ASSIGNMENT)
    released = root / "release" / ASSIGNMENT
    start_here = nbformat.read(released / GRADED[0], as_version=4)
    assert "num_ratings / (num_users" not in nbformat.writes(start_here), "solution released"

    # Student A hands in the solutions, student B the released notebooks as they came.
    shutil.copytree(source, root / "submitted" / "A" / ASSIGNMENT)
    shutil.copytree(released, root / "submitted" / "B" / ASSIGNMENT)
    _nbgrader(root, environment, "autograde", ASSIGNMENT)

    exercises = sum(
        notebooks.is_exercise_cell(cell)
        for name in GRADED
        for cell in nbformat.read(NOTEBOOK_DIR / name, as_version=4).cells
    )
    points = exercises * notebooks.EXERCISE_POINTS
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        solved = gradebook.find_submission(ASSIGNMENT, "A")
        blank = gradebook.find_submission(ASSIGNMENT, "B")
        assert (solved.score, solved.max_score) == (points, points)
        assert (blank.score, blank.max_score) == (0, points)
        assert not solved.needs_manual_grade and not blank.needs_manual_grade
        for notebook in blank.notebooks:
            assert notebook.max_score > 0, f"{notebook.name} has no graded exercise"

    # What student B sees in the autograded notebook: the checker's kind verdict.
    autograded = nbformat.read(root / "autograded" / "B" / ASSIGNMENT / GRADED[0], as_version=4)
    errors = [o for c in _grade_cells(autograded) for o in c.outputs if o.output_type == "error"]
    assert errors and "not implemented" in errors[0].evalue
