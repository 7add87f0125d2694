"""`kit break` records what it did and `kit heal` undoes only that, on the stack's own cluster
only, and cloud actions wait for --yes: the audit's case (an operator's stopped instance and
suspended group, restarted by heal) against moto's AWS, a kind node with a stand-in docker, the
app's faults, and clusters that are not the stack's."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from kit.__main__ import main
from kit.cli import ownership
from kit.cli.errors import KitError
from kit.cli.kube import Kube
from tests.helpers import moto_aws
from tests.kit.cli.kitcli_breaks import (
    cluster_api,
    eks_resource,
    install,
    namespace_resource,
)
from tests.kit.cli.kitcli_cluster import NS, kind_nodes, node
from tests.kit.cli.kitcli_fakes import ReplayServer, write_kubeconfig

pytestmark = pytest.mark.live

REGION = "us-east-1"
CLUSTER = "o11y-kit-eks"
GROUP = "eks-ng-1"
KIND = "kind://docker/kit/"
BACK = f"/apis/apps/v1/namespaces/{NS['app']}/deployments/sample-back"
PHOENIX = f"/api/v1/namespaces/{NS['app']}/pods/phoenix"
RUN = "o11y-kit/break-run"


@pytest.fixture
def stack(tmp_path, monkeypatch):
    return install(tmp_path, monkeypatch)


@pytest.fixture
def aws(monkeypatch):
    with moto_aws(monkeypatch, REGION) as session:
        yield session


def cli(tmp_path, api, *argv: str) -> int:
    with ReplayServer(api) as server:
        kubeconfig = write_kubeconfig(tmp_path, server.url)
        return main([*argv, "--kubeconfig", str(kubeconfig)])


class Eks:
    """A node group instance in moto, and the eks stack whose cluster runs it."""

    def __init__(self, session, stack, tmp_path):
        ec2 = session.client("ec2")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        self.autoscaling = session.client("autoscaling")
        self.autoscaling.create_launch_configuration(
            LaunchConfigurationName="ng", ImageId=image, InstanceType="t3.large"
        )
        self.autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=GROUP, LaunchConfigurationName="ng", MinSize=0, MaxSize=2,
            AvailabilityZones=[f"{REGION}a"],
        )  # fmt: skip
        tags = [
            {"Key": "eks:nodegroup-name", "Value": "ng"},
            {"Key": "eks:cluster-name", "Value": CLUSTER},
            {"Key": "aws:autoscaling:groupName", "Value": GROUP},
        ]
        self.ec2 = ec2
        self.instance = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )["Instances"][0]["InstanceId"]  # fmt: skip
        self.stack, self.tmp_path = stack, tmp_path
        self.node_name = "ip-10-0-1-5.ec2.internal"
        self.api = cluster_api(
            [
                node(
                    self.node_name,
                    f"aws:///{REGION}a/{self.instance}",
                    labels={"topology.kubernetes.io/region": REGION},
                )
            ]  # fmt: skip
        )

    def run(self, *argv: str) -> int:
        with ReplayServer(self.api) as server:
            self.stack.say(
                {"cloud": "eks", "cluster": CLUSTER},
                [namespace_resource(), eks_resource(server.url, CLUSTER)],
            )
            kubeconfig = write_kubeconfig(self.tmp_path, server.url)
            return main([*argv, "--stack", "eks", "--kubeconfig", str(kubeconfig)])

    def state(self) -> str:
        found = self.ec2.describe_instances(InstanceIds=[self.instance])
        return found["Reservations"][0]["Instances"][0]["State"]["Name"]

    def tags(self) -> dict[str, str]:
        found = self.ec2.describe_instances(InstanceIds=[self.instance])
        return {t["Key"]: t["Value"] for t in found["Reservations"][0]["Instances"][0]["Tags"]}

    def group(self) -> dict:
        return self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])[
            "AutoScalingGroups"
        ][0]

    def suspended(self) -> set[str]:
        return {p["ProcessName"] for p in self.group().get("SuspendedProcesses", [])}


def test_heal_leaves_what_an_operator_stopped_and_suspended_alone(aws, stack, tmp_path, capsys):
    """The audit: the operator suspends the group and stops an instance outside the kit."""
    eks = Eks(aws, stack, tmp_path)
    eks.autoscaling.suspend_processes(
        AutoScalingGroupName=GROUP, ScalingProcesses=["HealthCheck", "ReplaceUnhealthy"]
    )
    eks.ec2.stop_instances(InstanceIds=[eks.instance])
    eks.api.objects[f"/api/v1/nodes/{eks.node_name}"]["status"]["conditions"][0]["status"] = (
        "Unknown"
    )
    for argv in (["heal"], ["heal", "--yes"]):  # main's heal restarted both, unasked
        assert eks.run(*argv) == 0
        assert eks.state() == "stopped"
        assert eks.suspended() == {"HealthCheck", "ReplaceUnhealthy"}
    assert "nothing to heal" in capsys.readouterr().out


def test_break_then_heal_restores_exactly_what_was_broken(aws, stack, tmp_path, capsys):
    eks = Eks(aws, stack, tmp_path)
    # The operator's own suspension, from before the break: heal must keep it.
    eks.autoscaling.suspend_processes(AutoScalingGroupName=GROUP, ScalingProcesses=["AZRebalance"])
    eks.autoscaling.suspend_processes(
        AutoScalingGroupName=GROUP, ScalingProcesses=["ReplaceUnhealthy"]
    )
    assert eks.run("break", "node", "--yes") == 0
    assert eks.state() == "stopped"
    assert eks.suspended() == {"AZRebalance", "ReplaceUnhealthy", "HealthCheck"}
    run_id = eks.tags()[RUN]
    assert {t["Key"]: t["Value"] for t in eks.group()["Tags"]}[RUN] == run_id
    node_path = f"/api/v1/nodes/{eks.node_name}"
    assert eks.api.get(node_path)["metadata"]["annotations"] == {RUN: run_id}
    record = json.loads((tmp_path / "breaks" / "eks.json").read_text())
    (action,) = record["runs"][0]["actions"]
    assert action["instance"] == eks.instance and action["suspended"] == ["HealthCheck"]

    assert eks.run("heal", "--yes") == 0
    assert eks.state() in ("pending", "running")
    assert eks.suspended() == {"AZRebalance", "ReplaceUnhealthy"}
    assert RUN not in eks.tags()
    assert RUN not in {t["Key"] for t in eks.group().get("Tags", [])}
    assert not eks.api.get(node_path)["metadata"].get("annotations")
    assert not (tmp_path / "breaks" / "eks.json").exists()
    assert "healed" in capsys.readouterr().out


def test_cloud_actions_without_yes_only_print(aws, stack, tmp_path, capsys):
    eks = Eks(aws, stack, tmp_path)
    assert eks.run("break", "node") == 0
    assert eks.state() == "running" and not eks.suspended() and RUN not in eks.tags()
    assert not (tmp_path / "breaks").exists()
    assert "Not done: repeat with --yes" in capsys.readouterr().out

    assert eks.run("break", "node", "--yes") == 0
    assert eks.run("heal") == 0
    assert eks.state() == "stopped" and eks.suspended() == {"HealthCheck", "ReplaceUnhealthy"}
    assert "would start EC2 instance" in capsys.readouterr().out
    assert (tmp_path / "breaks" / "eks.json").exists()  # still to do, with --yes


def test_an_instance_whose_tag_was_removed_is_left_alone(aws, stack, tmp_path, capsys):
    eks = Eks(aws, stack, tmp_path)
    assert eks.run("break", "node", "--yes") == 0
    eks.ec2.delete_tags(Resources=[eks.instance], Tags=[{"Key": RUN}])  # someone took it over
    assert eks.run("heal", "--yes") == 0
    assert eks.state() == "stopped"
    assert "no longer carries" in capsys.readouterr().out


def test_eks_api_server_other_than_the_stacks_is_refused(aws, stack, tmp_path, capsys):
    eks = Eks(aws, stack, tmp_path)
    api = eks.api
    with ReplayServer(api) as server:
        stack.say(
            {"cloud": "eks", "cluster": CLUSTER},
            [namespace_resource(), eks_resource("https://ABC.gr7.us-east-1.eks.amazonaws.com",
                                                CLUSTER)],
        )  # fmt: skip
        kubeconfig = write_kubeconfig(tmp_path, server.url)
        code = main(["break", "node", "--yes", "--stack", "eks", "--kubeconfig", str(kubeconfig)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "not the stack's cluster, nothing done" in err and len(err.splitlines()) == 1
    assert eks.state() == "running" and not eks.suspended()


def test_foreign_cluster_with_the_namespace_is_refused(stack, tmp_path, capsys):
    """A local stack's namespace name in a shared cluster proves nothing: the uid must be the
    one the stack's `up` created."""
    api = cluster_api([node("kit-worker", KIND + "kit-worker")], uid="another-stacks-namespace")
    stack.say({"cloud": "local", "cluster": "kind-kit"}, [namespace_resource()])
    for argv in (["break", "pod"], ["break", "node", "--yes"], ["heal", "--yes"]):
        assert cli(tmp_path, api, *argv, "--stack", "local") == 2
        err = capsys.readouterr().err.strip()
        assert "is not the one stack local created" in err and len(err.splitlines()) == 1
    assert PHOENIX not in api.objects and stack.calls("docker") == []


def test_break_and_heal_need_a_stack(stack, tmp_path, capsys):
    api = cluster_api([])
    assert cli(tmp_path, api, "heal") == 2
    assert "name it with --stack" in capsys.readouterr().err


def test_kind_node_heal_starts_only_the_container_break_stopped(stack, tmp_path, capsys):
    api = cluster_api(kind_nodes())
    stack.say({"cloud": "local", "cluster": "kind-kit"}, [namespace_resource()])
    assert cli(tmp_path, api, "break", "node", "--yes", "--stack", "local") == 0
    assert stack.calls("docker") == [["stop", "kit-worker"]]
    # The operator stops the other worker; both nodes are NotReady now.
    for name in ("kit-worker", "kit-worker2"):
        api.objects[f"/api/v1/nodes/{name}"]["status"]["conditions"][0]["status"] = "Unknown"

    assert cli(tmp_path, api, "heal", "--stack", "local") == 0
    assert "would run docker start kit-worker" in capsys.readouterr().out
    assert len(stack.calls("docker")) == 1
    assert cli(tmp_path, api, "heal", "--stack", "local", "--yes") == 0
    assert stack.calls("docker") == [["stop", "kit-worker"], ["start", "kit-worker"]]
    assert "nothing to heal" in _heal_again(tmp_path, api, capsys)


def test_aks_node_heal_runs_az_for_that_instance_only(stack, tmp_path, capsys):
    vmss = ("azure:///subscriptions/s/resourceGroups/mc_rg/providers/Microsoft.Compute/"
            "virtualMachineScaleSets/aks-system-1/virtualMachines/")  # fmt: skip
    api = cluster_api([node("aks-system-1-0", vmss + "0"), node("aks-system-1-1", vmss + "1")])
    with ReplayServer(api) as server:
        state = [
            namespace_resource(),
            {
                "type": "azure-native:containerservice:ManagedCluster",
                "outputs": {"id": "/subscriptions/s/x", "fqdn": server.url},
            },
        ]
        stack.say({"cloud": "aks", "cluster": "o11y-kit-aks"}, state)  # fmt: skip
        kubeconfig = str(write_kubeconfig(tmp_path, server.url))
        assert main(["break", "node", "--node", "aks-system-1-1", "--yes", "--stack", "aks",
                     "--kubeconfig", kubeconfig]) == 0  # fmt: skip
        api.objects["/api/v1/nodes/aks-system-1-0"]["status"]["conditions"][0]["status"] = "False"
        assert main(["heal", "--yes", "--stack", "aks", "--kubeconfig", kubeconfig]) == 0
    verbs = [(c[1], c[-1]) for c in stack.calls("az")]
    assert verbs == [("deallocate", "1"), ("start", "1")]


def test_app_faults_heal_by_run_and_leave_others_alone(stack, tmp_path, capsys):
    api = cluster_api([node("kit-worker", KIND + "kit-worker")],
                      env=[{"name": "FAULT_EXTRA_LATENCY_MS", "value": "50"}])  # fmt: skip
    stack.say({"cloud": "local", "cluster": "kind-kit"}, [namespace_resource()])
    local = ("--stack", "local")
    assert cli(tmp_path, api, "break", "slow", *local) == 0
    assert cli(tmp_path, api, "break", "errors", "--ratio", "0.5", *local) == 0
    assert cli(tmp_path, api, "break", "pod", *local) == 0
    runs = json.loads((tmp_path / "breaks" / "local.json").read_text())["runs"]
    assert [r["actions"][0]["kind"] for r in runs] == ["knob", "knob", "pod"]
    assert api.get(PHOENIX)["metadata"]["annotations"] == {RUN: runs[2]["run"]}

    # Someone replaces phoenix with a pod of their own: heal of the pod run leaves it.
    api.objects[PHOENIX]["metadata"]["annotations"] = {}
    assert cli(tmp_path, api, "heal", *local) == 0
    assert PHOENIX in api.objects and "left alone" in capsys.readouterr().out

    assert cli(tmp_path, api, "heal", "--run", runs[0]["run"], *local) == 0
    env = api.get(BACK)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "FAULT_EXTRA_LATENCY_MS", "value": "50"},  # as before the break
                   {"name": "FAULT_ERROR_RATIO", "value": "0.5"}]  # fmt: skip
    assert cli(tmp_path, api, "heal", *local) == 0
    env = api.get(BACK)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "FAULT_EXTRA_LATENCY_MS", "value": "50"}]
    assert not api.get(BACK)["metadata"].get("annotations")
    assert not (tmp_path / "breaks" / "local.json").exists()


def _heal_again(tmp_path, api, capsys) -> str:
    capsys.readouterr()
    assert cli(tmp_path, api, "heal", "--stack", "local", "--yes") == 0
    return capsys.readouterr().out


def test_two_runs_on_one_knob_heal_back_in_turn(stack, tmp_path):
    api = cluster_api([node("kit-worker", KIND + "kit-worker")])
    stack.say({"cloud": "local", "cluster": "kind-kit"}, [namespace_resource()])
    local = ("--stack", "local")
    assert cli(tmp_path, api, "break", "errors", "--ratio", "0.5", *local) == 0
    assert cli(tmp_path, api, "break", "errors", "--ratio", "1", *local) == 0
    first, _ = (r["run"] for r in json.loads((tmp_path / "breaks" / "local.json").read_text())
                ["runs"])  # fmt: skip
    assert cli(tmp_path, api, "heal", *local) == 0
    back = api.get(BACK)
    assert back["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "FAULT_ERROR_RATIO", "value": "0.5"}
    ]
    assert back["metadata"]["annotations"] == {f"{RUN}.FAULT_ERROR_RATIO": first}
    assert cli(tmp_path, api, "heal", *local) == 0
    assert api.get(BACK)["spec"]["template"]["spec"]["containers"][0]["env"] == []
    assert not api.get(BACK)["metadata"].get("annotations")


def test_local_stack_file_context_must_be_the_connected_server(tmp_path):
    """A local stack that names its kubeconfig/context owns that API server only."""
    named = write_kubeconfig(tmp_path, "https://127.0.0.1:6443")
    config = {"o11y-kit:kubeconfig": str(named), "o11y-kit:context": "test"}
    assert ownership.local_api_host(config) == "127.0.0.1:6443"
    own = ownership.identity("local", {}, {"deployment": {"resources": [namespace_resource()]}},
                             ownership.local_api_host(config))  # fmt: skip
    elsewhere = client.Configuration()
    elsewhere.host = "https://127.0.0.1:7443"
    with pytest.raises(KitError, match="not the stack's cluster, nothing done"):
        ownership.prove(Kube(client.ApiClient(elsewhere), "context other"), own)
    with pytest.raises(KitError, match="records no namespace o11y-monitoring"):
        ownership.identity("local", {}, {"deployment": {"resources": []}})
