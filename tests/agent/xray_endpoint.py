"""A loopback stand-in for X-Ray's OTLP endpoint: it keeps each request exactly as received
(method, path, headers, body) and answers as the endpoint does on success, an empty
ExportTraceServiceResponse. The SigV4 check recomputes the signature with botocore, so it is
independent of the collector's Go signer."""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def authorization(self) -> dict[str, str]:
        found = AUTHORIZATION.fullmatch(self.headers.get("authorization", ""))
        assert found, f"no SigV4 Authorization header in {sorted(self.headers)}"
        return found.groupdict()

    def export_request(self) -> trace_service_pb2.ExportTraceServiceRequest:
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return trace_service_pb2.ExportTraceServiceRequest.FromString(body)

    def botocore_signature(self, access_key: str, secret_key: str) -> str:
        """The signature botocore's SigV4Auth computes for this request, over the headers the
        request says it signed, at the time it says it was signed."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        auth = self.authorization()
        signed = auth["signed"].split(";")
        request = AWSRequest(
            method=self.method,
            url=f"http://{self.headers['host']}{self.path}",
            data=self.body,
            headers={name: self.headers[name] for name in signed},
        )
        request.context["timestamp"] = self.headers["x-amz-date"]
        signer = SigV4Auth(Credentials(access_key, secret_key), auth["service"], auth["region"])
        canonical = signer.canonical_request(request)
        return signer.signature(signer.string_to_sign(request, canonical), request)


class XrayEndpoint:
    """The HTTP server on a free loopback port, in a thread, for a `with` block."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server method name
                length = int(self.headers.get("Content-Length") or 0)
                endpoint.received.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(length),
                    )
                )
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> XrayEndpoint:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
