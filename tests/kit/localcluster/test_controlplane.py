"""The local control plane's bookkeeping (the running cluster itself is tests/e2e's)."""

from __future__ import annotations

import pytest

from kit.localcluster import controlplane, nodes


def test_up_refuses_a_second_cluster_in_the_same_state_file(tmp_path):
    state = tmp_path / "cluster.json"
    state.write_text("{}")
    with pytest.raises(controlplane.ClusterError, match="cluster-down"):
        controlplane.up(base=tmp_path, state=state)


def test_up_without_the_tools_says_how_to_build_them_and_makes_nothing(tmp_path):
    state = tmp_path / "cluster.json"
    with pytest.raises(controlplane.ClusterError, match="make e2e-tools"):
        controlplane.up(base=tmp_path, bin_dir=tmp_path / "nothing", state=state)
    assert list(tmp_path.iterdir()) == []


def test_down_without_a_cluster_does_nothing(tmp_path):
    assert controlplane.down(tmp_path / "cluster.json") is False


def test_the_nodes_are_shaped_like_a_kind_clusters():
    made = nodes.kind_shaped("o11y-kit")
    assert [n["metadata"]["name"] for n in made] == [
        "o11y-kit-control-plane",
        "o11y-kit-worker",
        "o11y-kit-worker2",
    ]
    cp, *workers = made
    assert cp["spec"]["taints"] == [
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    ]
    assert all("taints" not in w["spec"] for w in workers)
    assert all(n["metadata"]["annotations"] == nodes.KWOK_ANNOTATION for n in made)
    assert len({n["spec"]["podCIDR"] for n in made}) == 3
