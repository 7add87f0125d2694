"""The flows the kit must refuse (the table in docs/design.md, "Refused flows"), evaluated with
the same NetworkPolicy semantics as the wanted ones (network_flows.py): a flow is refused when
an enforcing end has a policy isolating it and no rule admitting the flow.

The wanted flows prove the policies are loose enough; these prove they are tight enough, e.g.
that no pod but the collectors can write to or read from the backends, whatever its namespace,
and that on eks no ipBlock over the node subnets (where the VPC CNI puts pods too) lets every
pod in.
"""

from __future__ import annotations

from pathlib import Path

from kit.plan.checks.findings import Dangling, Report
from kit.plan.checks.network_flows import DESIGN, Cluster, Flow, cases, refusal, table

SECTION = "## Refused flows"


def check(cluster: Cluster, report: Report, design: Path | None = None) -> None:
    for row in table(design or DESIGN, SECTION):
        for flow, admitted in verdicts(cluster, row):
            found = Dangling(flow, "a flow to refuse", "no policy refusing it")
            report.add("refused flow", [found if admitted else None])


def verdicts(cluster: Cluster, row: Flow) -> list[tuple[str, bool]]:
    """(flow, admitted) for each flow of the row in this plan (none when its pods are not)."""
    return [
        (flow, refusal(cluster, source, target, port, fargate_enforces=False) is None)
        for flow, source, target, port in cases(cluster, [row])
        if source is not None and target is not None and port is not None
    ]
