"""The layers of the project import downward only, and no modules import each other in a circle.

locales (the kernel: message types, gettext, Vietnamese text) < storage < conversations < handlers < bot.
Every import counts: at the top of a file, inside a function, under ``TYPE_CHECKING``. The map is
in docs/layers.md; this test is what keeps it true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("locales", "storage", "conversations", "handlers", "bot")
RANK = {name: rank for rank, name in enumerate(LAYERS)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # Alembic's environment loads the models; it is run by storage.migrate only
            found[_module_name(path)] = path
    return found


def _imports(path: Path, module: str) -> set[str]:
    """Every module of ours that ``path`` imports, resolved to a name in ``_modules()`` when possible."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            names.add(origin)
            # "from storage import reporting_scope" imports the module storage.reporting_scope
            names.update(f"{origin}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] in RANK}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {name for name in _imports(path, module) if name in modules and name != module}
        graph[module] = targets
    return graph


def test_the_layers_import_downward_only() -> None:
    upward = [
        f"{module} imports {target}"
        for module, path in _modules().items()
        for target in sorted(_imports(path, module))
        if RANK[target.split(".")[0]] > RANK[module.split(".")[0]]
    ]
    assert upward == [], "\n".join(upward)


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a circle of meaning; skip those edges.
    edges = {
        module: {t for t in targets if not (module.startswith(t + ".") and _modules()[t].name == "__init__.py")}
        for module, targets in graph.items()
    }
    circles = _strongly_connected(edges)
    assert circles == [], "\n".join(" ↔ ".join(sorted(c)) for c in circles)


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of two or more modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from handlers.dispatch import Core\n", {"handlers.dispatch", "handlers.dispatch.Core"}),
        ("def f():\n    import bot.app\n", {"bot.app"}),
    ],
)
def test_the_reader_sees_imports_wherever_they_are(source: str, expected: set[str], tmp_path: Path) -> None:
    """The check itself can fail: an import inside a function is seen like one at the top."""
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    assert _imports(path, "storage.probe") == expected
    assert any(RANK[name.split(".")[0]] > RANK["storage"] for name in _imports(path, "storage.probe"))
