"""The package-level import graph and the imports that point up the layers (docs/architecture.md).

Counts every module-to-module import grimp finds (import-linter's graph, function-level imports
included) between the top-level packages, which of them go from a lower layer to a higher one,
and the circles between modules. ``--shell MODULE…`` counts modules as the shell's (``hotline``),
e.g. those that lived in ``dispatch`` before issue 27:

    .venv/bin/python .ci/import_graph.py --list                # this checkout
    git worktree add /tmp/before dbc97be && .venv/bin/python .ci/import_graph.py --root /tmp/before
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

LAYERS = {"hotline": 3, "channels": 2, "console_ui": 2, "classifiers": 1, "sla": 1, "dispatch": 0}
PACKAGES = list(LAYERS)


def component(module: str, shell: list[str]) -> str:
    """The top-level package, or "hotline" for a module of the shell that lived in dispatch."""
    if any(module == s or module.startswith(s + ".") for s in shell):
        return "hotline"
    return module.split(".")[0]


def module_cycles(graph) -> list[list[str]]:
    """The groups of modules that import each other round a circle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--shell", nargs="*", default=[], help="modules counted as the shell")
    ap.add_argument("--list", action="store_true", help="list every upward import")
    args = ap.parse_args()
    sys.path.insert(0, args.root)
    import grimp

    present = [p for p in PACKAGES if (Path(args.root) / p / "__init__.py").exists()]
    graph = grimp.build_graph(*present, cache_dir=None, exclude_type_checking_imports=True)
    edges: Counter = Counter()
    upward: list[tuple[str, str]] = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            a, b = component(importer, args.shell), component(imported, args.shell)
            if a == b:
                continue
            edges[a, b] += 1
            if LAYERS[a] < LAYERS[b]:
                upward.append((importer, imported))

    print("```mermaid\ngraph TD")
    for (a, b), n in sorted(edges.items()):
        arrow = "-.->|%d UP|" % n if LAYERS[a] < LAYERS[b] else "-->|%d|" % n
        print(f"  {a} {arrow} {b}")
    print("```")
    ups = Counter((component(i, args.shell), component(j, args.shell)) for i, j in upward)
    print(f"imports between packages: {sum(edges.values())}; pointing up the layers: {len(upward)}"
          + "".join(f"\n  {a} -> {b}: {n}" for (a, b), n in sorted(ups.items())))
    cycles = [(a, b) for (a, b) in edges if a < b and (b, a) in edges]
    print("package pairs importing each other: "
          + (", ".join(f"{a} <-> {b}" for a, b in sorted(cycles)) or "none"))
    circles = module_cycles(graph)
    print(f"circles between modules: {len(circles)}"
          + "".join(f"\n  {' <-> '.join(c)}" for c in circles))
    if args.list:
        for i, j in upward:
            print(f"  {i} -> {j}")


if __name__ == "__main__":
    main()
