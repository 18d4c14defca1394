"""The glossary file, and the notebook cells generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course_utils import glossary
from course_utils.notebooks import list_notebooks, read_notebook

NOTEBOOKS = {int(path.name[:2]): path for path in list_notebooks()}
GENERATED = (glossary.TERMS_MARKER, glossary.GLOSSARY_MARKER, "<!-- nav -->")
# The training vocabulary that the teaching issue asked for, in the glossary by name.
TRAINING_VOCABULARY = [
    "损失函数",
    "交叉熵",
    "梯度",
    "反向传播",
    "优化器",
    "学习率",
    "批量",
    "轮次",
    "过拟合",
    "验证集",
    "测试集",
    "步幅",
    "填充",
    "通道",
    "基线",
    "独热编码",
]


def _prose(path: Path) -> str:
    """The notebook's own markdown, without the generated cells and the 中文小结 at its end."""
    cells = read_notebook(path).cells
    return "\n".join(
        re.sub(r"\*\*中文小结\*\*\n(- .*\n?)+", "", cell.source)
        for cell in cells
        if cell.cell_type == "markdown" and not cell.source.startswith(GENERATED)
    )


TERMS, CHAPTERS = glossary.load_glossary()


def test_every_term_names_existing_notebooks() -> None:
    for term in TERMS:
        assert set(term.taught) <= set(NOTEBOOKS), f"{term.en}: taught in {term.taught}"
        assert list(term.taught) == sorted(term.taught), f"{term.en}: first notebook first"
    assert set(CHAPTERS) <= set(NOTEBOOKS)


def test_training_vocabulary_is_in_the_glossary() -> None:
    names = {name for term in TERMS for name in term.chinese_names}
    assert set(TRAINING_VOCABULARY) <= names, set(TRAINING_VOCABULARY) - names


@pytest.mark.parametrize("term", TERMS, ids=lambda term: term.en)
def test_chinese_name_is_given_where_the_term_is_first_taught(term: glossary.Term) -> None:
    # "池化层（最大池化 / 平均池化）" is given as 池化层; any one of "A or B" will do.
    names = [re.split("（", name)[0].strip() for name in term.chinese_names]
    prose = _prose(NOTEBOOKS[term.taught[0]])
    assert any(name in prose for name in names), (
        f"notebook {term.taught[0]:02d} teaches {term.en!r} but never gives {term.zh}: add it "
        "in brackets where the term first appears, or fix 'taught' in glossary.yaml"
    )


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_terms_box_is_generated_from_the_glossary(number: int) -> None:
    cells = read_notebook(NOTEBOOKS[number]).cells
    expected = glossary.terms_markdown(number)
    assert expected is not None, f"notebook {number:02d} teaches no glossary term"
    assert cells[2].id == "terms" and cells[2].source == expected, (
        f"notebook {number:02d}'s 本节术语 box is stale: run `python -m tools.notebooks nav`"
    )


def test_notebook_00_glossary_is_generated_from_the_file() -> None:
    cells = read_notebook(NOTEBOOKS[0]).cells
    [cell] = [cell for cell in cells if cell.id == "glossary"]
    assert cell.source == glossary.glossary_markdown(), "run `python -m tools.notebooks nav`"
    assert cell.source.count("\n| ") == len(TERMS) + 1  # the header and one row per term


def test_d2l_links_point_at_chapters() -> None:
    for chapters in CHAPTERS.values():
        for chapter in chapters:
            assert re.fullmatch(r"chapter_[a-z-]+/[a-z-]+\.html", chapter.path), chapter.path
            assert chapter.url.startswith("https://zh.d2l.ai/chapter_")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("terms: [{en: a, zh: 甲}]", "needs 'taught'"),
        ("terms: [{en: a, zh: '', taught: [1]}]", "non-empty 'zh'"),
        ("terms: [{en: a, zh: 甲, taught: [one]}]", "needs 'taught'"),
        ("terms: [{en: a, zh: 甲, taught: [1], colour: red}]", "unknown fields"),
        ("terms: [{en: a, zh: 甲, taught: [1]}, {en: a, zh: 乙, taught: [2]}]", "appears twice"),
        ("words: []", "top-level 'terms'"),
        ("terms: [{en: optimiser (SGD, Adam), zh: 优化器, taught: [3]}]", "unknown fields"),
    ],
)
def test_bad_glossary_is_explained(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)) as error:
        glossary.load_glossary(path)
    assert "Fix the entry" in str(error.value)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_summary_ends_with_a_two_line_chinese_summary(number: int) -> None:
    cells = read_notebook(NOTEBOOKS[number]).cells
    [summary] = [cell for cell in cells if cell.source.startswith("## Summary")]
    assert "**中文小结**\n" in summary.source, f"notebook {number:02d}: add a **中文小结**"
    block = summary.source.split("**中文小结**\n", 1)[1].split("\n\n", 1)[0]
    lines = block.splitlines()
    assert len(lines) == 2 and all(line.startswith("- ") for line in lines), block
    assert all(len(re.findall("[\u4e00-\u9fff]", line)) >= 20 for line in lines), block
