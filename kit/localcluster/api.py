"""A small client for the local control plane's REST API, authenticated by a client certificate
or a bearer token (the kubernetes package's models reject the fake Nodes kwok needs)."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class ApiError(RuntimeError):
    def __init__(self, status: int, body: str, url: str):
        super().__init__(f"{status} from {url}: {body[:300]}")
        self.status = status


@dataclass
class Api:
    server: str
    ca: str
    cert: str | None = None
    key: str | None = None
    token: str | None = None

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca)
        if self.cert:
            ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        timeout: float = 30,
    ) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, context=self._context(), timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raise ApiError(err.code, err.read().decode(errors="replace"), path) from None
        return json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode()

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def exists(self, path: str) -> bool:
        try:
            self.get(path)
        except ApiError as err:
            if err.status == 404:
                return False
            raise
        return True

    def create(self, path: str, obj: dict) -> dict:
        return self.request("POST", path, obj)

    def apply(self, path: str, obj: dict, manager: str = "o11y-kit-localcluster") -> dict:
        """Server-side apply of `obj` at its own path (path names the object)."""
        return self.request(
            "PATCH",
            f"{path}?fieldManager={manager}&force=true",
            obj,
            content_type="application/apply-patch+yaml",
        )

    def wait(self, check, what: str, timeout: float = 60, every: float = 0.5) -> Any:
        """Poll `check()` until it returns something truthy; TimeoutError naming `what`."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                got = check()
                if got:
                    return got
            except (ApiError, OSError) as err:
                last = err
            time.sleep(every)
        raise TimeoutError(
            f"{what} not within {timeout:.0f} s" + (f" (last: {last})" if last else "")
        )
