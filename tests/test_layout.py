"""The package's layering: the NumPy core, the Keras models above it, the authors' tools apart.

notebooks → course_utils.models → course_utils (the core). The core never imports the models
or the tools, and never imports TensorFlow or Keras at import time; only a function body may
(``setup.setup_notebook`` seeds Keras, a checker builds a reference layer).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
MODELS = PACKAGE / "models"
FRAMEWORKS = ("tensorflow", "keras")

CORE_FILES = sorted(p for p in PACKAGE.rglob("*.py") if MODELS not in p.parents)
MODEL_FILES = sorted(MODELS.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool) -> list[str]:
    """The absolute module names a file imports (``from x import y`` gives x and x.y)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    nodes: list[ast.AST] = []
    if top_level_only:
        # Statements run at import: the module's body, including its if and try blocks.
        pending: list[ast.AST] = list(tree.body)
        while pending:
            node = pending.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            nodes.append(node)
            pending.extend(ast.iter_child_nodes(node))
    else:
        nodes = list(ast.walk(tree))
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = (package or _module_name(path)).split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_upward(path: Path) -> None:
    upward = [
        name
        for name in _imports(path, top_level_only=False)
        if name.startswith(("course_utils.models", "tools"))
    ]
    assert not upward, f"{path.name} imports {upward}: the core may not use the models or tools"
    frameworks = [
        name for name in _imports(path, top_level_only=True) if name.split(".")[0] in FRAMEWORKS
    ]
    assert not frameworks, (
        f"{path.name} imports {frameworks} at import time; only course_utils.models may "
        "(import inside the function that needs it)"
    )


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_models_never_import_the_tools(path: Path) -> None:
    tools = [name for name in _imports(path, top_level_only=False) if name.startswith("tools")]
    assert not tools, f"{path.name} imports {tools}"


def test_the_core_imports_have_no_circle() -> None:
    # The graph of which core module imports which, anywhere in its code.
    modules = {_module_name(path): path for path in CORE_FILES}
    graph = {
        name: {
            imported
            for imported in _imports(path, top_level_only=False)
            if imported in modules and imported != name
        }
        for name, path in modules.items()
    }
    # Packages import their own modules (check/__init__ gathers the checkers): not a circle.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError(" → ".join([*path[path.index(name) :], name]))
        for following in sorted(graph[name]):
            visit(following, [*path, name])

    for name in sorted(graph):
        visit(name, [])


def test_importing_the_core_never_imports_tensorflow() -> None:
    names = sorted(_module_name(path) for path in CORE_FILES)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"importing the core imported {result.stdout.strip()}"
