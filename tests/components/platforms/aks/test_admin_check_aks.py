"""The wait for the deployer's AKS grant, against a loopback API server over TLS, with the kube
provider's own kubeconfig (kubelogin_kubeconfig) and a `kubelogin` on PATH that hands out a token
only for the arguments that kubeconfig passes."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pulumi.dynamic.dynamic import serialize_provider
from pytest_httpserver import HTTPServer

from components.platforms.aks.admin_check import REVIEW, REVIEW_PATH, AdminCheckError
from components.platforms.aks.admin_check import wait_until_admin as wait
from components.platforms.aks.admin_ready import AdminReadyProvider
from components.platforms.aks.kubeconfig import AKS_SERVER_APP_ID, kubelogin_kubeconfig
from tests.helpers import ROOT
from tests.tls import self_signed_ca

pytestmark = pytest.mark.live

TOKEN = "entra-token-for-the-aks-server-app"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FAKE_KUBELOGIN = f"""import json, os, sys
expected = ["get-token", "--login", "azurecli", "--server-id", "{AKS_SERVER_APP_ID}"]
if sys.argv[1:] != expected or "KUBERNETES_EXEC_INFO" not in os.environ:
    sys.exit("kubelogin: unexpected call " + " ".join(sys.argv[1:]))
print(json.dumps({{"kind": "ExecCredential", "status": {{"token": "{TOKEN}"}}}}))
"""
DENIED = {"kind": "Status", "status": "Failure", "reason": "Forbidden", "code": 403}


def _allowed(allowed: bool) -> dict:
    return {**REVIEW, "status": {"allowed": allowed, "reason": "" if allowed else "no grant"}}


@pytest.fixture
def apiserver(tmp_path: Path) -> Iterator[tuple[HTTPServer, bytes]]:
    """An HTTPS server on loopback and the CA (PEM) its certificate chains to."""
    cert, key = self_signed_ca("apiserver", ips=("127.0.0.1",))
    (tmp_path / "tls.crt").write_bytes(cert)
    (tmp_path / "tls.key").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    server = HTTPServer(host="127.0.0.1", ssl_context=context)
    server.start()
    yield server, cert
    server.clear()
    server.stop()


def _kubelogin_on_path(folder: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `kubelogin` Python script first on PATH."""
    folder.mkdir()
    (folder / "kubelogin").write_text(f"#!{sys.executable}\n{body}")
    (folder / "kubelogin").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def kubelogin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _kubelogin_on_path(tmp_path / "bin", FAKE_KUBELOGIN, monkeypatch)


def _kubeconfig(server: HTTPServer, ca: bytes) -> str:
    """What the kube provider gets: kubelogin_kubeconfig of AKS's user kubeconfig."""
    entry = {
        "server": f"https://127.0.0.1:{server.port}",
        "certificate-authority-data": base64.b64encode(ca).decode(),
    }
    user = {"name": "clusterUser", "user": {"token": "dropped"}}
    source = {
        "clusters": [{"name": "aks", "cluster": entry}],
        "users": [user],
        "contexts": [{"name": "aks", "context": {"cluster": "aks", "user": "clusterUser"}}],
        "current-context": "aks",
    }
    return kubelogin_kubeconfig(yaml.safe_dump(source))


def _answer(server: HTTPServer, body: dict, status: int = 201) -> None:
    request = server.expect_ordered_request(REVIEW_PATH, method="POST", headers=BEARER, json=REVIEW)
    request.respond_with_json(body, status=status)


def test_waits_through_forbidden_and_denied_until_allowed(apiserver, kubelogin):
    server, ca = apiserver
    _answer(server, DENIED, status=403)
    _answer(server, _allowed(False))
    _answer(server, _allowed(True))
    assert wait(_kubeconfig(server, ca), timeout=30, interval=0.05, hint="x") == 3
    server.check_assertions()  # every request had the token and the review, in order


def test_gives_up_at_the_deadline_naming_the_server_the_answer_and_what_to_check(
    apiserver, kubelogin
):
    server, ca = apiserver
    server.expect_request(REVIEW_PATH, headers=BEARER).respond_with_json(DENIED, status=403)
    with pytest.raises(AdminCheckError) as err:
        wait(_kubeconfig(server, ca), timeout=0.5, interval=0.05, hint="the grant")
    message = str(err.value)
    assert "\n" not in message
    assert f"https://127.0.0.1:{server.port} still refuses" in message
    assert "last answer: HTTP 403" in message and message.endswith("check the grant")
    assert len(server.log) > 1  # it asked again before giving up


def test_trusts_only_the_clusters_ca(apiserver, kubelogin):
    server, _ = apiserver
    server.expect_request(REVIEW_PATH).respond_with_json(_allowed(True))
    other_ca, _ = self_signed_ca("apiserver", ips=("127.0.0.1",))
    with pytest.raises(AdminCheckError, match="unreachable.*CERTIFICATE_VERIFY_FAILED"):
        wait(_kubeconfig(server, other_ca), timeout=0.3, interval=0.05, hint="x")
    assert server.log == []


def test_without_kubelogin_it_fails_at_once_saying_how_to_install_it(apiserver, monkeypatch):
    server, ca = apiserver
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(AdminCheckError, match=r"kubelogin not found on PATH.*az aks install-cli"):
        wait(_kubeconfig(server, ca), timeout=30, interval=0.05, hint="x")
    assert server.log == []


def test_a_failing_kubelogin_stops_the_wait_at_once_with_its_last_error_line(
    apiserver, tmp_path, monkeypatch
):
    server, ca = apiserver
    script = "import sys\nsys.exit('details\\nAADSTS700082: the refresh token has expired')\n"
    _kubelogin_on_path(tmp_path / "bin", script, monkeypatch)
    expected = r"^kubelogin get-token failed \(AADSTS700082: .*\): is `az login` done"
    with pytest.raises(AdminCheckError, match=expected):
        wait(_kubeconfig(server, ca), timeout=30, interval=0.05, hint="x")
    assert server.log == []


def test_the_pickled_gate_creates_in_a_fresh_interpreter_at_the_project_root(apiserver, kubelogin):
    """What `python -m pulumi.dynamic` does with the gate's `__provider` input and the plain
    inputs the engine sends it (the SDK's provider declines secrets), in a process that never
    imported the kit."""
    server, ca = apiserver
    _answer(server, _allowed(True))
    code = (
        "import base64, json, sys, dill\n"
        "from pulumi.runtime._serialization import _deserialize\n"
        "provider = _deserialize(lambda: dill.loads(base64.b64decode(sys.argv[1])))\n"
        "created = provider.create(json.loads(sys.argv[2]))\n"
        "print(json.dumps([created.id, created.outs]))\n"
    )
    props = {"kubeconfig": _kubeconfig(server, ca), "roleAssignmentId": "/grant/1"}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, "-c", code, serialize_provider(AdminReadyProvider()), json.dumps(props)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == ["/grant/1", {**props, "attempts": 1}]
    server.check_assertions()
