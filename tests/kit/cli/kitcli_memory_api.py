"""A Kubernetes API that remembers: objects by path, created, read, listed, patched (merge,
strategic merge of name-keyed lists, JSON patch) and deleted, with the uid precondition honoured.
Enough for `kit break` then `kit heal` to see what the other did; answers through ReplayServer."""

from __future__ import annotations

import copy
import uuid

from tests.kit.cli.kitcli_fakes import Request, not_found

COLLECTION_KIND = {"nodes": "Node", "pods": "Pod", "deployments": "Deployment"}


class MemoryApi:
    def __init__(self, objects: list[tuple[str, dict]]):
        """`objects`: (collection path, object), e.g. ("/api/v1/nodes", node)."""
        self.objects: dict[str, dict] = {}
        for collection, obj in objects:
            self.put(collection, obj)

    def put(self, collection: str, obj: dict) -> dict:
        stored = copy.deepcopy(obj)
        stored["metadata"].setdefault("uid", str(uuid.uuid4()))
        self.objects[f"{collection}/{stored['metadata']['name']}"] = stored
        return stored

    def get(self, path: str) -> dict | None:
        return self.objects.get(path)

    def __call__(self, request: Request) -> tuple[int, object]:
        path, method = request.path, request.method
        if method == "GET" and path in self.objects:
            return 200, self.objects[path]
        if method == "GET" and path.rsplit("/", 1)[-1] in COLLECTION_KIND:
            kind = COLLECTION_KIND[path.rsplit("/", 1)[-1]]
            items = [o for p, o in self.objects.items() if p.rsplit("/", 1)[0] == path]
            return 200, {"apiVersion": "v1", "kind": f"{kind}List", "metadata": {}, "items": items}
        if method == "POST":
            if f"{path}/{request.body['metadata']['name']}" in self.objects:
                return 409, {"kind": "Status", "code": 409, "reason": "AlreadyExists"}
            return 201, self.put(path, request.body)
        if path not in self.objects:
            return not_found(path)
        if method == "DELETE":
            wanted = ((request.body or {}).get("preconditions") or {}).get("uid")
            if wanted and wanted != self.objects[path]["metadata"]["uid"]:
                return 409, {"kind": "Status", "code": 409, "reason": "Conflict"}
            return 200, self.objects.pop(path)
        if method == "PATCH":
            patched = _patch(self.objects[path], request.body, request.headers["content-type"])
            if patched is None:
                return 422, {"kind": "Status", "code": 422, "reason": "Invalid"}
            self.objects[path] = patched
            return 200, patched
        return not_found(path)


def _patch(obj: dict, body, content_type: str) -> dict | None:
    if "json-patch" in content_type:
        return _json_patch(copy.deepcopy(obj), body)
    return _merge(copy.deepcopy(obj), body, strategic="strategic" in content_type)


def _merge(target, patch, strategic: bool):
    if isinstance(patch, dict) and isinstance(target, dict):
        for key, value in patch.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = _merge(target.get(key), value, strategic)
        return target
    if strategic and isinstance(patch, list) and isinstance(target, list):
        merged = {item["name"]: item for item in target}
        for item in patch:
            merged[item["name"]] = _merge(merged.get(item["name"], {}), item, strategic)
        return list(merged.values())
    return copy.deepcopy(patch)


def _json_patch(obj: dict, operations: list[dict]) -> dict | None:
    for op in operations:
        *parents, last = [p.replace("~1", "/") for p in op["path"].strip("/").split("/")]
        holder = obj
        for part in parents:
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        key = int(last) if isinstance(holder, list) else last
        if op["op"] == "test" and holder[key] != op["value"]:
            return None
        if op["op"] in ("add", "replace"):  # RFC 6902: add to an object sets the member
            holder[key] = op["value"]
        if op["op"] == "remove":
            del holder[key]
    return obj
