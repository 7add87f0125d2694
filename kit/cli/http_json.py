"""GET a JSON document from a backend; "not reachable" becomes BackendUnreachableError, which
verify reports as an environment problem (exit 2) rather than a failed check."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from kit.cli.errors import BackendUnreachableError

TIMEOUT_S = 15


class BackendError(Exception):
    """The backend answered, but not with what was asked for (HTTP error, not JSON)."""


def get_json(
    base_url: str, path: str, params: dict | None = None, headers: dict | None = None
) -> dict:
    url = base_url.rstrip("/") + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = response.read()
    except urllib.error.HTTPError as err:
        detail = err.read(300).decode(errors="replace").strip()
        raise BackendError(f"HTTP {err.code} from {path}: {detail}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise BackendUnreachableError(f"{base_url} did not answer: {reason}") from None
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise BackendError(f"{path} did not answer JSON") from None
