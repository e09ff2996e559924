"""No two top-level packages of ``valuecenter`` import each other, directly or round a loop.

The layers contract (pyproject.toml) lets siblings written ``a : b`` import each other; this
test walks the real import graph (grimp, as lint-imports does) and refuses any cycle between
top-level packages, so such siblings still depend one way only.
"""

from __future__ import annotations

from collections import defaultdict

import grimp
import pytest

ROOT = "valuecenter"


def package_imports(graph: grimp.ImportGraph, root: str) -> dict[str, dict[str, tuple[str, str]]]:
    """For each top-level package (or module) of ``root``: the other top-level packages it
    imports, each with one module-level import that shows it (importer, imported)."""
    arrows: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for module in graph.modules:
        if not module.startswith(root + "."):
            continue
        source = module.split(".")[1]
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith(root + "."):
                continue  # the root package itself (``__version__``) or a library
            target = imported.split(".")[1]
            if target != source:
                arrows[source].setdefault(target, (module, imported))
    return arrows


def package_cycles(arrows: dict[str, dict[str, tuple[str, str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted: every
    package of a group reaches every other, so each group holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(arrows.get(node, {})):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    nodes = set(arrows) | {t for targets in arrows.values() for t in targets}
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(groups)


def describe(arrows: dict[str, dict[str, tuple[str, str]]], group: list[str]) -> str:
    members = set(group)
    lines = [
        f"  {a} -> {b} (e.g. {arrows[a][b][0]} imports {arrows[a][b][1]})"
        for a in group
        for b in sorted(arrows.get(a, {}))
        if b in members
    ]
    return " / ".join(group) + ":\n" + "\n".join(lines)


def test_no_two_top_level_packages_import_each_other() -> None:
    graph = grimp.build_graph(ROOT, cache_dir=None)
    arrows = package_imports(graph, ROOT)
    assert len(arrows) > 10  # the walk found the package's imports
    cycles = package_cycles(arrows)
    assert not cycles, "import cycles between packages:\n" + "\n".join(
        describe(arrows, g) for g in cycles
    )


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        # a pair importing each other through submodules
        (
            [("pkg.a.service", "pkg.b.models"), ("pkg.b.repository", "pkg.a.models")],
            [["a", "b"]],
        ),
        # a loop of three, and a package outside it
        (
            [
                ("pkg.a.x", "pkg.b.x"),
                ("pkg.b.x", "pkg.c.x"),
                ("pkg.c.x", "pkg.a.y"),
                ("pkg.d.x", "pkg.a.x"),
            ],
            [["a", "b", "c"]],
        ),
        # one direction only, imports inside one package, the root and libraries: no cycle
        (
            [
                ("pkg.a.x", "pkg.b.x"),
                ("pkg.a.x", "pkg.a.y"),
                ("pkg.a.y", "pkg.a.x"),
                ("pkg.b.x", "pkg"),
                ("pkg.b.x", "sqlalchemy"),
            ],
            [],
        ),
    ],
)
def test_the_walk_finds_the_cycles_it_must(
    imports: list[tuple[str, str]], expected: list[list[str]]
) -> None:
    assert package_cycles(package_imports(_graph(*imports), "pkg")) == expected
