"""Draw the kit's import graph, package by package: `python -m kit.import_graph` prints it as
a Mermaid diagram; `--update docs/import-graph.md` rewrites the page (a test keeps it current).

grimp (import-linter's graph library) reads the imports; modules are grouped into the packages a
reader thinks in: each cloud's platform, the rest of components, the agent model, and kit's
programs. The contracts that forbid the wrong arrows are in pyproject.toml ([tool.importlinter]).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import grimp

ROOTS = ("agent", "components", "kit")
LAYER_TITLES = {
    "kit": "kit: the plan and the cluster CLI (top)",
    "components": "components: the Pulumi program's parts",
    "agent": "agent: the collector model, pure Python (bottom)",
}
BEGIN, END = "```mermaid", "```"


def group_of(module: str) -> str:
    """The package a module is drawn in: platforms by cloud, kit by program, else its root."""
    parts = module.split(".")
    if parts[:2] == ["components", "platforms"] and len(parts) > 2:
        return ".".join(parts[:3]) if _is_package(parts[:3]) else "components.platforms"
    if parts[0] == "kit" and len(parts) > 1 and _is_package(parts[:2]):
        return ".".join(parts[:2])
    return parts[0]


def _is_package(parts: list[str]) -> bool:
    return (Path(__file__).resolve().parent.parent.joinpath(*parts) / "__init__.py").is_file()


def edges() -> tuple[dict[str, set[str]], dict[str, int]]:
    """(group -> groups it imports, modules per group) for the kit's own packages."""
    graph = grimp.build_graph(*ROOTS, cache_dir=None)
    imports: dict[str, set[str]] = defaultdict(set)
    sizes: dict[str, int] = defaultdict(int)
    for module in graph.modules:
        source = group_of(module)
        sizes[source] += 1
        for imported in graph.find_modules_directly_imported_by(module):
            target = group_of(imported)
            if target != source:
                imports[source].add(target)
    return imports, sizes


def mermaid() -> str:
    imports, sizes = edges()
    node = {group: group.replace(".", "_") for group in sizes}
    lines = ["flowchart TB"]
    for root in ROOTS:
        lines.append(f'  subgraph {root}_layer["{LAYER_TITLES[root]}"]')
        for group in sorted(g for g in sizes if g.split(".")[0] == root):
            lines.append(f'    {node[group]}["{group} ({sizes[group]} modules)"]')
        lines.append("  end")
    for source in sorted(imports):
        for target in sorted(imports[source]):
            lines.append(f"  {node[source]} --> {node[target]}")
    return "\n".join(lines) + "\n"


def update(page: Path) -> bool:
    """Rewrite the diagram in `page` between its mermaid fence; True when it changed."""
    text = page.read_text()
    start = text.index(BEGIN) + len(BEGIN) + 1
    end = text.index(END, start)
    new = text[:start] + mermaid() + text[end:]
    page.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.import_graph", description=__doc__)
    parser.add_argument("--update", type=Path, metavar="PAGE", help="rewrite the page's diagram")
    args = parser.parse_args(argv)
    if args.update:
        print(f"{args.update}: {'updated' if update(args.update) else 'already current'}")
    else:
        print(mermaid(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
