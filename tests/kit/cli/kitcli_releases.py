"""A loopback stand-in for a tool's release downloads (Pulumi's archives, kind's binaries): files
by name, a 404 for any other, and a record of every path asked for; and a closed port for "no
network"."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from werkzeug import Request, Response


class Releases:
    """Release files by name on the httpserver fixture, under /releases/; records every path
    asked for."""

    def __init__(self, httpserver) -> None:
        self.files: dict[str, bytes] = {}
        self.asked: list[str] = []
        httpserver.expect_request(re.compile("^/releases/")).respond_with_handler(self._serve)
        self.url = httpserver.url_for("/releases")

    def _serve(self, request: Request) -> Response:
        self.asked.append(request.full_path.removesuffix("?"))
        body = self.files.get(request.path.removeprefix("/releases/"))
        return Response(body or b"", status=200 if body is not None else "404 Not Found")


def closed_port() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{free.getsockname()[1]}"


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []
