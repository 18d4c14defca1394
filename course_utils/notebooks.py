"""The course's notebooks as a learner's notebook sees them: their order, titles and map.

Each notebook is ``notebooks/NN_snake_case.ipynb``. Its first cell holds ``# NN · Title``
and a one-line subtitle; its second and last cells are the navigation line. Its study time
is computed from its content by one stated rule (:func:`study_minutes`), so the course map
stays true when a notebook grows or shrinks. Notebook 00 shows the course map with
:func:`course_map`. The authors' tools (execution, navigation, student versions, the site)
are in the repository's ``tools/`` folder and are not part of this package.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NAME_PATTERN = re.compile(r"^(\d{2})_([a-z0-9]+(?:_[a-z0-9]+)*)\.ipynb$")

# The rule for a notebook's study time: its prose read at 150 words a minute, one minute to
# run and read each code cell, five more for each coding exercise, rounded up to 5 minutes.
WORDS_PER_MINUTE = 150
MINUTES_PER_CODE_CELL = 1
MINUTES_PER_EXERCISE = 5
# A word: a run of Latin letters or digits, or a run of Chinese characters (a term such as
# 卷积 reads as one word).
WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[\u4e00-\u9fff]+")

__all__ = [
    "NOTEBOOK_DIR",
    "NotebookInfo",
    "course_map",
    "course_map_markdown",
    "list_notebooks",
    "notebook_info",
    "study_minutes",
]


@dataclass(frozen=True)
class NotebookInfo:
    """What the course map needs to know about one notebook.

    Attributes:
        path: the notebook's path.
        number: its two-digit number, as an int.
        title: the H1 title without its number.
        subtitle: the one-line subtitle under the title.
        objectives: the bullets of its learning objectives.
        minutes: the estimated study time.
    """

    path: Path
    number: int
    title: str
    subtitle: str
    objectives: tuple[str, ...]
    minutes: int

    @property
    def label(self) -> str:
        """``NN · Title``, as in the notebook's heading."""
        return f"{self.number:02d} · {self.title}"


def read_notebook(path: Path) -> Any:
    """Read a notebook file (nbformat 4)."""
    import nbformat

    return nbformat.read(path, as_version=4)


def list_notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """Return the course notebooks in reading order.

    Args:
        directory: the folder that holds them.

    Returns:
        The paths of the files named ``NN_snake_case.ipynb``, sorted by number.
    """
    return sorted(p for p in directory.glob("*.ipynb") if NAME_PATTERN.match(p.name))


def notebook_info(path: Path) -> NotebookInfo:
    """Read a notebook's number, title, subtitle, objectives and minutes.

    Args:
        path: the notebook.

    Returns:
        Its :class:`NotebookInfo`.

    Raises:
        ValueError: if its name, title cell or objectives do not follow the course's shape.
    """
    match = NAME_PATTERN.match(path.name)
    if not match:
        raise ValueError(f"{path.name}: a notebook's name must look like NN_snake_case.ipynb.")
    notebook = read_notebook(path)
    if not notebook.cells or notebook.cells[0].cell_type != "markdown":
        raise ValueError(f"{path.name}: the first cell must be markdown with '# NN · Title'.")
    lines = [line.strip() for line in notebook.cells[0].source.splitlines() if line.strip()]
    heading = re.match(r"^# (\d{2}) · (.+)$", lines[0]) if lines else None
    if not heading or int(heading.group(1)) != int(match.group(1)):
        raise ValueError(
            f"{path.name}: the first line must be '# {match.group(1)} · Title', "
            f"found {lines[0] if lines else 'nothing'!r}."
        )
    subtitle = lines[1].strip("*_ ") if len(lines) > 1 else ""
    objectives: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(
            "## Learning objectives"
        ):
            # The bullets under the heading, up to the next heading in the same cell.
            for line in cell.source.splitlines()[1:]:
                if line.startswith("#"):
                    break
                if line.strip().startswith(("- ", "* ")):
                    objectives.append(line.strip()[2:].strip())
            break
    minutes = study_minutes(notebook)
    return NotebookInfo(
        path, int(match.group(1)), heading.group(2).strip(), subtitle, tuple(objectives), minutes
    )


def study_minutes(notebook: Any) -> int:
    """Return a notebook's study time in minutes, by the rule stated above.

    Prose (markdown cells) at :data:`WORDS_PER_MINUTE`, plus :data:`MINUTES_PER_CODE_CELL`
    per code cell and :data:`MINUTES_PER_EXERCISE` per coding exercise (a code cell with a
    solution block), rounded up to a multiple of 5.
    """
    words = sum(
        len(WORD.findall(cell.source)) for cell in notebook.cells if cell.cell_type == "markdown"
    )
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    exercises = sum("### BEGIN SOLUTION" in cell.source for cell in code)
    raw = (
        words / WORDS_PER_MINUTE
        + MINUTES_PER_CODE_CELL * len(code)
        + MINUTES_PER_EXERCISE * exercises
    )
    return 5 * max(1, math.ceil(raw / 5))


def course_map_markdown(
    directory: Path = NOTEBOOK_DIR, *, with_objectives: bool = False, link_prefix: str = ""
) -> str:
    """Return the course map as a markdown table generated from the notebooks themselves.

    Args:
        directory: the folder of notebooks.
        with_objectives: list each notebook's learning objectives instead of its subtitle.
        link_prefix: put before each notebook's file name in its link (``notebooks/``).

    Returns:
        The table, one row per notebook, and a last row with the total minutes.
    """
    infos = [notebook_info(path) for path in list_notebooks(directory)]
    header = "What you will learn to do" if with_objectives else "What it covers"
    rows = [f"| # | Notebook | {header} | Minutes |", "|---|---|---|---|"]
    for info in infos:
        text = "<br>".join(info.objectives) if with_objectives else info.subtitle
        rows.append(
            f"| {info.number:02d} | [{info.title}]({link_prefix}{info.path.name}) "
            f"| {text} | {info.minutes} |"
        )
    total = sum(info.minutes for info in infos)
    plural = "" if len(infos) == 1 else "s"
    rows.append(f"| | **Total** | {len(infos)} notebook{plural} | {total} |")
    return "\n".join(rows)


def course_map(directory: Path = NOTEBOOK_DIR) -> Any:
    """Display the course map in a notebook: one line per notebook, its subtitle and minutes.

    Each notebook lists its own learning objectives at its top.

    Args:
        directory: the folder of notebooks.

    Returns:
        An IPython ``Markdown`` object.
    """
    from IPython.display import Markdown

    return Markdown(course_map_markdown(directory))
