"""A password made once with `secrets` and kept in state as a secret, as a Pulumi dynamic
resource: it runs in the Python SDK's own provider, so no provider plugin is downloaded."""

from __future__ import annotations

import secrets
import string
from typing import Any

import pulumi
from pulumi import dynamic


class PasswordProvider(dynamic.ResourceProvider):
    """Letters and digits from `secrets`; a new length makes a new password, nothing else does.

    Pickled by reference (module and class name, no state), so the `__provider` input is the
    same bytes on every run; `python -m pulumi.dynamic`, started in the project root, imports
    this module to unpickle it. So the state names `components.generated_password`: moving or
    renaming this module needs an alias module left here, or stacks deployed before cannot be
    updated or destroyed.
    """

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        alphabet = string.ascii_letters + string.digits
        length = int(props["length"])
        result = "".join(secrets.choice(alphabet) for _ in range(length))
        return dynamic.CreateResult(secrets.token_hex(8), {"length": length, "result": result})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        if olds.get("length") == news.get("length"):
            return dynamic.DiffResult(changes=False)
        return dynamic.DiffResult(changes=True, replaces=["length"])


class GeneratedPassword(dynamic.Resource, name="GeneratedPassword"):
    """`length` letters and digits, in `result` (a secret output)."""

    result: pulumi.Output[str]

    def __init__(self, name: str, length: int, opts: pulumi.ResourceOptions | None = None):
        secret = pulumi.ResourceOptions(additional_secret_outputs=["result"])
        super().__init__(
            PasswordProvider(),
            name,
            {"length": length, "result": None},
            pulumi.ResourceOptions.merge(opts, secret),
        )
