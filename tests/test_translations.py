"""Tests for the Chinese edition (tools/translate.py): complete, current, and in step with the English.

Every notebook with a translation file (``translations/zh/``) must have every markdown cell
translated from its current English text, and its Chinese twin in ``notebooks/zh/`` must be the
one ``python -m tools.translate build`` writes: the English code cells and outputs, the Chinese
prose. Notebooks not yet translated are listed by ``python -m tools.translate status``.
"""

from __future__ import annotations

import nbformat
import pytest

from course_utils import glossary
from course_utils.notebooks import read_notebook
from tools import translate

EDITIONS = [(path, file) for path, file in translate.editions() if file is not None]


def test_every_notebook_has_a_translation() -> None:
    missing = [path.name for path, file in translate.editions() if file is None]
    assert not missing, f"no translations/zh/ file for {missing}: translate them"


@pytest.mark.parametrize(("path", "file"), EDITIONS, ids=[p.stem for p, _ in EDITIONS])
def test_every_markdown_cell_is_translated_from_the_current_english(path, file) -> None:
    found = translate.problems(read_notebook(path), translate.load_translation(file))
    assert not found, f"{file.name}: " + "; ".join(found[:10])


def test_the_chinese_notebooks_are_built_from_their_sources() -> None:
    _, found = translate.build_all(write=False)
    assert not found, "; ".join(found[:10])


@pytest.mark.parametrize(("path", "file"), EDITIONS, ids=[p.stem for p, _ in EDITIONS])
def test_the_code_and_outputs_are_the_english_ones(path, file) -> None:
    english = read_notebook(path)
    chinese = nbformat.read(translate.ZH_DIR / path.name, as_version=4)
    assert [c.cell_type for c in chinese.cells] == [c.cell_type for c in english.cells]
    for ours, theirs in zip(chinese.cells, english.cells, strict=True):
        if theirs.cell_type == "code":
            assert ours == theirs, f"{path.name}: code cell {theirs.id} differs"
    assert translate.TWIN_LINK.format(name=f"../{path.name}") in chinese.cells[0].source


@pytest.mark.parametrize(("path", "file"), EDITIONS, ids=[p.stem for p, _ in EDITIONS])
def test_the_glossary_terms_taught_here_are_used(path, file) -> None:
    # The glossary is the single source of term choices: a term first taught in a notebook
    # appears there under its Chinese name.
    number = int(path.name[:2])
    text = "\n".join(str(entry["zh"]) for entry in translate.load_translation(file).values())
    missing = [
        term.zh
        for term in glossary.load_glossary()[0]
        if term.taught[0] == number
        # A name's parenthesised part lists its kinds: 池化层（最大池化 / 平均池化）.
        and not any(name.split("（")[0].strip() in text for name in term.chinese_names)
    ]
    assert not missing, f"{path.name}: the Chinese text never uses {missing}"


def test_a_stale_or_missing_translation_is_reported() -> None:
    path, file = EDITIONS[0]
    notebook = read_notebook(path)
    translation = translate.load_translation(file)
    cell_id = next(iter(translate.translatable(notebook)))
    stale = {**translation, cell_id: {**translation[cell_id], "source": "0" * 16}}
    assert translate.problems(notebook, stale) == [
        f"cell {cell_id}: stale (the English changed since it was translated)"
    ]
    missing = {key: value for key, value in translation.items() if key != cell_id}
    assert translate.problems(notebook, missing) == [f"cell {cell_id}: not translated"]


def test_the_navigation_links_a_chinese_twin_or_the_english_notebook() -> None:
    entries = [("00_a.ipynb", "00 · 从这里开始", True), ("01_b.ipynb", "01 · Data", False)]
    assert translate.navigation_line(entries, 0) == (
        "<!-- nav -->\n[课程地图](00_a.ipynb) · [01 · Data →](../01_b.ipynb)"
    )
    assert translate.navigation_line(entries, 1) == (
        "<!-- nav -->\n[← 00 · 从这里开始](00_a.ipynb) · [课程地图](00_a.ipynb)"
    )
