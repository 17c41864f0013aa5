"""The engine's structure: imports point one way, and each core module stays small.

The import graph is read from the source (every ``import`` statement, at module level or inside
a function, except those under ``if TYPE_CHECKING:``, which never run); an edge to a package's
own ``__init__`` that Python adds implicitly is not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nanograd

PACKAGE = Path(nanograd.__file__).resolve().parent
# The engine core: the tensor, calling ops, binding them, the graph walks, the registry and its
# loader, gradient checking. Everything else (nn, optim, run, testing) is built on it.
ENGINE_CORE = [
    "tensor.py", "call.py", "binding.py", "graph.py", "autograd.py", "registry.py",
    "definitions.py", "declaration.py", "versions.py", "tensor_checks.py", "inplace.py",
    "contract.py", "hookspecs.py", "plugins/__init__.py", "plugins/modules.py", "ops.py",
    "lookup.py", "_mode.py",
    "domain.py", "creation.py", "gradcheck.py", "jacobian.py", "integrity.py", "__init__.py",
]  # fmt: skip
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str) -> set[str]:
    """The nanograd modules a module's import statements name."""
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
        stack.extend(ast.iter_child_nodes(node))
    return {name for name in found if name in MODULES}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = _imports(ast.parse(path.read_text()), package)
        # Importing ``a.b.c`` runs ``a`` and ``a.b`` first; those implicit edges are not counted.
        graph[name] = {m for m in imported if m != name and not name.startswith(m + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_among_nanograd_modules() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_import_reader_sees_imports_inside_functions_but_not_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from nanograd.registry import OpDef\n"
        "def f():\n    from nanograd import plugins\n"
    )
    assert _imports(ast.parse(source), "nanograd") == {"nanograd.plugins"}


def test_the_tensor_type_imports_only_the_ops_namespace_and_its_own_checks_and_versions() -> None:
    graph = import_graph()
    assert graph["nanograd.tensor"] <= {
        "nanograd.ops", "nanograd.tensor_checks", "nanograd.versions"
    }  # fmt: skip
    # ... which import nothing of the engine but the grad-mode switch.
    assert graph["nanograd.tensor_checks"] <= {"nanograd._mode"}
    assert graph["nanograd.versions"] == set()


def test_no_engine_core_module_is_longer_than_400_lines() -> None:
    lengths = {name: len((PACKAGE / name).read_text().splitlines()) for name in ENGINE_CORE}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
