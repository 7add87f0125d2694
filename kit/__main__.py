"""Command line: `python -m kit plan --stack local`, `python -m kit cost --stack eks`,
`python -m kit config-docs`, and the walkthrough's commands against a deployed stack: status,
open, traffic, break, heal, verify.
The plan's modules load the Pulumi SDKs, so they are imported only when a plan is asked for."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kit import cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan_cmd = commands.add_parser("plan", help="evaluate a stack offline and write its plan")
    plan_cmd.add_argument("--stack", required=True, help="a stack in stacks/ (local, aks, eks)")
    plan_cmd.add_argument("--out", type=Path, help="output directory (default: plan/<stack>)")
    plan_cmd.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key"
    )
    cost_cmd = commands.add_parser("cost", help="what a stack costs, from its offline plan")
    cost_cmd.add_argument("--stack", required=True, help="a stack in stacks/ (local, aks, eks)")
    cost_cmd.add_argument("--usage", type=Path, help="usage file (YAML; docs/cost.md#usage)")
    cost_cmd.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key"
    )
    cost_docs = commands.add_parser("cost-docs", help="print the shipped stacks' cost tables")
    cost_docs.add_argument("--update", type=Path, nargs="+", metavar="PAGE", help="rewrite them")
    docs_cmd = commands.add_parser("config-docs", help="print the config keys as Markdown")
    docs_cmd.add_argument("--update", type=Path, metavar="README", help="rewrite its table")
    cli.add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command in cli.COMMANDS:
        return cli.run(args)

    if args.command == "cost":
        return _cost(args)

    if args.command == "cost-docs":
        return _cost_docs(args)

    if args.command == "config-docs":
        from kit.config_docs import config_table, update_readme

        if args.update:
            try:
                update_readme(args.update)
            except (OSError, ValueError) as err:
                print(f"config-docs failed: {err}", file=sys.stderr)
                return 2
        else:
            print(config_table())
        return 0

    return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    from components.settings import ConfigError
    from kit.plan.checks.crd_schemas import CrdValidatorError
    from kit.plan.checks.kube_score import KubeScoreError
    from kit.plan.checks.pod_security import PodSecurityEvaluatorError
    from kit.plan.helm_render import ChartRenderError
    from kit.plan.helm_tool import HelmToolError
    from kit.plan.stack_plan import plan, summary

    overrides: dict[str, str] = {}
    try:
        overrides = dict(_key_value(item) for item in args.set)
        result = plan(args.stack, args.out or Path("plan") / args.stack, overrides)
    except (
        ConfigError,
        FileNotFoundError,
        ValueError,
        CrdValidatorError,
        HelmToolError,
        ChartRenderError,
        PodSecurityEvaluatorError,
        KubeScoreError,
    ) as err:
        print(f"plan failed: {err}", file=sys.stderr)
        return 2
    print(summary(result))
    print(_cost_of_plan(result, overrides))
    return 0 if result.ok else 1


def _cost_of_plan(result, overrides: dict[str, str]) -> str:
    """The cost and pod resources of a plan just made, as `kit cost` prints them."""
    from kit.plan.cost import report
    from kit.plan.cost.planned import planned
    from kit.plan.cost.usage import DEFAULTS

    charts = [obj for release in result.releases for obj in release.objects]
    plan = planned(result.evaluation, overrides, charts)
    return report.render(report.estimate(plan, DEFAULTS)) + "\n" + report.resources(plan)


def _cost_docs(args: argparse.Namespace) -> int:
    from kit.plan.cost import docs
    from kit.plan.helm_tool import HelmToolError

    try:
        if not args.update:
            plans = docs.shipped()
            print(docs.summary_table(plans) + "\n\n" + docs.lines_table(plans))
            return 0
        for path in docs.update(args.update):
            print(f"{path}: updated")
    except (OSError, ValueError, HelmToolError) as err:
        print(f"cost-docs failed: {err}", file=sys.stderr)
        return 2
    return 0


def _cost(args: argparse.Namespace) -> int:
    from components.settings import ConfigError
    from kit.plan.cost import report, usage
    from kit.plan.cost.planned import plan_stack
    from kit.plan.helm_render import ChartRenderError
    from kit.plan.helm_tool import HelmToolError

    try:
        use = usage.load(args.usage)
        plan = plan_stack(args.stack, dict(_key_value(item) for item in args.set))
        print(report.render(report.estimate(plan, use)))
        print(report.resources(plan))
    except (ConfigError, FileNotFoundError, ValueError, HelmToolError, ChartRenderError) as err:
        print(f"cost failed: {err}", file=sys.stderr)
        return 2
    return 0


def _key_value(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise ValueError(f"--set {item!r}: expected KEY=VALUE")
    return key, value


if __name__ == "__main__":
    sys.exit(main())
