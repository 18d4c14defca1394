"""The course's glossary, read from ``glossary.yaml``: its single source of term choices.

Notebook 00's glossary table and each notebook's 本节术语 box are generated from it (by
``python -m tools.notebooks nav``), and a later translation draws its terms from it too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")
D2L_ZH = "https://zh.d2l.ai/"
TERMS_MARKER = "<!-- terms -->"
GLOSSARY_MARKER = "<!-- glossary -->"

__all__ = ["D2LChapter", "Term", "glossary_markdown", "load_glossary", "terms_markdown"]


@dataclass(frozen=True)
class Term:
    """One glossary entry.

    Attributes:
        en: the English term, as the notebooks use it.
        zh: its usual Chinese name; alternatives are joined by `` or ``.
        article: the survey article's own wording where it differs, else ``None``.
        taught: the notebooks that teach it, first one first.
    """

    en: str
    zh: str
    article: str | None
    taught: tuple[int, ...]

    @property
    def chinese_names(self) -> tuple[str, ...]:
        """The Chinese names, each alternative on its own."""
        return tuple(name.strip() for name in self.zh.split(" or "))


@dataclass(frozen=True)
class D2LChapter:
    """A chapter of the Chinese edition of d2l to read beside a notebook."""

    title: str
    path: str

    @property
    def url(self) -> str:
        """The chapter's address."""
        return D2L_ZH + self.path


def _require(condition: bool, problem: str, path: Path) -> None:
    if not condition:
        raise ValueError(f"{path.name}: {problem}. Fix the entry in {path}.")


@functools.cache
def load_glossary(
    path: Path = GLOSSARY_FILE,
) -> tuple[tuple[Term, ...], dict[int, tuple[D2LChapter, ...]]]:
    """Read and validate the glossary.

    Args:
        path: the YAML file.

    Returns:
        The terms in file order, and the d2l chapters of each notebook number.

    Raises:
        ValueError: if an entry lacks a field, has an unknown one, repeats a term, or names
            a notebook number that is not a non-negative int.
    """
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    _require(isinstance(data, dict) and "terms" in data, "needs a top-level 'terms' list", path)
    terms, seen = [], set()
    for entry in data["terms"]:
        _require(isinstance(entry, dict), f"each term must be a mapping, not {entry!r}", path)
        unknown = set(entry) - {"en", "zh", "article", "taught"}
        _require(
            not unknown, f"term {entry.get('en')!r} has unknown fields {sorted(unknown)}", path
        )
        for field in ("en", "zh"):
            _require(
                isinstance(entry.get(field), str) and entry[field].strip() != "",
                f"term {entry.get('en')!r} needs a non-empty '{field}'",
                path,
            )
        taught = entry.get("taught")
        _require(
            isinstance(taught, list)
            and taught != []
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in taught),
            f"term {entry['en']!r} needs 'taught': a list of notebook numbers such as [2, 3]",
            path,
        )
        _require(entry["en"] not in seen, f"term {entry['en']!r} appears twice", path)
        seen.add(entry["en"])
        terms.append(Term(entry["en"], entry["zh"], entry.get("article"), tuple(taught)))
    chapters: dict[int, tuple[D2LChapter, ...]] = {}
    for number, entries in (data.get("d2l") or {}).items():
        _require(isinstance(number, int), f"d2l key {number!r} must be a notebook number", path)
        chapters[number] = tuple(D2LChapter(e["title"], e["path"]) for e in entries)
    return tuple(terms), chapters


def _chinese_cell(term: Term) -> str:
    return f"{term.zh} (the article: {term.article})" if term.article else term.zh


def glossary_markdown(path: Path = GLOSSARY_FILE) -> str:
    """Return notebook 00's glossary cell: every term, ordered by where it is first taught."""
    terms, _ = load_glossary(path)
    rows = [
        f"| {term.en} | {_chinese_cell(term)} | {', '.join(f'{n:02d}' for n in term.taught)} |"
        for term in sorted(terms, key=lambda term: term.taught[0])
    ]
    return "\n".join(
        [
            GLOSSARY_MARKER,
            "## 6. Glossary (English / 中文)",
            "Each notebook gives a term's Chinese name at its first use, and lists its terms "
            "in a 本节术语 box at its top; this table collects them, ordered by the notebook "
            "that first teaches them. Where the article's wording differs from the usual "
            "one, both are given. The table is generated from `course_utils/glossary.yaml`.",
            "",
            "| English | 中文 | Taught in |",
            "|---|---|---|",
            *rows,
        ]
    )


def terms_markdown(number: int, path: Path = GLOSSARY_FILE) -> str | None:
    """Return the 本节术语 box of notebook ``number``, or ``None`` if it teaches no term."""
    terms, chapters = load_glossary(path)
    mine = [term for term in terms if number in term.taught]
    if not mine and number not in chapters:
        return None
    lines = [TERMS_MARKER, "**本节术语 · Terms in this notebook**", ""]
    if mine:
        lines += ["| English | 中文 |", "|---|---|"]
        lines += [f"| {term.en} | {_chinese_cell(term)} |" for term in mine]
    if number in chapters:
        links = " · ".join(f"[{chapter.title}]({chapter.url})" for chapter in chapters[number])
        lines += ["", f"Read alongside, in 动手学深度学习 (the Chinese edition of d2l): {links}"]
    return "\n".join(lines)
