"""The real `pulumi up` tier: a local control plane, the Pulumi CLI and the Kubernetes provider
built from source (make e2e-tools), and a copy of the project deployed with them. Marked `e2e`:
`make test` leaves it out, `make e2e` (and CI after make test) runs it."""

from __future__ import annotations

import shutil

import pytest

from kit.localcluster import controlplane
from tests.e2e.project import E2E_TOOLS, Project


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    from tests.helpers import require_tool

    for tool in E2E_TOOLS:
        require_tool(tool, tool.name, "run `make e2e` (builds it with Go 1.26+)")
    base = tmp_path_factory.mktemp("e2e-cluster")
    state = base / "cluster.json"
    running = controlplane.up(base=base, state=state)
    yield running
    # the logs outlive the cluster's folder, in pytest's kept temporary folders
    shutil.copytree(running.dir / "logs", base / "logs", dirs_exist_ok=True)
    controlplane.down(state)


@pytest.fixture(scope="session")
def project(cluster, tmp_path_factory) -> Project:
    return Project.copy(tmp_path_factory.mktemp("e2e-project"), cluster)
