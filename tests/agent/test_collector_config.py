"""The rendered collector configs: well-formed pipelines, known components, golden files.

Golden files: tests/agent/golden/<stack>-<mode>.yaml hold the exact relay.yaml of each mode.
After an intended change, regenerate them with
    UPDATE_GOLDEN=1 venv/bin/python -m pytest tests/agent/test_collector_config.py
(the run rewrites and then fails; CI refuses) and review the diff like any code change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent import CollectorConfigError, check_config
from agent.contrib_components import component_types
from agent.validate import component_type
from tests.agent.stacks import STACK_IDS, STACKS, configs_by_mode
from tests.helpers import assert_matches_golden

GOLDEN = Path(__file__).parent / "golden"
SECTIONS = ("receivers", "processors", "exporters", "extensions")


def _configs():
    for (cloud, fargate), stack_id in zip(STACKS, STACK_IDS, strict=True):
        for mode, rendered in configs_by_mode(cloud, fargate).items():
            yield pytest.param(stack_id, mode, rendered, id=f"{stack_id}-{mode}")


CONFIGS = list(_configs())


@pytest.mark.parametrize(("stack_id", "mode", "rendered"), CONFIGS)
def test_rendered_config_matches_golden_file(stack_id, mode, rendered):
    assert_matches_golden(GOLDEN / f"{stack_id}-{mode}.yaml", rendered)


@pytest.mark.parametrize(("stack_id", "mode", "rendered"), CONFIGS)
def test_pipelines_reference_only_defined_components_and_use_all_of_them(stack_id, mode, rendered):
    config = yaml.safe_load(rendered)
    pipelines = config["service"]["pipelines"]
    referenced = {role: set() for role in ("receivers", "processors", "exporters")}
    for pipeline in pipelines.values():
        for role, ids in referenced.items():
            ids.update(pipeline[role])
    for role, ids in referenced.items():
        assert ids == set(config[role]), (
            f"{role}: used {sorted(ids)}, defined {sorted(config[role])}"
        )
    assert config["service"]["extensions"] == list(config["extensions"])


@pytest.mark.parametrize(("stack_id", "mode", "rendered"), CONFIGS)
def test_every_component_type_ships_in_the_pinned_contrib_release(stack_id, mode, rendered):
    config = yaml.safe_load(rendered)
    for section in SECTIONS:
        for cid in config[section]:
            assert component_type(cid) in component_types(section), f"{section}: {cid}"


@pytest.mark.parametrize(("stack_id", "mode", "rendered"), CONFIGS)
def test_every_pipeline_starts_with_memory_limiter_and_has_no_batch(stack_id, mode, rendered):
    config = yaml.safe_load(rendered)
    assert not {component_type(p) for p in config["processors"]} & {"batch"}
    for name, pipeline in config["service"]["pipelines"].items():
        assert pipeline["processors"][0] == "memory_limiter", name
        assert "batch" not in map(component_type, pipeline["processors"]), name


@pytest.mark.parametrize(("stack_id", "mode", "rendered"), CONFIGS)
def test_queueing_exporters_persist_their_queue_in_file_storage(stack_id, mode, rendered):
    config = yaml.safe_load(rendered)
    assert config["processors"]["memory_limiter"]["check_interval"] == "1s"
    queueing = {"otlp_grpc", "otlp_http", "awscloudwatchlogs"}
    for cid, exporter in config["exporters"].items():
        if component_type(cid) in queueing:
            assert exporter["sending_queue"]["storage"] == "file_storage", cid
            if cid != "otlp_grpc/gateway":  # the Fargate sidecar's: agent/exporters.py gateway()
                assert exporter["sending_queue"]["batch"]["sizer"] == "items", cid
            assert exporter["retry_on_failure"]["enabled"] is True, cid


@pytest.mark.parametrize(("stack_id", "mode", "rendered"), CONFIGS)
def test_self_telemetry_is_exposed_on_8888(stack_id, mode, rendered):
    telemetry = yaml.safe_load(rendered)["service"]["telemetry"]["metrics"]
    assert telemetry["readers"][0]["pull"]["exporter"]["prometheus"]["port"] == 8888


def _valid_config() -> dict:
    return {
        "receivers": {"otlp": {}},
        "processors": {"memory_limiter": {}},
        "exporters": {"otlp_grpc/traces": {"sending_queue": {"storage": "fs", "batch": {}}}},
        "extensions": {"health_check": {}},
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp"],
                    "processors": ["memory_limiter"],
                    "exporters": ["otlp_grpc/traces"],
                }
            },
        },
    }


def test_validator_accepts_a_minimal_valid_config():
    check_config(_valid_config())


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda c: c["exporters"].update({"lokiexporter": {}}), "type 'lokiexporter' is not in"),
        (lambda c: c["receivers"].update({"zipkin": {}}), "'zipkin' is defined but used by no"),
        (
            lambda c: c["service"]["pipelines"]["traces"]["exporters"].append("debug"),
            "references undefined exporter 'debug'",
        ),
        (
            lambda c: c["service"]["pipelines"]["traces"].update(processors=[]),
            "must start with memory_limiter",
        ),
        (
            lambda c: (
                c["processors"].update({"batch/x": {}}),
                c["service"]["pipelines"]["traces"].update(
                    processors=["memory_limiter", "batch/x"]
                ),
            ),
            "has a batch processor",
        ),
        (lambda c: c["service"].update(extensions=["pprof"]), "undefined extension 'pprof'"),
    ],
)
def test_validator_names_the_problem(break_it, message):
    config = _valid_config()
    break_it(config)
    with pytest.raises(CollectorConfigError, match=message):
        check_config(config)


def test_both_spellings_of_renamed_components_are_accepted():
    assert {"kubelet_stats", "kubeletstats", "file_log", "filelog"} <= component_types("receivers")
    assert {"k8s_objects", "k8sobjects", "k8s_cluster"} <= component_types("receivers")
    assert {"otlp_grpc", "otlp", "otlp_http", "otlphttp"} <= component_types("exporters")
    assert {"k8s_attributes", "k8sattributes"} <= component_types("processors")
    assert {"host_metrics", "hostmetrics"} <= component_types("receivers")
    assert {"awscontainerinsight", "awscontainerinsightreceiver"} <= component_types("receivers")


def test_components_absent_from_the_release_are_rejected():
    assert "loki" not in component_types("exporters")  # removed from contrib (contrib#33916)
    assert "kubeletstatsreceiver" not in component_types("receivers")


def test_container_logs_lift_json_fields_and_trace_context_for_log_trace_links():
    from agent.preset_catalog import CONTAINER_LOG_OPERATORS

    types = [op["type"] for op in CONTAINER_LOG_OPERATORS]
    assert types == ["container", "json_parser", "trace_parser"]
    json_op, trace_op = CONTAINER_LOG_OPERATORS[1], CONTAINER_LOG_OPERATORS[2]
    assert "\\" not in json_op["if"]  # expr string escapes would need doubling
    assert trace_op["trace_id"] == {"parse_from": "attributes.trace_id"}
    assert trace_op["span_id"] == {"parse_from": "attributes.span_id"}


# Nested stanza blocks are decoded strictly (confmap WithErrorUnused): one unknown key and the
# collector refuses the whole config. Fields of helper.SeverityConfig and helper.TraceParser's
# id configs (pkg/stanza/operator/helper, contrib main 2026).
SEVERITY_FIELDS = {"parse_from", "preset", "mapping", "overwrite_text"}
TRACE_ID_FIELDS = {"parse_from"}


def test_nested_log_parser_blocks_use_only_upstream_fields():
    from agent.preset_catalog import CONTAINER_LOG_OPERATORS

    for op in CONTAINER_LOG_OPERATORS:
        assert set(op.get("severity", {})) <= SEVERITY_FIELDS, op["id"]
        for block in ("trace_id", "span_id", "trace_flags"):
            assert set(op.get(block, {})) <= TRACE_ID_FIELDS, (op["id"], block)


def test_a_built_config_shares_no_block_with_another():
    from agent.collector_config import build_config
    from agent.preset import Preset

    preset = Preset(
        receivers={"otlp": {"protocols": {"grpc": {}}}},
        processors={"memory_limiter": {"limit_percentage": 80}},
        exporters={"debug": {}},
    )
    pipelines = {
        "traces": {
            "receivers": ["otlp"],
            "processors": ["memory_limiter"],
            "exporters": ["debug"],
        }
    }
    first, second = build_config(preset, pipelines), build_config(preset, pipelines)
    first["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] = "0.0.0.0:1"
    first["service"]["telemetry"]["changed"] = True
    assert "endpoint" not in second["receivers"]["otlp"]["protocols"]["grpc"]
    assert "changed" not in second["service"]["telemetry"]
