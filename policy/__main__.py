"""The o11y kit's policy pack: each rule of kit_rules as a mandatory Pulumi policy.

The rules are plain functions (kit_rules/), tested offline against what each stack registers
(tests/policy/test_policy_pack.py); this file only hands them to pulumi_policy, which serves them to
the Pulumi CLI over gRPC (tests/policy/test_policy_pack_grpc.py talks to it the same way).
"""

from __future__ import annotations

from kit_rules import RESOURCE_RULES, STACK_RULES, Resource, ResourceRule, StackRule
from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)


def resource_policy(rule: ResourceRule) -> ResourceValidationPolicy:
    def validate(args, report_violation) -> None:
        for message in rule.check(args.resource_type, args.props):
            report_violation(f"{args.name}: {message}")

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args, report_violation) -> None:
        resources = [Resource(r.resource_type, r.name, r.props) for r in args.resources]
        for message in rule.check(resources):
            report_violation(message)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


PolicyPack(
    name="o11y-kit",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        *(resource_policy(rule) for rule in RESOURCE_RULES),
        *(stack_policy(rule) for rule in STACK_RULES),
    ],
)
