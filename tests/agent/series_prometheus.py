"""A Prometheus 3 on loopback that counts what one metrics source costs it: the series it stores
(OTLP pushed to its native receiver, translated as the kit's Prometheus translates it, or a
scrape with the ServiceMonitor's metric relabelings) and the metric names the source declares.

Prometheus 3 is built by `make series-tools` (.build/series/prometheus): the packaged one may be
older than 3.0, whose OTLP receiver the kit relies on.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.agent.collector_run import free_port
from tests.helpers import wait_for

SCRAPE_SECONDS = 5


@dataclass(frozen=True)
class Stored:
    """What Prometheus holds from one source after it ran."""

    series: int
    names: frozenset[str]  # metric names with samples, and names the scrape only declared
    by_name: dict[str, int]  # series per metric name


def prometheus_config(promote: list[str], scrape: dict | None) -> dict:
    return {
        "global": {"scrape_interval": f"{SCRAPE_SECONDS}s", "scrape_timeout": "4s"},
        "otlp": {
            "promote_resource_attributes": promote,
            "translation_strategy": "UnderscoreEscapingWithSuffixes",
        },
        "storage": {"tsdb": {"out_of_order_time_window": "30m"}},
        "scrape_configs": [scrape] if scrape else [],
    }


@contextlib.contextmanager
def prometheus(binary: Path, promote: list[str], scrape: dict | None = None) -> Iterator[str]:
    """A fresh Prometheus (its own TSDB) with the OTLP receiver on; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "prometheus.yml").write_text(yaml.safe_dump(prometheus_config(promote, scrape)))
        port = free_port()
        log = (folder / "log").open("w")
        process = subprocess.Popen(
            [
                str(binary),
                f"--config.file={folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-otlp-receiver",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _ready(url, process), 30, lambda: (folder / "log").read_text())
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()


def _ready(url: str, process: subprocess.Popen) -> bool:
    assert process.poll() is None, "prometheus exited"
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def _api(url: str, path: str, **params: str) -> object:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{url}/api/v1/{path}{query}", timeout=10) as answer:
        return json.loads(answer.read())["data"]


# Series Prometheus makes about a scrape itself, not the target's.
SCRAPE_OWN = ("up", "scrape_duration_seconds", "scrape_samples_scraped")
SCRAPE_OWN += ("scrape_samples_post_metric_relabeling", "scrape_series_added")


def stored(url: str) -> Stored:
    """The source's series and names, once Prometheus holds two rounds of them."""
    time.sleep(2 * SCRAPE_SECONDS + 1)
    names = {n for n in _api(url, "label/__name__/values") if n not in SCRAPE_OWN}
    own = "|".join(SCRAPE_OWN)
    selector = f'{{__name__=~".+",__name__!~"{own}"}}'
    (count,) = _api(url, "query", query=f"count({selector})")["result"]
    by_name = {
        r["metric"]["__name__"]: int(r["value"][1])
        for r in _api(url, "query", query=f"count by (__name__) ({selector})")["result"]
    }
    declared = {
        m["metric"] for m in _api(url, "targets/metadata", match_target="{job=~'.+'}")
    } - set(SCRAPE_OWN)
    return Stored(int(count["value"][1]), frozenset(names | declared), by_name)


def scrape_config(job: str, target: str, path: str, relabelings: list[dict]) -> dict:
    """A scrape as a ServiceMonitor endpoint makes it, with its metricRelabelings."""
    return {
        "job_name": job,
        "metrics_path": path,
        "static_configs": [{"targets": [target]}],
        "metric_relabel_configs": [_relabel(r) for r in relabelings],
    }


def _relabel(rule: dict) -> dict:
    """A ServiceMonitor relabeling (camelCase) as a Prometheus relabel_config."""
    keys = {"sourceLabels": "source_labels", "targetLabel": "target_label"}
    return {keys.get(k, k): v for k, v in rule.items()}


def scrape_bytes(url: str) -> int:
    """The size of one uncompressed exposition, as a scrape transfers it."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return len(answer.read())
