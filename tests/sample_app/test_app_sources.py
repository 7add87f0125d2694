"""What the app's pods run, derived from the plan and the code, against what the source
ConfigMap ships: the files the containers' commands start, every module of the app they import
(read from the code as shipped, transitively), and a requirements line for every third-party
module they import. Nothing here reads the kit's list of files to ship."""

from __future__ import annotations

import ast
import copy
import json
import re
import subprocess
import sys

import pytest

from kit.plan import manifests
from tests.sample_app.app_processes import APP_DIR, app_python

SOURCE_MOUNT = "/app"  # where the pods mount the source ConfigMap (checked below)


def plan_objects(evaluation) -> list[dict]:
    return [manifests.manifest(r) for r in evaluation.resources if manifests.is_object(r)]


def find(objects: list[dict], kind: str, name: str) -> dict:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def _source(objects: list[dict]) -> dict[str, str]:
    """The ConfigMap the app pods mount at SOURCE_MOUNT, as its data."""
    names = set()
    for obj in objects:
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec.get("containers", []):
            for mount in container.get("volumeMounts", []):
                if mount["mountPath"] == SOURCE_MOUNT and "configMap" in volumes[mount["name"]]:
                    names.add(volumes[mount["name"]]["configMap"]["name"])
    (name,) = names
    return find(objects, "ConfigMap", name)["data"]


def _entry_points(objects: list[dict]) -> set[str]:
    """The files the containers' commands name on the source mount (scripts, `-r` files)."""
    found = set()
    for obj in objects:
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            for word in container.get("command", []):
                if word.startswith(f"{SOURCE_MOUNT}/"):
                    found.add(word.removeprefix(f"{SOURCE_MOUNT}/"))
    return found


def _imports(code: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules - {"__future__"}


def needed(objects: list[dict]) -> set[str]:
    """Files the pods need: what their commands name, and the app's own modules (a file in
    sample-app/) those import, transitively, each read as shipped (or from the repo)."""
    shipped = _source(objects)
    todo = sorted(_entry_points(objects))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or not name.endswith(".py"):
            seen.add(name)
            continue
        seen.add(name)
        code = shipped.get(name) or (APP_DIR / name).read_text()
        todo += [f"{m}.py" for m in _imports(code) if (APP_DIR / f"{m}.py").is_file()]
    return seen


def missing_from_source(objects: list[dict]) -> list[str]:
    return sorted(needed(objects) - set(_source(objects)))


def third_party(objects: list[dict]) -> set[str]:
    shipped = _source(objects)
    local = {path.stem for path in APP_DIR.glob("*.py")}
    imported = set().union(*(_imports(code) for n, code in shipped.items() if n.endswith(".py")))
    return {m for m in imported - local if m not in sys.stdlib_module_names}


def test_the_source_config_map_ships_every_file_the_pods_run(evaluated):
    objects = plan_objects(evaluated("local"))
    assert _entry_points(objects) >= {"app.py", "loadgen.py", "requirements.txt"}
    assert set(_source(objects)) == needed(objects)  # all it needs, nothing else


def test_a_module_left_out_of_the_config_map_is_found(evaluated):
    objects = copy.deepcopy(plan_objects(evaluated("local")))
    del _source(objects)["faults.py"]
    assert missing_from_source(objects) == ["faults.py"]


@pytest.mark.live
def test_every_third_party_import_is_a_locked_requirement(evaluated):
    """Mapped to distributions by the app's own interpreter (importlib.metadata)."""
    objects = plan_objects(evaluated("local"))
    found = subprocess.run(
        [str(app_python()), "-c",
         "import importlib.metadata as m, json; print(json.dumps(m.packages_distributions()))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    distributions = json.loads(found.stdout)
    requirements = _source(objects)["requirements.txt"]
    locked = {
        re.split(r"[=<>~ ;\[]", line)[0].lower().replace("_", "-")
        for line in requirements.splitlines()
        if line and not line.startswith((" ", "#", "-"))
    }
    modules = third_party(objects)
    assert modules >= {"fastapi", "uvicorn", "httpx", "opentelemetry"}
    for module in modules:
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        assert names & locked, f"{module} (from {sorted(names)}) is not in requirements.txt"
