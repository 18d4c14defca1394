"""environment.yml (conda) and pyproject.toml (pip) describe one environment."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _conda() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _normalised(requirements: list[str]) -> set[tuple[str, str, str]]:
    parsed = [Requirement(text) for text in requirements]
    return {(r.name.lower(), str(r.specifier), str(r.marker or "")) for r in parsed}


def _conda_pip_lines() -> list[str]:
    for entry in _conda()["dependencies"]:
        if isinstance(entry, dict) and "pip" in entry:
            return entry["pip"]
    raise AssertionError("environment.yml has no pip section")


def test_same_packages_and_bounds() -> None:
    pip_side = _normalised(_pyproject()["project"]["dependencies"])
    conda_side = _normalised(_conda_pip_lines())
    assert pip_side == conda_side, (
        f"only in pyproject.toml: {sorted(pip_side - conda_side)}; "
        f"only in environment.yml: {sorted(conda_side - pip_side)}"
    )


def test_conda_pins_a_supported_python() -> None:
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    conda_python = next(
        d for d in _conda()["dependencies"] if isinstance(d, str) and d.startswith("python")
    )
    version = conda_python.removeprefix("python=")
    assert version != conda_python, f"environment.yml should pin one Python: {conda_python}"
    assert version in requires, f"environment.yml's Python {version} is outside {requires}"


def test_no_exact_pins() -> None:
    # Exact pins break on the next Python; lower bounds are the rule.
    for text in _pyproject()["project"]["dependencies"]:
        operators = {spec.operator for spec in Requirement(text).specifier}
        assert not operators & {"==", "==="}, f"{text}: use a lower bound, not an exact pin"


def test_the_dev_tools_are_an_extra_and_the_hooks_are_local() -> None:
    # `make start` installs the course; `make test` and `make hooks` add the `dev` extra.
    dev = {
        Requirement(text).name: Requirement(text)
        for text in _pyproject()["project"]["optional-dependencies"]["dev"]
    }
    assert {"ruff", "pytest-xdist", "nbdime", "pre-commit"} <= set(dev)
    assert str(dev["ruff"].specifier).startswith("=="), "the formatter's style must not drift"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert '-e ".[test,dev]"' in makefile
    # Hooks fetched from a git host cannot be installed everywhere: they are local, and run
    # the same ruff commands as `make lint`.
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    entries = [hook["entry"] for hook in config["repos"][0]["hooks"]]
    assert any("ruff check" in entry for entry in entries)
    assert any("ruff format --check" in entry for entry in entries)
