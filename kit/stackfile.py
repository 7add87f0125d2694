"""Read a stack file (`stacks/Pulumi.<stack>.yaml`) the way the Pulumi CLI reads it.

The offline plan and the tests must see the same config values a real `pulumi up` hands to the
program, and fail on the same files. What the CLI does, from pulumi/pulumi's source:
- the file is parsed with gopkg.in/yaml.v2 (sdk/go/common/encoding/marshal.go), and a syntax
  error stops the command ("invalid YAML file: ...");
- each key goes through config.ParseKey (sdk/go/common/resource/config/key.go): `ns:name`, or
  the old `ns:config:name`; anything else (e.g. `nodeCount` without the project prefix) is an
  error, "could not parse nodeCount as a configuration key (configuration keys should be of the
  form `<namespace>:<name>`)";
- each value goes through config.Value.UnmarshalYAML (sdk/go/common/resource/config/value.go),
  which first decodes it into a Go string; yaml.v2 then keeps a scalar's source text, so an
  unquoted `1.30` reaches the program as "1.30" (not the float 1.3 PyYAML makes of it), and
  `yes` as "yes"; a `{secure: ...}` mapping is a secret; lists and maps become JSON.
Keys in another namespace parse fine for the CLI (they are provider settings such as
`aws:region`); components/settings.py then refuses namespaces the kit does not use.

Only PyYAML is imported here: the cluster commands read a stack's cloud through this module and
must start fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STACKS_DIR = ROOT / "stacks"


class StackFileError(ValueError):
    """The stack file cannot be read: one line with the file, the line and what is wrong."""


@dataclass(frozen=True)
class StackFile:
    """A stack file's config as the program receives it: `namespace:name` -> string."""

    path: Path
    config: dict[str, str]
    secret: list[str]  # keys whose value is `secure:` (cannot be decrypted offline)
    lines: dict[str, int]  # key -> line number in the file, for messages


def names() -> list[str]:
    """The stacks there are files for."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in STACKS_DIR.glob("Pulumi.*.yaml"))


def path_of(stack: str) -> Path:
    return STACKS_DIR / f"Pulumi.{stack}.yaml"


def read(stack: str) -> StackFile:
    """Read `stacks/Pulumi.<stack>.yaml`; FileNotFoundError names the stacks there are."""
    path = path_of(stack)
    if not path.is_file():
        raise FileNotFoundError(f"no stack file {_shown(path)}; stacks are: {', '.join(names())}")
    return parse(path.read_text(), path)


def parse(text: str, path: Path) -> StackFile:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        config: dict[str, str] = {}
        secret: list[str] = []
        lines: dict[str, int] = {}
        section = _config_section(root, path)
        for key_node, value_node in section.value if section else []:
            key = _parse_key(key_node, path)
            line = key_node.start_mark.line + 1
            if key in lines:  # yaml.v2 refuses a key defined twice in one mapping
                raise StackFileError(
                    f"{_shown(path)}:{line}: {key} is already defined on line {lines[key]}"
                )
            lines[key] = line
            value = _value(loader, value_node)
            if isinstance(value, _Secure):
                secret.append(key)
                value = value.ciphertext
            if value is not None:
                config[key] = value
    except yaml.MarkedYAMLError as err:
        raise StackFileError(_yaml_error(err, path)) from None
    except yaml.YAMLError as err:
        raise StackFileError(f"{_shown(path)}: invalid YAML: {err}") from None
    finally:
        loader.dispose()
    return StackFile(path, config, secret, lines)


@dataclass(frozen=True)
class _Secure:
    ciphertext: str


def _config_section(root: yaml.Node | None, path: Path) -> yaml.MappingNode | None:
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        raise StackFileError(f"{_shown(path)}:{root.start_mark.line + 1}: not a YAML mapping")
    for key_node, value_node in root.value:
        if key_node.value == "config":
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null"):
                return None
            if not isinstance(value_node, yaml.MappingNode):
                line = value_node.start_mark.line + 1
                raise StackFileError(f"{_shown(path)}:{line}: config: must be a mapping of keys")
            return value_node
    return None


def _parse_key(node: yaml.Node, path: Path) -> str:
    """config.ParseKey: `ns:name`, or the old `ns:config:name` form; the message is the CLI's,
    with the fix added."""
    text = node.value if isinstance(node, yaml.ScalarNode) else ""
    parts = text.split(":")
    if len(parts) == 2 and all(parts):
        return text
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    hint = f"; write it as o11y-kit:{text}" if text and ":" not in text else ""
    raise StackFileError(
        f"{_shown(path)}:{node.start_mark.line + 1}: could not parse {text} as a configuration "
        f"key (configuration keys should be of the form `<namespace>:<name>`){hint}"
    )


def _value(loader: yaml.SafeLoader, node: yaml.Node) -> str | _Secure | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":null") and node.style is None:
            return None  # `key:` with nothing: left unset
        return node.value  # the source text, as yaml.v2 decodes a scalar into a string
    value = loader.construct_object(node, deep=True)
    if isinstance(value, dict) and list(value) == ["secure"] and isinstance(value["secure"], str):
        return _Secure(value["secure"])
    return json.dumps(value, default=str)


def _yaml_error(err: yaml.MarkedYAMLError, path: Path) -> str:
    mark = err.problem_mark or err.context_mark
    where = f"{_shown(path)}:{mark.line + 1}" if mark else _shown(path)
    problem = err.problem or err.context or "invalid YAML"
    if "'\\t'" in problem:
        problem += " (YAML indents with spaces; replace the tab)"
    return f"{where}: invalid YAML: {problem}"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
