"""The Chinese edition (中文版): ``notebooks/zh/`` from the English notebooks and their translations.

``python -m tools.translate build`` writes ``notebooks/zh/NN_....ipynb`` for every notebook
that has a translation file; ``check`` says what is missing, stale or out of date, without
writing; ``status`` counts the translated cells and words; ``stamp NN CELL_ID ...`` records,
after a cell's Chinese was written or updated, the English text it now translates.

* **The source of the translation** is one YAML file per notebook,
  ``translations/zh/NN_....yaml``: the Chinese text of each markdown cell, keyed by the cell's
  id, with ``source``, the first 16 hex digits of the sha256 of the English text it was
  translated from. When the English changes, the hash no longer matches and the tests fail
  until the Chinese follows (CONTRIBUTING says how).
* **Code cells and their stored outputs** are copied from the English notebook unchanged, so
  nbval over the English notebooks covers both editions (``notebooks/zh`` is not collected).
* **Generated cells** are not translated by hand: the navigation lines are written here in
  Chinese, linking each notebook's Chinese twin (or the English notebook while it has none);
  the 本节术语 box is bilingual already and is copied; notebook 00's glossary cell keeps its
  generated table under the translated introduction.
* The first cell of every Chinese notebook links to its English twin.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from course_utils.glossary import GLOSSARY_MARKER, TERMS_MARKER
from course_utils.notebooks import NOTEBOOK_DIR, list_notebooks, read_notebook
from tools.notebooks import NAV_MARKER, _write_atomically
from tools.site import _write_text

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations" / "zh"
ZH_DIR = NOTEBOOK_DIR / "zh"

#: The line the first cell of a Chinese notebook ends with: a link to its English twin.
TWIN_LINK = "[English edition]({name}) · 中文版"
#: The line the first cell of an English notebook ends with once its Chinese twin exists.
ZH_LINK = "[中文版 · Chinese edition](zh/{name})"
_ZH_LINK_LINE = re.compile(r"\n\n\[中文版 · Chinese edition\]\(zh/[^)]*\)$")


def source_hash(text: str) -> str:
    """Return the hash an entry records of the English text it translates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _glossary_parts(source: str) -> tuple[str, str]:
    """Split notebook 00's glossary cell into its prose and its generated table."""
    prose, separator, table = source.partition("\n|")
    return prose, separator[1:] + table


def translatable(notebook: Any) -> dict[str, str]:
    """Return the English text to translate, by cell id: every markdown cell but the generated."""
    texts = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown" or cell.source.startswith((NAV_MARKER, TERMS_MARKER)):
            continue
        source = cell.source
        if source.startswith(GLOSSARY_MARKER):
            source = _glossary_parts(source)[0]
        if index == 0:  # the link to the Chinese twin is written by build, not translated
            source = _ZH_LINK_LINE.sub("", source)
        texts[cell.id] = source
    return texts


def load_translation(path: Path) -> dict[str, dict[str, str]]:
    """Read a translation file: ``{cell id: {"source": hash, "zh": text}}``."""
    try:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path.name} is not valid YAML: {error}") from error
    cells = record.get("cells") if isinstance(record, dict) else None
    if not isinstance(cells, dict) or not all(
        isinstance(entry, dict) and {"source", "zh"} <= set(entry) for entry in cells.values()
    ):
        raise ValueError(
            f"{path.name} must hold `cells:`, a mapping from cell id to `source` and `zh`."
        )
    return {str(key): entry for key, entry in cells.items()}


def problems(notebook: Any, translation: dict[str, dict[str, str]]) -> list[str]:
    """Return what keeps a translation from being complete and current, cell by cell."""
    found = []
    english = translatable(notebook)
    for cell_id, text in english.items():
        entry = translation.get(cell_id)
        if entry is None or not str(entry["zh"]).strip():
            found.append(f"cell {cell_id}: not translated")
        elif entry["source"] != source_hash(text):
            found.append(f"cell {cell_id}: stale (the English changed since it was translated)")
    found += [
        f"cell {cell_id}: no such markdown cell" for cell_id in set(translation) - set(english)
    ]
    return found


def _title(notebook: Any) -> str:
    """Return the first line of a notebook's first cell without its ``#``: "00 · Start here"."""
    return notebook.cells[0].source.splitlines()[0].lstrip("# ").strip()


def navigation_line(entries: list[tuple[str, str, bool]], index: int) -> str:
    """Return the Chinese navigation line: 上一节 · 课程地图 · 下一节.

    ``entries`` hold each notebook's file name, title and whether its Chinese twin exists; a
    notebook without one is linked in English, one folder up.
    """

    def link(entry: tuple[str, str, bool], text: str) -> str:
        name, _, twin = entry
        return f"[{text}]({name if twin else '../' + name})"

    parts = []
    if index > 0:
        parts.append(link(entries[index - 1], f"← {entries[index - 1][1]}"))
    parts.append(link(entries[0], "课程地图"))
    if index + 1 < len(entries):
        parts.append(link(entries[index + 1], f"{entries[index + 1][1]} →"))
    return f"{NAV_MARKER}\n" + " · ".join(parts)


_NOTEBOOK_LINK = re.compile(r"\]\((?:\./)?(\d{2}_[a-z0-9_]+\.ipynb)")


def _link_english(text: str, ready: set[str]) -> str:
    """Point links to notebooks without a Chinese twin at the English one, a folder up."""
    return _NOTEBOOK_LINK.sub(
        lambda m: m.group(0) if m.group(1) in ready else f"](../{m.group(1)}", text
    )


def chinese_notebook(
    notebook: Any,
    translation: dict[str, dict[str, str]],
    name: str,
    navigation: str,
    ready: set[str] | None = None,
) -> Any:
    """Return the Chinese twin of an English notebook (its translation is complete).

    ``ready`` names the notebooks (``NN_name.ipynb``) that have a Chinese twin; the prose's
    links to the others go to the English notebook.
    """
    ready = set() if ready is None else ready
    twin = copy.deepcopy(notebook)
    for index, cell in enumerate(twin.cells):
        if cell.cell_type != "markdown":
            continue
        if cell.source.startswith(NAV_MARKER):
            cell.source = navigation
        elif cell.source.startswith(TERMS_MARKER):
            continue
        elif cell.source.startswith(GLOSSARY_MARKER):
            table = _glossary_parts(cell.source)[1]
            prose = _link_english(translation[cell.id]["zh"].rstrip("\n"), ready)
            cell.source = prose + "\n" + table
        else:
            cell.source = _link_english(translation[cell.id]["zh"].rstrip("\n"), ready)
        if index == 0:
            cell.source += "\n\n" + TWIN_LINK.format(name=f"../{name}")
    return twin


def editions(directory: Path = NOTEBOOK_DIR) -> list[tuple[Path, Path | None]]:
    """Return each English notebook with its translation file, or None where it has none."""
    pairs = []
    for path in list_notebooks(directory):
        file = TRANSLATIONS / f"{path.stem}.yaml"
        pairs.append((path, file if file.is_file() else None))
    return pairs


def build_all(*, write: bool) -> tuple[dict[Path, Any], list[str]]:
    """Build every Chinese notebook that has a complete, current translation.

    Returns the Chinese notebooks by path, and the problems (a translation file that is not
    complete or current names its cells; a Chinese notebook on disk that differs from its
    build is out of date). With ``write`` the notebooks are written and nothing is out of date.
    """
    import nbformat

    pairs = editions()
    english = {path: read_notebook(path) for path, _ in pairs}
    translations = {path: load_translation(file) for path, file in pairs if file is not None}
    found = []
    for path, translation in translations.items():
        found += [f"{path.stem}: {line}" for line in problems(english[path], translation)]
    ready = {path for path in translations if not any(p.startswith(path.stem + ":") for p in found)}
    entries = []
    for path, _ in pairs:
        if path in ready:
            first = translations[path][english[path].cells[0].id]["zh"]
            title = first.splitlines()[0].lstrip("# ").strip()
        else:
            title = _title(english[path])
        entries.append((path.name, title, path in ready))
    built = {}
    for index, (path, _) in enumerate(pairs):
        if path not in ready:
            continue
        twin = chinese_notebook(
            english[path],
            translations[path],
            path.name,
            navigation_line(entries, index),
            {p.name for p in ready},
        )
        target = ZH_DIR / path.name
        built[target] = twin
        text = nbformat.writes(twin)
        text += "" if text.endswith("\n") else "\n"
        current = target.is_file() and target.read_text(encoding="utf-8") == text
        if write and not current:
            ZH_DIR.mkdir(exist_ok=True)
            _write_atomically(twin, target)
        elif not current:
            found.append(f"{target.name}: out of date; run `python -m tools.translate build`")
    for path, _ in pairs:
        first = english[path].cells[0]
        wanted = _ZH_LINK_LINE.sub("", first.source)
        if path in ready:
            wanted += "\n\n" + ZH_LINK.format(name=path.name)
        if first.source == wanted:
            continue
        if write:
            first.source = wanted
            _write_atomically(english[path], path)
        else:
            found.append(
                f"{path.name}: its first cell's link to the Chinese edition is out of date"
            )
    stray = {p for p in ZH_DIR.glob("*.ipynb")} - set(built) if ZH_DIR.is_dir() else set()
    found += [f"{p.name}: no complete translation for this Chinese notebook" for p in sorted(stray)]
    return built, found


def status() -> list[str]:
    """Return one line per notebook: its translated cells and words, or that it has none."""
    lines = []
    for path, file in editions():
        english = translatable(read_notebook(path))
        words = sum(len(text.split()) for text in english.values())
        if file is None:
            lines.append(
                f"{path.stem}: not translated ({len(english)} cells, {words} English words)"
            )
            continue
        translation = load_translation(file)
        done = [i for i in english if i in translation and str(translation[i]["zh"]).strip()]
        characters = sum(len(str(translation[i]["zh"])) for i in done)
        lines.append(
            f"{path.stem}: {len(done)} of {len(english)} cells ({words} English words, "
            f"{characters} Chinese characters)"
        )
    return lines


def stamp(number: str, cell_ids: list[str]) -> Path:
    """Record the current English of some cells as the source of their Chinese text."""
    matches = [(path, file) for path, file in editions() if path.name.startswith(f"{number}_")]
    if len(matches) != 1 or matches[0][1] is None:
        raise ValueError(f"no translation file for notebook {number!r} in {TRANSLATIONS}.")
    path, file = matches[0]
    english = translatable(read_notebook(path))
    record = yaml.safe_load(file.read_text(encoding="utf-8"))
    for cell_id in cell_ids:
        if cell_id not in english or cell_id not in record["cells"]:
            raise ValueError(f"{file.name} has no entry for a markdown cell {cell_id!r}.")
        record["cells"][cell_id]["source"] = source_hash(english[cell_id])
    write_translation(file, record["cells"])
    return file


def write_translation(file: Path, cells: dict[str, dict[str, str]]) -> None:
    """Write a translation file: each cell's ``source`` hash and its Chinese as a block."""

    class Block(str):
        pass

    def block(dumper: yaml.Dumper, text: Block) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")

    yaml.add_representer(Block, block, Dumper=yaml.SafeDumper)
    body = {
        "cells": {
            cell_id: {"source": entry["source"], "zh": Block(str(entry["zh"]).rstrip("\n") + "\n")}
            for cell_id, entry in cells.items()
        }
    }
    header = (
        f"# The Chinese text of notebooks/{file.stem}.ipynb's markdown cells, by cell id.\n"
        "# `source` is the hash of the English text the entry translates; after editing an\n"
        "# entry, record it with `python -m tools.translate stamp NN CELL_ID`.\n"
    )
    text = header + yaml.dump(
        body, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=100
    )
    _write_text(file, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "check", "status", "stamp"])
    parser.add_argument("arguments", nargs="*", help="stamp: the notebook's number, cell ids")
    args = parser.parse_args(argv)
    if args.command == "stamp":
        print(f"stamped {stamp(args.arguments[0], args.arguments[1:])}")
        return 0
    if args.command == "status":
        print("\n".join(status()))
        return 0
    built, found = build_all(write=args.command == "build")
    print("\n".join(found) if found else f"{len(built)} Chinese notebooks are up to date.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
