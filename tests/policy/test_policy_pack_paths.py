"""The policy pack runs on every deploy path the docs show: Pulumi has no project setting for a
local pack (pulumi/pulumi#5541), so each `pulumi up` / `pulumi preview` a page shows passes
`--policy-pack`, and the commands a reader types run it through `PULUMI_OPTION_POLICY_PACK`
(every CLI flag as an environment variable, Pulumi CLI v3.208.0 and later)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from kit.cli import pulumi_cli
from tests.helpers import ROOT

# Folders of built tools and outputs, not the kit's own pages.
NOT_PAGES = {".git", "venv", ".venv", "node_modules", ".tools", ".build", "plan", ".pulumi-state"}
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`]+)`")
DEPLOY = re.compile(r"\bpulumi\s+(up|preview)\b")
POLICY_OPTION = "PULUMI_OPTION_POLICY_PACK"
# The first CLI release that reads flags from PULUMI_OPTION_<FLAG> (its release notes).
OPTION_VARIABLES_SINCE = (3, 208, 0)


def pages() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in NOT_PAGES]
        found += [Path(folder, f) for f in files if f.endswith(".md")]
    return sorted(found)


def shown_commands(text: str) -> list[str]:
    """Every line of a fenced block and every inline code span: what a reader copies."""
    blocks = FENCED.findall(text)
    prose = FENCED.sub("", text)
    return [line for block in blocks for line in block.splitlines()] + INLINE.findall(prose)


def deploys_without_the_pack(text: str) -> list[str]:
    return [
        " ".join(c.split())
        for c in shown_commands(text)
        if DEPLOY.search(c) and "--policy-pack" not in c
    ]


def test_the_pages_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in pages()}
    assert {"README.md", "docs/configuration.md", "sample-app/README.md"} <= names


def test_no_page_shows_a_deploy_without_the_policy_pack():
    found = {
        p.relative_to(ROOT).as_posix(): bare
        for p in pages()
        if (bare := deploys_without_the_pack(p.read_text()))
    }
    assert found == {}


def test_a_bare_deploy_is_caught_in_prose_and_in_blocks():
    assert deploys_without_the_pack("One `pulumi up` per stack.") == ["pulumi up"]
    assert deploys_without_the_pack("```bash\npulumi preview --stack aks\n```\n") == [
        "pulumi preview --stack aks"
    ]
    assert deploys_without_the_pack("`pulumi preview --policy-pack policy --stack aks`") == []
    assert deploys_without_the_pack("`make up STACK=aks`, `pulumi stack output`") == []


def test_the_commands_you_type_run_the_pack_the_makefile_passes():
    """The block that points typed commands at the kit's state also exports the pack, the same
    folder as `make up`'s --policy-pack, and the kit's own CLI reads that variable."""
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    (block,) = [b for b in FENCED.findall(configuration) if "PULUMI_BACKEND_URL=" in b]
    (folder,) = re.findall(rf'export {POLICY_OPTION}="\$PWD/([^"]+)"', block)
    assert "--policy-pack policy" in (ROOT / "Makefile").read_text()
    assert folder == "policy"
    assert (ROOT / folder / "PulumiPolicy.yaml").is_file()
    pinned = tuple(int(part) for part in pulumi_cli.VERSION.split("."))
    assert pinned >= OPTION_VARIABLES_SINCE
