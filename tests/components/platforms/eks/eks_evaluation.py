"""Programs other than __main__.py on the eks stack under the offline mock engine, for args the
config cannot express: the cluster, workspace and alerts wired as the lead wires them."""

from __future__ import annotations

import functools

from components.platforms.eks import alerts as alerts_eks
from components.platforms.eks import cluster as eks
from components.platforms.eks import workspace as workspace_eks
from components.settings import load_config
from kit.plan import offline

OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"


def run_program(program, stack="eks", overrides=None):
    """Run `program` instead of __main__.py under the offline mock engine (for args the config
    cannot express); returns (Evaluation, its result)."""
    ev = offline.evaluate(stack, overrides, program=program)
    return ev, ev.result


resolve = offline.resolve  # the plain value of an Output, after run_program has finished


def _outside_view():
    config = load_config()
    cluster = eks.build(config)
    workspace = workspace_eks.build(config, cluster)
    return cluster, workspace, alerts_eks.build(config, cluster)


@functools.cache
def outside_view(**overrides):
    """The eks cluster, workspace and alerts as the lead wires them: (Evaluation, components)."""
    return run_program(_outside_view, "eks", overrides)
