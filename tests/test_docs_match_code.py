"""The README, its pages under docs/ and sample-app/README.md say what the code does (issue 14's
doc mismatches), and the stack outputs a new user reads point at commands that work."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from components import alert_rules, sample_app, sample_app_wheelhouse, versions
from kit.plan import bench, manifests, offline, stack_plan
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"
APP_README = (ROOT / "sample-app" / "README.md").read_text()


def _front_app_container(ev: offline.Evaluation) -> dict:
    (front,) = [
        r for r in ev.of_type("kubernetes:apps/v1:Deployment") if r.name.endswith("sample-front")
    ]
    containers = front.inputs["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "app")


def test_sample_app_readme_states_the_slo_threshold_the_rules_use():
    threshold_ms = round(float(alert_rules.LATENCY_THRESHOLD_LE) * 1000)
    assert f"{threshold_ms} ms latency SLO threshold" in APP_README
    assert "100/200/250 ms" not in APP_README


def test_sample_app_readme_states_the_init_container_resources():
    init = sample_app.INIT_RESOURCES
    assert f"requests = limits `cpu: {init['cpu']},\n  memory: {init['memory']}`" in APP_README


def test_sample_app_readme_lists_the_resource_attributes_the_pods_get(evaluated):
    env = {e["name"]: e.get("value") for e in _front_app_container(evaluated("local"))["env"]}
    documented = re.search(r"`OTEL_RESOURCE_ATTRIBUTES=([^`]+)`", APP_README)[1]
    expected = documented.replace("<tier>", "front").replace("<node or fargate>", "node")
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == expected


def test_sample_app_readme_describes_the_fargate_log_wrapper(evaluated):
    ev = evaluated("eks")
    (back,) = [
        r for r in ev.of_type("kubernetes:apps/v1:Deployment") if r.name.endswith("sample-back")
    ]
    app = next(
        c for c in back.inputs["spec"]["template"]["spec"]["containers"] if c["name"] == "app"
    )
    assert " ".join(app["command"]) in APP_README.replace("\n  ", " ")


def test_readme_fargate_default_matches_the_table_and_the_shipped_stack():
    eks = yaml.safe_load((ROOT / "stacks/Pulumi.eks.yaml").read_text())["config"]
    assert eks["o11y-kit:fargateTiers"] == ["back"]
    assert "`fargateTiers` (`back` in the shipped eks stack)" in README
    assert "(default: back)" not in README


def test_docs_versions_match_the_pinned_ranges():
    low, high = (v.removesuffix(".0") for v in manifests.supported_versions())
    assert f"support ({low} and {high})" in (DOCS / "development.md").read_text()
    configuration = (DOCS / "configuration.md").read_text()
    for cloud, supported in versions.MANAGED_K8S.items():
        assert f"{supported[0]}–{supported[-1]} on" in configuration, cloud


def test_quick_start_exports_the_passphrase_before_make_up():
    quick = README.split("## Quick start", 1)[1]
    assert quick.index("export PULUMI_CONFIG_PASSPHRASE") < quick.index("make up")


def test_bench_counts_resources_as_plan_does(evaluated):
    ev = evaluated("local")
    result = stack_plan.PlanResult(ev, Path("plan/local"), [], [])
    first = stack_plan.summary(result).splitlines()[0]
    assert f": {bench.count_resources(ev)} resources," in first


def test_the_grafana_output_gives_the_kit_command_with_the_stack_and_backend(evaluated):
    grafana = evaluated("aks").outputs["grafana"]
    assert grafana.startswith("python -m kit open grafana --stack aks")
    assert (
        "PULUMI_BACKEND_URL=file://$PWD/.pulumi-state pulumi stack output grafana_password"
        in grafana
    )
    assert "credentials command in next_steps" in grafana


def test_front_service_ip_is_an_output_only_behind_a_load_balancer(evaluated, evaluate):
    assert "front_service_ip" not in evaluated("aks").outputs
    ev = evaluate("aks", frontendAllowedCidrs='["198.51.100.7/32"]')
    assert ev.outputs["front_service_ip"] == offline.OFFLINE_IP
    assert ev.outputs["front"] == f"http://{offline.OFFLINE_IP}/"


def test_offline_placeholders_use_the_real_resource_group_names(evaluated):
    ev = evaluated("aks")
    links = " ".join(str(v) for v in ev.outputs["next_steps"].values())
    groups = {r.outputs["name"] for r in ev.of_type("azure-native:resources:ResourceGroup")}
    assert "/resourceGroups/rg/" not in links
    assert any(f"/resourceGroups/{g}/" in links for g in groups)


def test_reliability_page_states_the_node_agent_size_each_cloud_gets():
    from agent.node_agent import node_resources
    from tests.agent.stacks import patch_for

    text = " ".join((DOCS / "reliability.md").read_text().split())
    local, aks, eks = (node_resources(patch_for(cloud).node) for cloud in ("local", "aks", "eks"))
    assert f"(requests = limits) **{aks.cpu} / {aks.memory}** on aks" in text
    assert f"so eks gives it **{eks.cpu} / {eks.memory}**" in text
    assert (
        f"On local, where the three nodes share one laptop, it asks for **{local.cpu} / "
        f"{local.memory}**" in text
    )


@pytest.mark.live  # renders each stack's charts with the pinned helm, as `kit cost` does
def test_the_cost_tables_are_generated_from_the_shipped_stacks_plans(evaluated):
    from kit.plan.cost import docs
    from kit.plan.cost.planned import planned
    from kit.stackfile import names
    from tests.helpers import chart_objects

    plans = [planned(evaluated(s), chart_objects=chart_objects(evaluated(s))) for s in names()]
    tables = {
        docs.SUMMARY: docs.summary_table(plans),
        docs.LINES: docs.lines_table(plans),
        docs.PRICES: docs.prices_table(),
    }
    pages = [(ROOT / "README.md", docs.SUMMARY), (DOCS / "cost.md", docs.LINES)]
    for page, table in [*pages, (DOCS / "cost.md", docs.PRICES)]:
        text = page.read_text()
        assert f"<!-- /{table} -->" in text, f"{page.name} lost its {table} table"
        assert docs.replace_marked(text, tables) == text, f"run `{docs.COMMAND}`"


def test_the_cost_usage_defaults_are_the_measurement_docs_cost_shows():
    from kit.plan.cost.usage import DEFAULTS, MEASURED_BY

    page = (DOCS / "cost.md").read_text()
    assert MEASURED_BY in page
    measured = {
        "log bytes per request": DEFAULTS.log_bytes_per_request,
        "OTLP span bytes per request": DEFAULTS.span_bytes_per_request,
    }
    for label, value in measured.items():
        assert re.search(rf"^{label}\s+{value}$", page, re.MULTILINE), label


def test_sample_app_readme_quotes_the_wheelhouse_and_install_commands():
    flowed = re.sub(r"\s*\n\s*", " ", APP_README).replace("[ ", "[")
    for command in (sample_app.INSTALL_DEPS, sample_app_wheelhouse.DOWNLOAD):
        assert json.dumps(command) in flowed, command
    assert f"`{json.dumps(sample_app_wheelhouse.SERVE)}`" in flowed
