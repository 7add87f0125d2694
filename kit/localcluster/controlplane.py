"""Bring the local control plane up and down: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok on loopback, with free ports and data in a temporary folder.

The apiserver runs the admission plugins a managed cluster runs by default (PodSecurity among
them) with Node,RBAC authorization; ServiceAccount tokens are signed, so a pod's identity can be
checked for real. `up` records every process in the cluster's state file; `down` stops those
processes only and removes the folder it made.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kit.localcluster import nodes, pki, processes
from kit.localcluster.api import Api, ApiError

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".build" / "e2e" / "bin"
KWOK_STAGES = ROOT / ".build" / "e2e" / "kwok-stages.yaml"
STATE = ROOT / ".build" / "e2e" / "cluster.json"
CLUSTER = "o11y-kit"
CONTEXT = "o11y-kit-local"
TOOLS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "operator")
POD_CIDR = "10.244.0.0/16"


class ClusterError(RuntimeError):
    """One line for the user: what failed and where its log is."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kubeconfig(path: Path, server: str, ca: Path, cert: Path, key: Path, user: str) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": CLUSTER, "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [
            {"name": user, "user": {"client-certificate": str(cert), "client-key": str(key)}}
        ],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CLUSTER, "user": user}}],
        "current-context": CONTEXT,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@dataclass
class Cluster:
    """A running (or recorded) local control plane."""

    dir: Path
    server: str
    kubeconfig: Path
    ca: Path
    admin_cert: Path
    admin_key: Path
    sa_key: Path
    procs: list[processes.Started] = field(default_factory=list)

    @property
    def api(self) -> Api:
        return Api(self.server, str(self.ca), str(self.admin_cert), str(self.admin_key))

    def to_json(self) -> dict:
        return {
            "dir": str(self.dir),
            "server": self.server,
            "kubeconfig": str(self.kubeconfig),
            "ca": str(self.ca),
            "admin_cert": str(self.admin_cert),
            "admin_key": str(self.admin_key),
            "sa_key": str(self.sa_key),
            "procs": [p.to_json() for p in self.procs],
        }

    @classmethod
    def from_json(cls, doc: dict) -> Cluster:
        paths = {
            k: Path(doc[k])
            for k in ("dir", "kubeconfig", "ca", "admin_cert", "admin_key", "sa_key")
        }
        return cls(
            server=doc["server"], procs=[processes.Started(**p) for p in doc["procs"]], **paths
        )


def missing_tools(bin_dir: Path = BIN) -> list[str]:
    return [t for t in TOOLS if not (bin_dir / t).is_file()] + (
        [] if KWOK_STAGES.is_file() else [str(KWOK_STAGES.relative_to(ROOT))]
    )


def _wait_healthy(
    cluster: Cluster, proc: processes.Started, check, what: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not processes.alive(proc):
            raise ClusterError(
                f"{proc.name} exited while starting; its log {proc.log}:\n{processes.tail(proc)}"
            )
        try:
            if check():
                return
        except (ApiError, OSError):
            pass
        time.sleep(0.3)
    raise ClusterError(f"{what} not ready within {timeout:.0f} s; see {proc.log}")


def _etcd(d: Path, bin_dir: Path) -> tuple[list[str], str]:
    client, peer = free_port(), free_port()
    url = f"http://127.0.0.1:{client}"
    argv = [
        str(bin_dir / "etcd"),
        f"--data-dir={d / 'etcd'}",
        f"--listen-client-urls={url}",
        f"--advertise-client-urls={url}",
        f"--listen-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-cluster=default=http://127.0.0.1:{peer}",
        "--name=default",
        "--log-level=warn",
        "--unsafe-no-fsync",  # a throwaway cluster: no fsync on every write
    ]
    return argv, url


def _apiserver(d: Path, bin_dir: Path, etcd: str, port: int, ca, serving, sa) -> list[str]:
    return [
        str(bin_dir / "kube-apiserver"),
        f"--etcd-servers={etcd}",
        "--bind-address=127.0.0.1",
        f"--secure-port={port}",
        "--advertise-address=127.0.0.1",
        f"--tls-cert-file={serving.cert}",
        f"--tls-private-key-file={serving.key}",
        f"--client-ca-file={ca.cert}",
        f"--service-account-key-file={sa.cert}",
        f"--service-account-signing-key-file={sa.key}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-cluster-ip-range={pki.SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        # The defaults (NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity,
        # DefaultStorageClass, ResourceQuota, the webhooks, ...) plus NodeRestriction, as
        # kubeadm, kind, AKS and EKS run them.
        "--enable-admission-plugins=NodeRestriction",
        "--allow-privileged=true",
        "--profiling=false",
        "--endpoint-reconciler-type=none",  # loopback may not be the `kubernetes` endpoint
        f"--cert-dir={d / 'apiserver-certs'}",
    ]


def _component_kubeconfig(
    d: Path, name: str, server: str, ca, authority: pki.Authority, cn: str
) -> Path:
    pair = authority.issue(name, cn)
    return kubeconfig(d / f"{name}.kubeconfig", server, ca.cert, pair.cert, pair.key, cn)


def up(base: Path | None = None, bin_dir: Path = BIN, state: Path = STATE) -> Cluster:
    """Start the control plane and three Ready kwok nodes; record it in `state`."""
    if state.exists():
        raise ClusterError(
            f"a local cluster is already recorded in {state}: run `make cluster-down` first"
        )
    missing = missing_tools(bin_dir)
    if missing:
        raise ClusterError(
            f"not built: {', '.join(missing)}; run `make e2e-tools` (needs Go 1.26+)"
        )
    d = Path(tempfile.mkdtemp(prefix="o11y-kit-cluster-", dir=base))
    try:
        return _up(d, bin_dir, state)
    except BaseException:
        if state.exists():
            down(state)
        else:
            shutil.rmtree(d, ignore_errors=True)
        raise


def _up(d: Path, bin_dir: Path, state: Path) -> Cluster:
    (d / "logs").mkdir()
    authority = pki.Authority(d)
    ca = authority.pair
    serving = authority.issue(
        "apiserver",
        "kube-apiserver",
        dns=(
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        ),
        ips=("127.0.0.1", pki.KUBERNETES_SERVICE_IP),
    )
    sa = pki.service_account_keys(d)
    admin = authority.issue("admin", "kubernetes-admin", org="system:masters")
    port = free_port()
    server = f"https://127.0.0.1:{port}"
    cluster = Cluster(
        dir=d,
        server=server,
        kubeconfig=kubeconfig(
            d / "kubeconfig", server, ca.cert, admin.cert, admin.key, "kubernetes-admin"
        ),
        ca=ca.cert,
        admin_cert=admin.cert,
        admin_key=admin.key,
        sa_key=sa.key,
    )
    logs = d / "logs"

    def record(p: processes.Started) -> processes.Started:
        cluster.procs.append(p)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(cluster.to_json(), indent=2))
        return p

    etcd_argv, etcd_url = _etcd(d, bin_dir)
    etcd = record(processes.start("etcd", etcd_argv, logs))
    import urllib.request

    _wait_healthy(
        cluster,
        etcd,
        lambda: (
            b'"health":"true"' in urllib.request.urlopen(f"{etcd_url}/health", timeout=2).read()
        ),
        "etcd",
        30,
    )
    apiserver = record(
        processes.start(
            "kube-apiserver", _apiserver(d, bin_dir, etcd_url, port, ca, serving, sa), logs
        )
    )
    api = cluster.api
    _wait_healthy(cluster, apiserver, lambda: api.get("/readyz") == "ok", "kube-apiserver", 90)

    kcm_kc = _component_kubeconfig(
        d, "kcm", server, ca, authority, "system:kube-controller-manager"
    )
    record(
        processes.start(
            "kube-controller-manager",
            [
                str(bin_dir / "kube-controller-manager"),
                f"--kubeconfig={kcm_kc}",
                f"--authentication-kubeconfig={kcm_kc}",
                f"--authorization-kubeconfig={kcm_kc}",
                f"--service-account-private-key-file={sa.key}",
                f"--root-ca-file={ca.cert}",
                "--use-service-account-credentials=true",
                "--controllers=*,-nodeipam",  # kwok's nodes carry their podCIDR already
                f"--cluster-cidr={POD_CIDR}",
                f"--service-cluster-ip-range={pki.SERVICE_CIDR}",
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                "--leader-elect=false",
                "--profiling=false",
            ],
            logs,
        )
    )
    sched_kc = _component_kubeconfig(d, "scheduler", server, ca, authority, "system:kube-scheduler")
    record(
        processes.start(
            "kube-scheduler",
            [
                str(bin_dir / "kube-scheduler"),
                f"--kubeconfig={sched_kc}",
                f"--authentication-kubeconfig={sched_kc}",
                f"--authorization-kubeconfig={sched_kc}",
                "--bind-address=127.0.0.1",
                f"--secure-port={free_port()}",
                "--leader-elect=false",
                "--profiling=false",
            ],
            logs,
        )
    )
    record(
        processes.start(
            "kwok",
            [
                str(bin_dir / "kwok"),
                f"--kubeconfig={cluster.kubeconfig}",
                f"--config={KWOK_STAGES}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                f"--cidr={POD_CIDR}",
                # Node Leases renewed every 10 s, as a kubelet's default nodeLeaseDurationSeconds
                # does; without them kwok patches node status about once a minute, past the
                # controller manager's 50 s grace: nodes flap NotReady, their pods stay not Ready.
                "--node-lease-duration-seconds=40",
                f"--server-address=127.0.0.1:{free_port()}",
            ],
            logs,
        )
    )

    for n in nodes.kind_shaped(CLUSTER):
        if not api.exists(f"/api/v1/nodes/{n['metadata']['name']}"):
            api.create("/api/v1/nodes", n)
    _wait_nodes_ready(cluster)
    _default_storage_class(api)
    record(
        processes.start(
            "hostpods",
            [
                sys.executable,
                "-m",
                "kit.localcluster.hostpods",
                str(state),
                str(bin_dir),
            ],
            logs,
            {"PYTHONPATH": str(ROOT)},
        )
    )
    return cluster


def _wait_nodes_ready(cluster: Cluster, timeout: float = 90) -> None:
    api = cluster.api
    names = nodes.node_names(CLUSTER)

    def ready() -> bool:
        items = api.get("/api/v1/nodes")["items"]
        ok = {
            i["metadata"]["name"]
            for i in items
            if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in i["status"].get("conditions", [])
            )
            # the node-lifecycle controller lifts the not-ready taint once the node is Ready
            and not any(
                t["key"] == "node.kubernetes.io/not-ready" for t in i["spec"].get("taints", [])
            )
        }
        return set(names) <= ok

    try:
        api.wait(ready, "three Ready nodes", timeout)
    except TimeoutError as err:
        raise ClusterError(f"{err}; see {cluster.dir / 'logs'}") from None


def _default_storage_class(api: Api) -> None:
    """A default StorageClass whose PVCs kwok binds, as kind's local-path provisioner does."""
    for doc in yaml.safe_load_all(KWOK_STAGES.read_text()):
        if doc and doc.get("kind") == "StorageClass":
            api.apply(f"/apis/storage.k8s.io/v1/storageclasses/{doc['metadata']['name']}", doc)


def recorded(state: Path = STATE) -> Cluster | None:
    if not state.exists():
        return None
    return Cluster.from_json(json.loads(state.read_text()))


def down(state: Path = STATE) -> bool:
    """Stop the recorded processes (newest first) and remove the folder `up` made."""
    cluster = recorded(state)
    if cluster is None:
        return False
    for p in reversed(cluster.procs):
        processes.stop(p)
    if cluster.dir.name.startswith("o11y-kit-cluster-"):
        shutil.rmtree(cluster.dir, ignore_errors=True)
    state.unlink()
    return True


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "help"
    try:
        if cmd == "up":
            cluster = up()
            print(f"Local control plane up: {cluster.server}, 3 kwok nodes, data in {cluster.dir}")
            print(f"export KUBECONFIG={cluster.kubeconfig}")
        elif cmd == "down":
            print(
                "Local control plane stopped and its folder removed."
                if down()
                else "No local control plane recorded."
            )
        elif cmd == "env":
            cluster = recorded()
            if cluster is None:
                print("No local control plane recorded: run `make cluster-up`.", file=sys.stderr)
                return 1
            print(f"export KUBECONFIG={cluster.kubeconfig}")
        else:
            print("usage: python -m kit.localcluster up|down|env", file=sys.stderr)
            return 2
    except ClusterError as err:
        print(f"cluster-{cmd}: {err}", file=sys.stderr)
        return 1
    return 0
