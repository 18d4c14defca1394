"""The conventions of a public course: one version everywhere, the licence, the citation,
and the Chinese README kept in step with the English one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import course_utils
from course_utils import notebooks

ROOT = Path(__file__).resolve().parents[1]
ENTITY = "the Deep Learning for Recommender Systems course authors"


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_one_version_everywhere() -> None:
    version = tomllib.loads(_read("pyproject.toml"))["project"]["version"]
    assert course_utils.__version__ == version
    assert yaml.safe_load(_read("CITATION.cff"))["version"] == version
    newest = re.search(r"^## (\S+) \((\d{4}-\d\d-\d\d)\)$", _read("CHANGELOG.md"), re.MULTILINE)
    assert newest is not None, "CHANGELOG.md's entries are headed '## <version> (<date>)'"
    assert newest.group(1) == version, "the newest CHANGELOG entry is the current version"
    assert str(yaml.safe_load(_read("CITATION.cff"))["date-released"]) == newest.group(2)


def test_the_project_itself_holds_the_licence_and_authorship() -> None:
    licence = _read("LICENSE")
    assert f"Copyright (c) 2026 {ENTITY}" in licence
    assert "MIT License" in licence and "CC BY-SA 4.0" in licence
    authors = yaml.safe_load(_read("CITATION.cff"))["authors"]
    assert authors == [{"name": ENTITY}], "the course's authors are named as one entity"
    assert tomllib.loads(_read("pyproject.toml"))["project"]["license-files"] == ["LICENSE"]


def _map_rows(text: str) -> list[tuple[str, str, str]]:
    """(number, notebook file, minutes) of each row of a course-map table."""
    return re.findall(
        r"^\| (\d\d) \| \[[^\]]+\]\((notebooks/[^)]+)\) \| .+ \| (\d+) \|$", text, re.M
    )


def test_the_chinese_readme_has_the_same_course_map() -> None:
    english, chinese = _map_rows(_read("README.md")), _map_rows(_read("README.zh-CN.md"))
    assert len(english) == len(notebooks.list_notebooks())
    assert chinese == english, "update README.zh-CN.md's course map to match README.md's"
    total = sum(int(minutes) for _, _, minutes in english)
    assert f"| **合计** | {len(english)} 个笔记本 | {total} |" in _read("README.zh-CN.md")
    assert "[中文](README.zh-CN.md)" in _read("README.md")


def test_the_chinese_readme_names_no_mirror_host() -> None:
    # Each reader picks a mirror they trust; the course recommends none.
    text = _read("README.zh-CN.md")
    assert "<镜像地址>" in text
    assert "://" not in text
