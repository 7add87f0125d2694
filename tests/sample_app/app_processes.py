"""Start sample-app tiers as real processes on loopback, on the interpreter built from the lock."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import wait_for

APP_DIR = Path(__file__).resolve().parents[2] / "sample-app"
SETUP_COMMAND = "sample-app/setup-venv.sh"


def app_python() -> Path:
    """The interpreter with the app's locked dependencies: SAMPLE_APP_PYTHON or sample-app/.venv.

    Missing is a failure, not a skip: these tests are the lock file's only consumer outside a
    cluster, and a skipped run would report green without ever starting the app.
    """
    configured = os.environ.get("SAMPLE_APP_PYTHON")
    python = Path(configured) if configured else APP_DIR / ".venv" / "bin" / "python"
    if not python.exists():
        raise AssertionError(
            f"no sample-app interpreter at {python}: run `{SETUP_COMMAND}` "
            "(or point SAMPLE_APP_PYTHON at a Python with sample-app/requirements.txt installed)"
        )
    return python


def import_app_module(name: str):
    """Import sample-app/<name>.py under a prefixed name (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"sample_app_{name}", APP_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def base_env(otlp_endpoint: str, **overrides: str) -> dict[str, str]:
    """The parent's environment minus any OTEL_* of its own, plus fast export for tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_endpoint,
        OTEL_BSP_SCHEDULE_DELAY="100",
        OTEL_METRIC_EXPORT_INTERVAL="500",
        PYTHONUNBUFFERED="1",
        HOST="127.0.0.1",
    )
    env.update(overrides)
    return env


@dataclass
class Tier:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()

    def json_logs(self) -> list[dict]:
        """Every stdout line parsed as JSON; a line that is not JSON fails the caller."""
        return [json.loads(line) for line in self.log_lines()]

    def stop(self, timeout_s: float = 15.0) -> int:
        self.process.terminate()
        return self.process.wait(timeout=timeout_s)


def start_tier(
    name: str, downstream: str, env: dict[str, str], log_dir: Path, python: Path | None = None
) -> Tier:
    """The tier listening on a port it picked itself (PORT=0) and logged, once it is ready."""
    log_path = log_dir / f"{name}.log"
    process = subprocess.Popen(
        [str(python or app_python()), str(APP_DIR / "app.py")],
        env={**env, "TIER": name, "DOWNSTREAM_URL": downstream, "PORT": "0"},
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        cwd=log_dir,
    )
    tier = Tier(name, 0, process, log_path)
    tier.port = wait_listening(tier)
    wait_ready(tier)
    return tier


LISTENING = re.compile(r"Uvicorn running on http://[^:]+:(\d+) ")


def wait_listening(
    tier: Tier, lines: Callable[[], list[str]] | None = None, timeout_s: float = 20.0
) -> int:
    """The port from uvicorn's start line in the tier's output (`lines`, default its log
    file): uvicorn reports the port it bound when asked for port 0."""

    def port() -> int | None:
        for line in (lines or tier.log_lines)():
            found = LISTENING.search(line)
            if found:
                return int(found.group(1))
        assert tier.process.poll() is None, (
            f"{tier.name} exited {tier.process.returncode}:\n{_tail(tier)}"
        )
        return None

    return wait_for(port, timeout_s, lambda: f"{tier.name}'s listening port:\n{_tail(tier)}")


def wait_ready(tier: Tier, timeout_s: float = 20.0) -> None:
    def ready() -> bool:
        assert tier.process.poll() is None, (
            f"{tier.name} exited {tier.process.returncode}:\n{_tail(tier)}"
        )
        try:
            with urllib.request.urlopen(f"{tier.url}readyz", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    wait_for(ready, timeout_s, lambda: f"{tier.name}'s /readyz:\n{_tail(tier)}")


def _exited(tier: Tier) -> str:
    return f"{tier.name} exited {tier.process.returncode}:\n{_tail(tier)}"


def _tail(tier: Tier) -> str:
    return "\n".join(tier.log_lines()[-20:])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
