"""The sample service: one program, three tiers (front -> middle -> back), chosen by TIER.

Each request does WORK_MS of simulated work, applies any injected fault, then calls the next tier.
Run as `python app.py`; see README.md for the environment it reads.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from contextlib import asynccontextmanager

import faults
import httpx
import logging_json
import telemetry
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from settings import Settings, SettingsError

log = logging.getLogger("sample-app")
# In-flight requests get this long after SIGTERM. With a 5 s preStop sleep and
# telemetry.FLUSH_BUDGET_S that is 30 s at most: the pod's terminationGracePeriodSeconds is 35.
GRACEFUL_SHUTDOWN_S = 15
# CPython lets a thread keep the GIL for 5 ms while another waits. The span export thread would
# hold the event loop up that long; 1 ms bounds the wait. It only matters under contention.
GIL_SWITCH_INTERVAL_S = 0.001


class InjectedFaultError(Exception):
    """Recorded on the span so the trace shows why the request failed."""


def create_app(settings: Settings, otel: telemetry.Telemetry) -> FastAPI:
    standing_faults = faults.FaultPlan(
        error_ratio=settings.fault_error_ratio,
        extra_latency_ms=settings.fault_extra_latency_ms,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = httpx.AsyncClient(timeout=settings.downstream_timeout_s)
        telemetry.instrument_client(client, otel)
        app.state.client = client
        # Everything allocated so far lives as long as the process. Frozen, it is left out of
        # the garbage collector's full passes, which otherwise stall the event loop for ~25 ms.
        gc.freeze()
        app.state.ready = True
        log.info("serving", extra={logging_json.FIELDS: {"port": settings.port}})
        yield
        app.state.ready = False
        await client.aclose()

    app = FastAPI(title=f"sample-{settings.tier}", lifespan=lifespan, openapi_url=None)
    app.state.ready = False
    telemetry.instrument_app(app, otel)

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: the event loop answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Readiness: started and not draining. Never depends on the next tier, so a failing
        back tier shows up as errors in traces and metrics instead of pods leaving Services."""
        ready = app.state.ready
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    @app.get("/")
    async def handle(request: Request) -> JSONResponse:
        plan = faults.plan_for(
            settings.tier, standing_faults, faults.from_callers(settings.tier, request.headers)
        )
        if plan != faults.NO_FAULT:
            trace.get_current_span().set_attributes(
                {
                    "app.fault.error_ratio": plan.error_ratio,
                    "app.fault.extra_latency_ms": plan.extra_latency_ms,
                }
            )
        # No span of its own: the server span already times it, and every span costs each hop.
        await asyncio.sleep((settings.work_ms + plan.extra_latency_ms) / 1000)
        if plan.should_fail():
            return _injected_failure(settings.tier, plan)
        if not settings.downstream_url:
            log.info("served")
            return JSONResponse({"tier": settings.tier, "path": [settings.tier]})
        return await _call_downstream(request, settings)

    return app


def _injected_failure(tier: str, plan: faults.FaultPlan) -> JSONResponse:
    span = trace.get_current_span()
    span.record_exception(InjectedFaultError(f"error ratio {plan.error_ratio}"))
    span.set_status(Status(StatusCode.ERROR, "injected fault"))
    log.error("injected fault", extra={logging_json.FIELDS: {"error_ratio": plan.error_ratio}})
    return JSONResponse({"tier": tier, "error": "injected fault"}, status_code=500)


async def _call_downstream(request: Request, settings: Settings) -> JSONResponse:
    """A failing next tier makes this one answer 502, so errors surface at front as 5xx."""
    client: httpx.AsyncClient = request.app.state.client
    try:
        response = await client.get(
            settings.downstream_url,
            headers=faults.forwarded(faults.from_callers(settings.tier, request.headers)),
        )
    except httpx.HTTPError as error:
        log.error("downstream unreachable", extra={logging_json.FIELDS: {"error": repr(error)}})
        return JSONResponse({"tier": settings.tier, "error": "downstream unreachable"}, 502)
    if response.status_code != 200:
        log.error(
            "downstream failed", extra={logging_json.FIELDS: {"status": response.status_code}}
        )
        return JSONResponse(
            {"tier": settings.tier, "error": f"downstream answered {response.status_code}"}, 502
        )
    log.info("served")
    return JSONResponse({"tier": settings.tier, "path": [settings.tier, *response.json()["path"]]})


def _exit_cleanly(signum: int, frame: object) -> None:
    """SIGTERM outside uvicorn's own handling, or re-raised by uvicorn after its graceful stop."""
    raise SystemExit(0)


def main() -> int:
    try:
        settings = Settings.from_env()
        otel = telemetry.start(settings.tier)
    except (SettingsError, telemetry.TelemetryError) as error:
        print(f"sample-app: {error}", file=sys.stderr)
        return 2
    logging_json.configure(settings.tier, settings.log_level)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    # uvicorn handles SIGTERM (stop accepting, finish in-flight requests, run the lifespan
    # shutdown) and then re-raises it to the previous handler: this one, which exits with 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    config = uvicorn.Config(
        create_app(settings, otel),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        flushed = otel.shutdown()
        log.log(
            logging.INFO if flushed else logging.WARNING,
            "stopped, telemetry flushed" if flushed else "stopped, telemetry flush timed out",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
