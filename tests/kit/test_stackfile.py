"""Stack files are read the way the Pulumi CLI reads them (kit/stackfile.py), and every mistake
in one ends in one line naming the file and the line, never a traceback."""

from __future__ import annotations

import pytest

from kit import stackfile
from kit.__main__ import main


@pytest.fixture
def stacks_dir(tmp_path, monkeypatch):
    """A stacks/ folder of the test's own; `python -m kit plan` reads it in-process."""
    monkeypatch.setattr(stackfile, "STACKS_DIR", tmp_path)
    return tmp_path


def plan_errors(stacks_dir, capsys, text: str, stack: str = "try") -> str:
    (stacks_dir / f"Pulumi.{stack}.yaml").write_text(text)
    assert main(["plan", "--stack", stack, "--out", str(stacks_dir / "out")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_scalars_reach_the_program_as_their_source_text_like_the_cli():
    """yaml.v2 decodes a scalar into a Go string as written: 1.30 stays "1.30", yes stays "yes"."""
    text = "config:\n  o11y-kit:kubernetesVersion: 1.30\n  o11y-kit:sampleApp: yes\n"
    read = stackfile.parse(text, stackfile.STACKS_DIR / "Pulumi.x.yaml")
    assert read.config == {"o11y-kit:kubernetesVersion": "1.30", "o11y-kit:sampleApp": "yes"}


def test_lists_become_json_and_secure_values_are_secrets():
    text = (
        "config:\n  o11y-kit:fargateTiers:\n    - back\n"
        "  o11y-kit:alertWebhookUrl:\n    secure: v1:abc\n  o11y-kit:config:loadRps: 3\n"
    )
    read = stackfile.parse(text, stackfile.STACKS_DIR / "Pulumi.x.yaml")
    assert read.config["o11y-kit:fargateTiers"] == '["back"]'
    assert read.secret == ["o11y-kit:alertWebhookUrl"]
    assert read.config["o11y-kit:loadRps"] == "3"  # the old `ns:config:name` form


def test_an_unprefixed_key_is_refused_like_the_pulumi_cli_does(stacks_dir, capsys):
    err = plan_errors(stacks_dir, capsys, "config:\n  o11y-kit:cloud: local\n  nodeCount: 3\n")
    assert err.strip() == (
        "plan failed: Pulumi.try.yaml:3: could not parse nodeCount as a configuration key "
        "(configuration keys should be of the form `<namespace>:<name>`); write it as "
        "o11y-kit:nodeCount"
    ).replace("Pulumi.try.yaml", str(stacks_dir / "Pulumi.try.yaml"))


def test_a_foreign_prefixed_key_is_refused(stacks_dir, capsys):
    err = plan_errors(
        stacks_dir, capsys, "config:\n  o11y-kit:cloud: local\n  o11ykit:loadRps: 3\n"
    )
    assert "o11ykit:loadRps: namespace 'o11ykit' is neither this project's" in err
    assert "Did you mean o11y-kit:loadRps?" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("config:\n\to11y-kit:cloud: local\n", ":2: invalid YAML: found character '\\t' that cannot start any token (YAML indents with spaces; replace the tab)"),
        ("config:\n  o11y-kit:cloud: [local\n", ":3: invalid YAML: "),
        ("config:\n  o11y-kit:cloud: local\n  o11y-kit:cloud: aks\n", ":3: o11y-kit:cloud is already defined on line 2"),
        ("- just\n- a list\n", ":1: not a YAML mapping"),
    ],
)  # fmt: skip
def test_yaml_mistakes_are_one_line_with_file_and_line(stacks_dir, capsys, text, expected):
    err = plan_errors(stacks_dir, capsys, text)
    assert err.startswith(f"plan failed: {stacks_dir / 'Pulumi.try.yaml'}{expected}"), err
    assert len(err.strip().splitlines()) == 1


def test_an_empty_stack_file_is_refused_instead_of_planning_as_local(stacks_dir, capsys):
    err = plan_errors(stacks_dir, capsys, "", stack="aks")
    assert "cloud: required, not set." in err


def test_the_shipped_stack_files_read_cleanly():
    for name in stackfile.names():
        read = stackfile.read(name)
        assert read.config["o11y-kit:cloud"] in ("local", "aks", "eks")
