"""Collector configs against the containers that run them.

For every container started with `--config=<path>` whose file comes from a ConfigMap volume, the
config is read from that ConfigMap as the container would see it, and then:
- every `${env:NAME}` it reads (without a `:-default`) is set on that container (env or envFrom);
  the collector refuses to start on an unset one only when the value fails to parse, and
  otherwise runs with an empty string (an empty endpoint, attribute or file path);
- every path it reads (file_log `include` globs, file_storage `directory`) lies under a mount of
  that container, file_storage's on a writable one;
- a file_log glob on a pod-local volume (emptyDir) is written by another container of the pod
  that mounts the same volume writable and is told the same directory by an env var (the app
  side writes where the sidecar reads).
Expansion syntax: https://opentelemetry.io/docs/collector/configuration/#environment-variables
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

import yaml

from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.object_index import (
    Index,
    Json,
    PodTemplate,
    config_keys,
    config_map_file,
    mount_of,
)

ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}")
GLOB_CHARACTERS = re.compile(r"[*?\[{]")
FILE_LOG_TYPES = ("file_log", "filelog")  # the receiver's new and old type names
FILE_STORAGE_TYPE = "file_storage"


def check(index: Index, report: Report) -> None:
    for pod in index.pod_templates():
        for container in pod.spec.get("containers", []):
            config = _config(index, pod, container)
            if config is None:
                continue
            text, parsed = config
            report.add("collector ${env:…}", _env_refs(index, pod, container, text))
            report.add("collector path", _paths(pod, container, parsed))


def config_path(container: Json) -> str | None:
    """The file given with --config (the first one; `file:` prefix allowed)."""
    words = [*container.get("command", []), *container.get("args", [])]
    for i, word in enumerate(words):
        value = None
        if word.startswith("--config="):
            value = word.removeprefix("--config=")
        elif word == "--config" and i + 1 < len(words):
            value = words[i + 1]
        if value is not None and not value.startswith(("env:", "yaml:", "http")):
            return value.removeprefix("file:")
    return None


def _config(index: Index, pod: PodTemplate, container: Json) -> tuple[str, Any] | None:
    path = config_path(container)
    found = config_map_file(index, pod, container, path) if path else None
    if found is None or found.text is None:
        return None  # not from a ConfigMap, or it or its key is missing: reported elsewhere
    return found.text, yaml.safe_load(found.text)


def _env_refs(index: Index, pod: PodTemplate, container: Json, text: str) -> Iterator:
    names = {env.get("name") for env in container.get("env", [])}
    names |= _env_from_names(index, pod, container)
    for name, default in sorted(set(ENV_REFERENCE.findall(text))):
        if default or name in names:
            yield None
        else:
            yield Dangling(
                f"{pod.name} container {container.get('name')}",
                "its collector config's ${env:…}",
                f"{name}, which the container does not set",
            )


def _env_from_names(index: Index, pod: PodTemplate, container: Json) -> set[str]:
    names: set[str] = set()
    for env_from in container.get("envFrom", []):
        prefix = env_from.get("prefix", "")
        for field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            ref = env_from.get(field)
            target = index.get(kind, pod.namespace, ref.get("name", "")) if ref else None
            names |= {prefix + key for key in config_keys(target or {})}
    return names


def _read_paths(config: Any) -> Iterator[tuple[str, str, bool]]:
    """(component id, path, needs write access) for every path the config reads or writes."""
    for cid, receiver in ((config or {}).get("receivers") or {}).items():
        if cid.split("/")[0] in FILE_LOG_TYPES:
            for pattern in (receiver or {}).get("include", []):
                yield cid, pattern, False
    for cid, extension in ((config or {}).get("extensions") or {}).items():
        if cid.split("/")[0] == FILE_STORAGE_TYPE:
            extension = extension or {}
            yield cid, extension.get("directory", "/var/lib/otelcol/file_storage"), True
            compaction = extension.get("compaction") or {}
            if compaction.get("directory"):
                yield cid, compaction["directory"], True


def _paths(pod: PodTemplate, container: Json, config: Any) -> Iterator:
    who = f"{pod.name} container {container.get('name')}"
    for cid, path, writes in _read_paths(config):
        directory = path.rstrip("/") if writes else _directory(path)  # storage: a directory
        mount = mount_of(container, directory)
        if mount is None:
            yield Dangling(who, f"collector {cid} path", f"{path}, under no mount of the container")
        elif writes and mount.get("readOnly"):
            yield Dangling(
                who, f"collector {cid} path", f"{path}, on read-only mount {mount['name']}"
            )
        elif not writes:
            yield _writer(pod, container, mount, directory, cid)
        else:
            yield None


def _directory(path: str) -> str:
    """The part of a glob before its first wildcard, as a directory."""
    match = GLOB_CHARACTERS.search(path)
    fixed = path[: match.start()] if match else path
    return fixed.rstrip("/") if fixed.endswith("/") else posixpath.dirname(fixed)


def _writer(pod: PodTemplate, reader: Json, mount: Json, directory: str, cid: str):
    """For a pod-local volume: a container writes it, and its env names the directory read."""
    volume = pod.volume(mount["name"]) or {}
    if "emptyDir" not in volume:
        return None  # hostPath and the like: the node writes them
    relative = posixpath.relpath(directory, mount["mountPath"])
    told = []
    for other in pod.containers():
        if other is reader:
            continue
        for theirs in other.get("volumeMounts", []):
            if theirs.get("name") != mount["name"] or theirs.get("readOnly"):
                continue
            expected = posixpath.normpath(posixpath.join(theirs["mountPath"], relative))
            values = {
                posixpath.normpath(e["value"]) for e in other.get("env", []) if e.get("value")
            }
            if expected in values:
                return None
            told.append(f"{other.get('name')} mounts it at {theirs['mountPath']}")
    if not told:
        name = f"volume {mount['name']} that no other container of the pod mounts writable"
    else:
        name = f"{directory}, which no writer's env names ({'; '.join(told)})"
    return Dangling(f"{pod.name} container {reader.get('name')}", f"collector {cid} reads", name)
