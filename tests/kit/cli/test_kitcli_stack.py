"""Reading stack outputs through a stand-in `pulumi` on PATH (the real CLI is not installed
here): the backend the Makefile uses, and the errors a user sees."""

from __future__ import annotations

import json

import pytest

from kit.cli import pulumi_cli, stack
from kit.cli.errors import KitError

pytestmark = pytest.mark.live

# What `pulumi stack output` prints when it cannot prompt for the passphrase (captured output,
# no PULUMI_CONFIG_PASSPHRASE): pkg/secrets/passphrase in the Pulumi CLI.
NO_PASSPHRASE = (
    "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or "
    "PULUMI_CONFIG_PASSPHRASE_FILE environment variables"
)


@pytest.fixture
def fake_pulumi(tmp_path, monkeypatch):
    """Install a `pulumi` that prints `stdout`/`stderr` and exits `code`; returns a setter."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")  # ours first; cat for the script
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.delenv("PULUMI", raising=False)
    monkeypatch.setenv("KIT_TOOLS_DIR", str(tmp_path / "tools"))

    def install(stdout: str = "", stderr: str = "", code: int = 0) -> None:
        script = bin_dir / "pulumi"
        script.write_text(
            "#!/bin/sh\n"
            f'echo "$PULUMI_BACKEND_URL $*" > {tmp_path}/call\n'
            f"cat <<'OUT'\n{stdout}\nOUT\n"
            f"cat >&2 <<'ERR'\n{stderr}\nERR\n"
            f"exit {code}\n"
        )
        script.chmod(0o755)

    install.call = lambda: (tmp_path / "call").read_text().strip()
    install.script = bin_dir / "pulumi"
    return install


def test_outputs_come_from_the_makefiles_backend(fake_pulumi):
    fake_pulumi(stdout=json.dumps({"cloud": "aks", "kubeconfig": "apiVersion: v1"}))
    assert stack.stack_outputs("aks")["cloud"] == "aks"
    backend = f"file://{stack.ROOT}/.pulumi-state"
    assert fake_pulumi.call() == f"{backend} stack output --json --show-secrets --stack aks"


def test_a_missing_passphrase_says_which_variable_to_export(fake_pulumi):
    fake_pulumi(stderr=NO_PASSPHRASE, code=255)
    with pytest.raises(KitError) as err:
        stack.stack_outputs("aks")
    assert "export PULUMI_CONFIG_PASSPHRASE" in str(err.value)
    assert "is it deployed" not in str(err.value)


def test_an_unknown_stack_is_reported_as_not_deployed(fake_pulumi):
    fake_pulumi(stderr="error: no stack named 'eks' found", code=255)
    with pytest.raises(KitError, match="has no outputs .*no stack named 'eks' found"):
        stack.stack_outputs("eks")


def test_without_pulumi_on_path_the_cli_make_up_installed_reads_the_outputs(fake_pulumi, tmp_path):
    fake_pulumi(stdout=json.dumps({"cloud": "eks"}))
    pinned = tmp_path / "tools" / f"pulumi-v{pulumi_cli.VERSION}"
    pinned.mkdir(parents=True)
    fake_pulumi.script.rename(pinned / "pulumi")
    assert stack.pulumi_available()
    assert stack.stack_outputs("eks") == {"cloud": "eks"}


def test_pulumi_names_the_cli_that_reads_the_outputs(fake_pulumi, tmp_path, monkeypatch):
    fake_pulumi(stdout=json.dumps({"cloud": "aks"}))
    built = tmp_path / "e2e" / "pulumi"
    built.parent.mkdir()
    fake_pulumi.script.rename(built)
    monkeypatch.setenv("PULUMI", str(built))
    assert stack.stack_outputs("aks") == {"cloud": "aks"}
    monkeypatch.setenv("PULUMI", str(tmp_path / "nowhere"))
    with pytest.raises(KitError, match="is not an executable file"):
        stack.stack_outputs("aks")


def test_without_any_cli_nothing_is_downloaded_and_make_up_is_named(fake_pulumi):
    assert not stack.pulumi_available()
    with pytest.raises(
        KitError, match="no Pulumi CLI to read the stack's outputs with: run make up"
    ):
        stack.stack_outputs("aks")
