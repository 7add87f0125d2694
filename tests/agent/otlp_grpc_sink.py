"""A loopback OTLP/gRPC logs endpoint that can go down and come back on the same port."""

from __future__ import annotations

import threading
from concurrent import futures

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc


class GrpcLogSink(logs_service_pb2_grpc.LogsServiceServicer):
    """Keeps every ExportLogsServiceRequest; `stop()` then `start()` simulates an outage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[logs_service_pb2.ExportLogsServiceRequest] = []
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None

    def Export(self, request, context):  # noqa: N802 - the gRPC method name
        with self._lock:
            self.requests.append(request)
        return logs_service_pb2.ExportLogsServiceResponse()

    def start(self) -> None:
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(self, self._server)
        self._server.add_insecure_port(f"127.0.0.1:{self.port}")
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None

    def records(self) -> list[tuple[dict, object]]:
        """(resource attributes, LogRecord) of everything received so far."""
        with self._lock:
            requests = list(self.requests)
        return [
            ({kv.key: kv.value.string_value for kv in rl.resource.attributes}, record)
            for request in requests
            for rl in request.resource_logs
            for sl in rl.scope_logs
            for record in sl.log_records
        ]
