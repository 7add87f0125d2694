"""The README's configuration table, generated from Pulumi.yaml so the two cannot disagree."""

from __future__ import annotations

import json

from components.settings import load_declarations


def config_table() -> str:
    """Markdown table of every config key: key, type, default, meaning."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for decl in load_declarations().values():
        default = json.dumps(decl.default) if not isinstance(decl.default, str) else decl.default
        rows.append(f"| `{decl.key}` | {decl.type} | `{default}` | {decl.description} |")
    return "\n".join(rows)
