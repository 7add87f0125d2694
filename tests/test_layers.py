"""The packages are layered: agent/ (the collector's configuration model, pure Python) at the
bottom, components/ (Pulumi components) on it, kit/ (plan and CLI) on both. An import pointing
upwards would make the lower layer load the higher one (and its SDKs), so none may exist."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("agent", "components", "kit")  # lowest first


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the source, in functions too. A relative import
    stays inside its own top-level package (the layers are siblings), so it cannot go up."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(source: str, module: str) -> list[str]:
    """The imports in `module` of a package above its own, as `line: name`."""
    own = LAYERS.index(module.split(".")[0])
    return [
        f"{line}: {name}"
        for line, name in imported_modules(source)
        if name.split(".")[0] in LAYERS and LAYERS.index(name.split(".")[0]) > own
    ]


def modules() -> list[tuple[Path, str]]:
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "node_modules" in rel.parts or "build" in rel.parts:
                continue
            found.append((path, ".".join(rel.with_suffix("").parts)))
    return found


def test_no_module_imports_a_higher_layer():
    offenders = [
        f"{path.relative_to(ROOT)}:{hit}"
        for path, module in modules()
        for hit in upward_imports(path.read_text(), module)
    ]
    assert not offenders, "imports from a lower layer to a higher one:\n" + "\n".join(offenders)


def test_every_layer_has_modules():
    """A moved or renamed package would otherwise make the check above pass on nothing."""
    seen = {module.split(".")[0] for _, module in modules()}
    assert seen == set(LAYERS)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("agent.k8s", "from components.labels import kit_labels", ["1: components.labels"]),
        ("agent.k8s", "def f():\n    import kit.cli\n", ["2: kit.cli"]),
        ("components.x", "from kit import stackfile", ["1: kit"]),
        ("components.cluster.x", "from . import base\nfrom .. import versions", []),
        ("components.x", "from agent.labels import kit_labels\nimport pulumi", []),
        ("kit.cli.status", "from components import versions\nfrom agent import k8s", []),
    ],
)
def test_upward_imports_are_found(module, source, expected):
    assert upward_imports(source, module) == expected
