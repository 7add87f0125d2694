"""Stack configuration, read once into frozen typed objects and validated as a whole.

Pulumi.yaml's `config:` block is the single list of keys, types, defaults and descriptions; this
module adds what a type cannot say (allowed values, ranges, formats, rules across keys) and
reports every problem at once, before any resource is registered, naming the key, the bad value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from components import config_formats as formats
from components import versions

PROJECT = "o11y-kit"
PULUMI_YAML = Path(__file__).resolve().parent.parent / "Pulumi.yaml"

Cloud = Literal["local", "aks", "eks"]
Tier = Literal["front", "middle", "back"]
CLOUDS: tuple[str, ...] = get_args(Cloud)
TIERS: tuple[str, ...] = get_args(Tier)
# The front end is the public tier: the in-tree LoadBalancer targets node ports, which Fargate
# pods do not have, so only the inner tiers may run on Fargate.
FARGATE_TIERS = ("middle", "back")
MIN_MANAGED_NODES = 2  # the node-failure demo stops one node; monitoring must keep running
MAX_MANAGED_NODES = 10  # a trial kit; more is a typo or a surprise bill
MAX_LOAD_RPS = 50
LOG_ANALYTICS_RETENTION = (30, 730)  # PerGB2018 workspace retention, days
# The values the CloudWatch Logs PutRetentionPolicy API accepts.
CLOUDWATCH_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
CLOUDWATCH_RETENTION += (2192, 2557, 2922, 3288, 3653)
# Config namespaces a stack file may hold besides the project's own: the providers the program
# uses and Pulumi's own settings (e.g. `pulumi:tags`). Anything else is a typo of the project name
# (`o11ykit:nodeCount`) that Pulumi would pass on without a word.
PROVIDER_NAMESPACES = ("aws", "azure-native", "kubernetes", "pulumi")


class ConfigError(ValueError):
    """Every problem found in the stack's configuration, one per line."""

    def __init__(self, stack: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"stack {stack!r}: {len(problems)} configuration problem(s); nothing was created.\n"
            f"{lines}\nFix them with `pulumi config set --stack {stack} <key> <value>` (or edit "
            f"stacks/Pulumi.{stack}.yaml) and run again."
        )


@dataclass(frozen=True)
class Declaration:
    """One key of Pulumi.yaml's `config:` block."""

    key: str
    type: str
    default: Any
    description: str


@dataclass(frozen=True)
class ClusterConfig:
    """Where the cluster comes from and how big it is."""

    region: str
    kubeconfig: str | None
    context: str | None
    kubernetes_version: str
    node_count: int
    vm_size: str  # the Azure VM size on aks, the EC2 instance type on eks
    fargate_tiers: tuple[str, ...]


@dataclass(frozen=True)
class AppConfig:
    """The traced sample app and who may reach its front end."""

    enabled: bool
    load_rps: int
    frontend_allowed_cidrs: tuple[str, ...]
    image: str | None  # None: source from a ConfigMap on the pinned Python image


RECEIVERS = ("none", "webhook", "email")
# Keys whose values must be Pulumi secrets: never echoed in messages, never stored in clear.
SECRET_KEYS = ("alertWebhookUrl", "alertSmtpPassword")
SMTP_KEYS = ("alertSmtpSmarthost", "alertSmtpFrom", "alertSmtpUsername", "alertSmtpPassword")


@dataclass(frozen=True)
class AlertingConfig:
    """Who hears about alerts: e-mails for the cloud alert, and Alertmanager's receiver."""

    emails: tuple[str, ...]
    receiver: str  # none | webhook | email
    webhook_url: str | None  # secret
    smtp_smarthost: str
    smtp_from: str
    smtp_username: str
    smtp_password: str | None  # secret

    def __repr__(self) -> str:  # the secrets must not reach a log or a traceback
        return f"AlertingConfig(emails={self.emails!r}, receiver={self.receiver!r}, ...)"


@dataclass(frozen=True)
class KitConfig:
    """The whole stack's configuration; the only object components are built from."""

    stack: str
    cloud: Cloud
    cluster: ClusterConfig
    app: AppConfig
    alerting: AlertingConfig
    log_retention_days: int
    log_daily_cap_gb: int
    # Absolute folder of the chart packages to install ($KIT_CHART_CACHE), or None: pull them.
    chart_cache: str | None = None

    @property
    def name(self) -> str:
        """Prefix of every cloud resource name, unique per stack."""
        return f"{PROJECT}-{self.stack}"


def load_declarations(path: Path = PULUMI_YAML) -> dict[str, Declaration]:
    """The config keys Pulumi.yaml declares, in file order; a key without a default (None) is
    required, and the Pulumi CLI itself refuses a stack without it ("Stack 'x' is missing
    configuration value 'cloud'", pulumi/pulumi sdk/go/common/workspace/config.go)."""
    project = yaml.safe_load(path.read_text())
    return {
        key: Declaration(key, spec["type"], spec.get("default"), spec["description"])
        for key, spec in project["config"].items()
    }


def load_config() -> KitConfig:
    """Read the running stack's config through Pulumi and validate it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    declared = load_declarations()
    cfg = pulumi.Config(PROJECT)
    raw = {key: cfg.get(key) for key in declared}
    present = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{PROJECT}:"
    unknown = sorted(k[len(prefix) :] for k in present if k.startswith(prefix))
    unknown = [k for k in unknown if k not in declared]
    foreign = sorted(k for k in present if k.split(":")[0] not in (PROJECT, *PROVIDER_NAMESPACES))
    in_clear = [
        key
        for key in SECRET_KEYS
        if raw.get(key) and not runtime_config.is_config_secret(f"{PROJECT}:{key}")
    ]
    try:
        config = parse_config(raw, pulumi.get_stack(), declared, unknown, in_clear, foreign)
        cache = chart_cache_folder(os.environ.get(versions.CHART_CACHE_ENV) or None)
    except (ConfigError, ChartCacheError) as err:
        # The language host prints a pulumi.RunError's message alone, without a traceback
        # (pulumi-language-python-exec); any other exception comes with the program's stack.
        raise shown_as_run_error(err) from None
    return dataclasses.replace(config, chart_cache=cache)


class ChartCacheError(ValueError):
    """KIT_CHART_CACHE is set but lacks a pinned chart package: one line saying how to fix it."""


def chart_cache_folder(folder: str | None) -> str | None:
    """The chart cache as an absolute folder holding every pinned package, None when unset."""
    if not folder:
        return None
    path = Path(folder).expanduser().resolve()
    problem = versions.cache_problem(path)
    if problem:
        raise ChartCacheError(problem)
    return str(path)


def shown_as_run_error(err: Exception) -> Exception:
    """`err` as an instance of its own class and of pulumi.RunError, message and fields kept."""
    import pulumi

    shown = type(type(err).__name__, (type(err), pulumi.RunError), {})
    shown.__module__ = type(err).__module__
    copy = shown.__new__(shown)
    copy.__dict__.update(err.__dict__)
    copy.args = err.args
    return copy


def parse_config(
    raw: Mapping[str, Any],
    stack: str,
    declared: Mapping[str, Declaration] | None = None,
    unknown_keys: list[str] | tuple[str, ...] = (),
    secrets_in_clear: list[str] | tuple[str, ...] = (),
    foreign_keys: list[str] | tuple[str, ...] = (),
) -> KitConfig:
    """Turn raw config values (strings as Pulumi hands them over) into a KitConfig.

    Missing keys take their Pulumi.yaml default. Raises ConfigError listing every problem, all
    in one round: the rules across keys run on every value that parsed.
    """
    declared = load_declarations() if declared is None else declared
    problems: list[str] = []
    for key in unknown_keys:
        close = difflib.get_close_matches(key, list(declared), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"{key}: unknown key{hint} Known keys: {', '.join(declared)}.")
    for key in foreign_keys:
        problems.append(_foreign_key_problem(key, declared))
    for key in secrets_in_clear:
        problems.append(
            f"{key}: stored in clear in the stack's config; set it with "
            f"`pulumi config set --secret {key} <value>`."
        )
    values = {key: _coerce(d, raw.get(key), problems) for key, d in declared.items()}
    for key, check in _KEY_RULES.items():
        if values.get(key) is not None:
            before = len(problems)
            check(values[key], problems)
            if len(problems) > before:
                values[key] = None  # reported; the rules across keys skip it
    _cross_key_rules(_Parsed(values), problems)
    _unused_vm_sizes(raw, values, declared, problems)
    if problems:
        raise ConfigError(stack, problems)
    cloud = values["cloud"]
    return KitConfig(
        stack=stack,
        cloud=cloud,
        cluster=ClusterConfig(
            region=values["region"],
            kubeconfig=values["kubeconfig"] or None,
            context=values["context"] or None,
            kubernetes_version=values["kubernetesVersion"],
            node_count=values["nodeCount"],
            vm_size=values["eksInstanceType"] if cloud == "eks" else values["aksVmSize"],
            fargate_tiers=tuple(values["fargateTiers"]),
        ),
        app=AppConfig(
            enabled=values["sampleApp"],
            load_rps=values["loadRps"],
            frontend_allowed_cidrs=tuple(values["frontendAllowedCidrs"]),
            image=values["sampleAppImage"] or None,
        ),
        alerting=AlertingConfig(
            emails=tuple(values["alertEmails"]),
            receiver=values["alertReceiver"],
            webhook_url=values["alertWebhookUrl"] or None,
            smtp_smarthost=values["alertSmtpSmarthost"],
            smtp_from=values["alertSmtpFrom"],
            smtp_username=values["alertSmtpUsername"],
            smtp_password=values["alertSmtpPassword"] or None,
        ),
        log_retention_days=values["logRetentionDays"],
        log_daily_cap_gb=values["logDailyCapGb"],
    )


def declared_value(key: str, raw: Any, declared: Mapping[str, Declaration] | None = None) -> Any:
    """One key as parse_config reads it (`raw` as its declared type, the default when None),
    for the cluster commands, which need a key or two of a stack file without the Pulumi SDK;
    ValueError says what is wrong."""
    problems: list[str] = []
    value = _coerce((declared or load_declarations())[key], raw, problems)
    if problems:
        raise ValueError(problems[0])
    return value


def _coerce(decl: Declaration, value: Any, problems: list[str]) -> Any:
    """Parse one raw value to its declared type; None (after a problem) if it cannot be."""
    if value is None:
        if decl.default is None:
            problems.append(f"{decl.key}: required, not set. {decl.description}")
        return decl.default
    try:
        if decl.type == "string":
            return str(value)
        if decl.type == "integer":
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if decl.type == "boolean":
            if isinstance(value, bool):
                return value
            lowered = str(value).lower()
            if lowered not in ("true", "false"):
                raise ValueError
            return lowered == "true"
        if decl.type == "array":
            items = json.loads(value) if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError
            return items
    except (ValueError, TypeError):
        problems.append(f"{decl.key} = {value!r}: not a valid {_type_name(decl.type)}.")
        return None
    raise AssertionError(f"Pulumi.yaml declares {decl.key} with unsupported type {decl.type}")


def _type_name(type_: str) -> str:
    return {
        "integer": "integer",
        "boolean": "boolean (true or false)",
        "array": 'list of strings, e.g. ["a", "b"]',
    }.get(type_, type_)


def _one_of(key: str, allowed: tuple[str, ...]) -> Callable[[Any, list[str]], None]:
    def check(value: str, problems: list[str]) -> None:
        if value not in allowed:
            problems.append(f"{key} = {value!r}: allowed values are {', '.join(allowed)}.")

    return check


def _int_range(
    key: str, low: int, high: int, shown: str | None = None
) -> Callable[[Any, list[str]], None]:
    """low..high; `shown` replaces "low-high" in the message when a narrower range applies
    where the key is used."""

    def check(value: int, problems: list[str]) -> None:
        if not low <= value <= high:
            problems.append(f"{key} = {value}: allowed range is {shown or f'{low}-{high}'}.")

    return check


def _matches(key: str, pattern: re.Pattern[str], what: str) -> Callable[[Any, list[str]], None]:
    def check(value: str, problems: list[str]) -> None:
        if value and not pattern.fullmatch(value):
            problems.append(f"{key} = {value!r}: not {what}.")

    return check


def _each(key: str, valid: Callable[[str], bool], what: str) -> Callable[[Any, list[str]], None]:
    def check(items: list[str], problems: list[str]) -> None:
        bad = [i for i in items if not valid(i)]
        if bad:
            problems.append(f"{key} = {items!r}: {', '.join(map(repr, bad))} not {what}.")
        if len(set(items)) != len(items):
            problems.append(f"{key} = {items!r}: lists an entry more than once.")

    return check


def _formatted(
    key: str, problem_of: Callable[[str], str | None]
) -> Callable[[Any, list[str]], None]:
    def check(value: str, problems: list[str]) -> None:
        problem = problem_of(value) if value else None
        if problem:
            problems.append(f"{key} = {value!r}: {problem}.")

    return check


def _kubernetes_version(value: str, problems: list[str]) -> None:
    if not formats.K8S_MINOR.fullmatch(value):
        problems.append(
            f"kubernetesVersion = {value!r}: must be a minor version such as "
            f"'{versions.K8S_DEFAULT}', in quotes."
        )


_KEY_RULES: dict[str, Callable[[Any, list[str]], None]] = {
    "cloud": _one_of("cloud", CLOUDS),
    "kubernetesVersion": _kubernetes_version,
    "nodeCount": _int_range(
        "nodeCount", 1, MAX_MANAGED_NODES, f"{MIN_MANAGED_NODES}-{MAX_MANAGED_NODES} (aks/eks)"
    ),
    "aksVmSize": _matches(
        "aksVmSize", formats.AZURE_VM_SIZE, "an Azure VM size such as Standard_D2s_v3"
    ),
    "eksInstanceType": _matches(
        "eksInstanceType", formats.EC2_INSTANCE_TYPE, "an EC2 type like t3.large"
    ),
    "fargateTiers": _each("fargateTiers", lambda t: t in FARGATE_TIERS, "one of middle, back"),
    "alertEmails": _each("alertEmails", formats.is_email, "an e-mail address"),
    "frontendAllowedCidrs": _each(
        "frontendAllowedCidrs", formats.is_cidr, "a CIDR such as 203.0.113.7/32"
    ),
    "logRetentionDays": _int_range("logRetentionDays", 1, max(CLOUDWATCH_RETENTION)),
    "loadRps": _int_range("loadRps", 0, MAX_LOAD_RPS),
    "logDailyCapGb": _int_range("logDailyCapGb", 0, 100),
    "alertReceiver": _one_of("alertReceiver", RECEIVERS),
    "alertSmtpSmarthost": _formatted("alertSmtpSmarthost", formats.smarthost_problem),
    "alertSmtpFrom": _matches("alertSmtpFrom", formats.EMAIL, "an e-mail address"),
    "sampleAppImage": _formatted("sampleAppImage", formats.pinned_image_problem),
}


class _Parsed(dict):
    """The parsed values; None where a value did not parse or broke its own rule (already
    reported), so a rule across keys runs only when every key it reads is usable."""

    def ok(self, *keys: str) -> bool:
        return all(self.get(k) is not None for k in keys)


def _cross_key_rules(v: _Parsed, problems: list[str]) -> None:
    """Rules that depend on the cloud."""
    if not v.ok("cloud"):
        return
    cloud = v["cloud"]
    if cloud == "local":
        _local_rules(v, problems)
    else:
        _managed_rules(v, cloud, problems)
    if cloud == "eks" and v.ok("fargateTiers") and not v["fargateTiers"]:
        problems.append(
            "fargateTiers = []: eks places at least one sample-app tier on Fargate (that is "
            "where the collector sidecars run); allowed tiers are middle, back."
        )
    _alerting_rules(v, problems)
    if cloud != "aks" and v.ok("logDailyCapGb") and v["logDailyCapGb"]:
        problems.append(
            f"logDailyCapGb = {v['logDailyCapGb']}: a Log Analytics setting, only used on aks; "
            f"cloud is {cloud}."
        )
    if cloud != "eks" and v.ok("fargateTiers") and v["fargateTiers"]:
        problems.append(
            f"fargateTiers = {v['fargateTiers']!r}: Fargate exists only on eks; cloud is {cloud}."
        )


def _local_rules(v: _Parsed, problems: list[str]) -> None:
    for key in ("region", "alertEmails", "frontendAllowedCidrs"):
        if key == "alertEmails" and v.get("alertReceiver") == "email":
            continue  # Alertmanager mails them
        if v.ok(key) and v[key]:
            problems.append(
                f"{key} = {v[key]!r}: only used on aks and eks; cloud is local "
                "(the local stack has no cloud region, action group or load balancer)."
            )
    path = v["kubeconfig"] if v.ok("kubeconfig") else ""
    if path and not Path(path).expanduser().is_file():
        problems.append(f"kubeconfig = {v['kubeconfig']!r}: no such file.")


def _managed_rules(v: _Parsed, cloud: str, problems: list[str]) -> None:
    for key in ("kubeconfig", "context"):
        if v.ok(key) and v[key]:
            problems.append(
                f"{key} = {v[key]!r}: only used on local; on {cloud} the kit builds the "
                "kubeconfig from the cluster it creates."
            )
    if v.ok("region"):
        pattern = formats.AWS_REGION if cloud == "eks" else formats.AZURE_LOCATION
        if not v["region"]:
            problems.append(f"region = '': required on {cloud}; {_region_hint(cloud)}.")
        elif not pattern.fullmatch(v["region"]):
            problems.append(f"region = {v['region']!r}: not {_region_hint(cloud)}.")
    if v.ok("nodeCount") and v["nodeCount"] < MIN_MANAGED_NODES:
        problems.append(
            f"nodeCount = {v['nodeCount']}: {cloud} needs at least {MIN_MANAGED_NODES} nodes "
            f"so monitoring keeps running while the demo breaks one; allowed range is "
            f"{MIN_MANAGED_NODES}-{MAX_MANAGED_NODES}."
        )
    if v.ok("kubernetesVersion"):
        _check_supported_version(v["kubernetesVersion"], cloud, problems)
    if v.ok("logRetentionDays"):
        _check_retention(v["logRetentionDays"], cloud, problems)
    if v.ok("frontendAllowedCidrs", "frontendOpenToInternet"):
        _check_open_frontend(v["frontendAllowedCidrs"], v["frontendOpenToInternet"], problems)


def _unused_vm_sizes(
    raw: Mapping[str, Any],
    values: dict[str, Any],
    declared: Mapping[str, Declaration],
    problems: list[str],
) -> None:
    """A VM size set for the other cloud (or for local) would be silently ignored. Pulumi hands
    the program every key with its default filled in, so only a changed value counts."""
    owner = {"aksVmSize": "aks", "eksInstanceType": "eks"}
    cloud = values.get("cloud")
    for key, used_on in owner.items():
        if key not in declared or cloud is None or cloud == used_on:
            continue
        value = values.get(key)
        if raw.get(key) is not None and value not in (None, declared[key].default):
            problems.append(f"{key} = {value!r}: only used on {used_on}; cloud is {cloud}.")


def _foreign_key_problem(key: str, declared: Mapping[str, Declaration]) -> str:
    namespace, _, name = key.partition(":")
    close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.8)
    hint = f" Did you mean {PROJECT}:{close[0]}?" if close else ""
    return (
        f"{key}: namespace {namespace!r} is neither this project's ({PROJECT}) nor one of the "
        f"providers the kit configures ({', '.join(PROVIDER_NAMESPACES)}), so nothing reads "
        f"it.{hint}"
    )


def _alerting_rules(v: _Parsed, problems: list[str]) -> None:
    """Each receiver needs its own settings and no other's; secret values are never echoed."""
    if not v.ok("alertReceiver"):
        return
    receiver = v["alertReceiver"]
    url = v.get("alertWebhookUrl")
    if receiver == "webhook":
        if not url:
            problems.append("alertWebhookUrl: required when alertReceiver is webhook.")
        elif problem := formats.url_problem(url):
            problems.append(f"alertWebhookUrl = [secret]: {problem}.")
    elif url:
        problems.append(
            f"alertWebhookUrl: only used when alertReceiver is webhook, not {receiver}."
        )
    if receiver == "email":
        missing = [k for k in SMTP_KEYS if k in v and v[k] == ""]
        if v.get("alertEmails") == []:
            missing.insert(0, "alertEmails")
        if missing:
            problems.append(
                f"alertReceiver = 'email' needs {', '.join(missing)} (alertSmtpPassword as a "
                "secret)."
            )
    else:
        for key in SMTP_KEYS:
            if v.get(key):
                shown = "[secret]" if key in SECRET_KEYS else repr(v[key])
                problems.append(
                    f"{key} = {shown}: only used when alertReceiver is email, not {receiver}."
                )


def _check_open_frontend(cidrs: list[str], acknowledged: bool, problems: list[str]) -> None:
    """A /0 puts the front end on the whole Internet: only when the stack says so explicitly."""
    anywhere = [c for c in cidrs if ipaddress.ip_network(c).prefixlen == 0]
    if anywhere and not acknowledged:
        problems.append(
            f"frontendAllowedCidrs = {cidrs!r}: {', '.join(anywhere)} lets anyone on the Internet "
            "reach the front end; list your own addresses (e.g. 203.0.113.7/32), or set "
            "frontendOpenToInternet: true to confirm."
        )


def _region_hint(cloud: str) -> str:
    if cloud == "eks":
        return "an AWS region such as ap-northeast-1"
    return "an Azure location such as japaneast"


def _check_supported_version(version: str, cloud: str, problems: list[str]) -> None:
    """The cloud's creatable minors (components/versions.py), and on eks every add-on table
    the cluster indexes with the version, so no KeyError can come after the VPC and cluster
    are registered."""
    supported = versions.MANAGED_K8S[cloud]
    if version not in supported:
        hint = ""
        if len(version) == 3:
            # An unquoted 1.30 is the number 1.3 to YAML and JSON readers (Pulumi ESC
            # environments, `--path` values): the quotes keep the trailing zero.
            hint = (
                f' YAML reads an unquoted {version}0 as the number {version}: write "{version}0".'
            )
        problems.append(
            f"kubernetesVersion = {version!r}: {cloud} clusters are supported from "
            f"{supported[0]} to {supported[-1]} (components/versions.py).{hint}"
        )
        return
    if cloud == "eks":
        unpinned = [a for a, table in versions.EKS_ADDON_VERSIONS.items() if version not in table]
        if unpinned:
            problems.append(
                f"kubernetesVersion = {version!r}: no EKS add-on version pinned for it "
                f"({', '.join(unpinned)} in components/versions.py EKS_ADDON_VERSIONS)."
            )


def _check_retention(days: int, cloud: str, problems: list[str]) -> None:
    if cloud == "aks":
        low, high = LOG_ANALYTICS_RETENTION
        if not low <= days <= high:
            problems.append(
                f"logRetentionDays = {days}: Log Analytics allows {low}-{high} days on aks."
            )
    elif days not in CLOUDWATCH_RETENTION:
        allowed = ", ".join(map(str, CLOUDWATCH_RETENTION))
        problems.append(f"logRetentionDays = {days}: CloudWatch Logs allows only {allowed}.")
