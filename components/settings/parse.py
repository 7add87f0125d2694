"""Raw stack config (strings, as Pulumi hands them over) to a KitConfig through the cloud's
model, with every problem reported at once, one line each: the key, the value, what is allowed.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from components.settings.clouds import CLOUDS, MODELS
from components.settings.common import CommonSettings
from components.settings.config import (
    PROJECT,
    PROVIDER_NAMESPACES,
    AlertingConfig,
    AppConfig,
    ClusterConfig,
    ConfigError,
    Declaration,
    KitConfig,
)
from components.settings.fields import PULUMI_TYPES, LineError, RuleError


@dataclass(frozen=True)
class _Key:
    model: type[BaseModel]  # the first model that declares it
    name: str  # the field's name

    @property
    def field(self) -> FieldInfo:
        return self.model.model_fields[self.name]


@functools.cache
def _keys() -> dict[str, _Key]:
    """Every key any cloud reads, the common ones first."""
    found: dict[str, _Key] = {}
    for model in (CommonSettings, *MODELS.values()):
        for name, field in model.model_fields.items():
            found.setdefault(field.alias or name, _Key(model, name))
    return found


def load_declarations() -> dict[str, Declaration]:
    """Every config key the schema holds; a key without a default (None) is required."""
    return {
        key: Declaration(
            key,
            PULUMI_TYPES[k.field.annotation],
            None if k.field.is_required() else k.field.default,
            k.field.description or "",
        )
        for key, k in _keys().items()
    }


def _extra(key: str, name: str) -> Any:
    extra = _keys()[key].field.json_schema_extra
    return extra.get(name) if isinstance(extra, dict) else None


# Keys whose values must be Pulumi secrets: never echoed in messages, never stored in clear.
SECRET_KEYS = tuple(key for key in _keys() if _extra(key, "secret"))


def parse_config(
    raw: Mapping[str, Any],
    stack: str,
    declared: Mapping[str, Declaration] | None = None,
    unknown_keys: list[str] | tuple[str, ...] = (),
    secrets_in_clear: list[str] | tuple[str, ...] = (),
    foreign_keys: list[str] | tuple[str, ...] = (),
) -> KitConfig:
    """Turn raw config values into a KitConfig; missing keys take their default. Raises
    ConfigError listing every problem, all in one round: the cloud's rules run on every value
    that parsed. `declared` names the keys suggested for an unknown one."""
    declared = load_declarations() if declared is None else declared
    problems = [_unknown_key_problem(key, declared) for key in unknown_keys]
    problems += [_foreign_key_problem(key, declared) for key in foreign_keys]
    problems += [
        f"{key}: stored in clear in the stack's config; set it with "
        f"`pulumi config set --secret {key} <value>`."
        for key in secrets_in_clear
    ]
    cloud = raw.get("cloud")
    model = MODELS.get(str(cloud))
    if cloud is None:
        problems.append(f"cloud: required, not set. {declared['cloud'].description}")
    elif model is None:
        problems.append(f"cloud = {cloud!r}: allowed values are {', '.join(CLOUDS)}.")
    schema = model or CommonSettings  # an unknown cloud: check the keys every cloud reads
    read = _aliases(schema)
    given = {key: value for key, value in raw.items() if key in read and value is not None}
    try:
        settings = schema.model_validate({**given, "cloud": str(cloud)})
    except ValidationError as err:
        problems += [_line(schema, error) for error in err.errors()]
    problems += _unused_keys(schema, raw)
    if problems:
        raise ConfigError(stack, problems)
    return _kit_config(stack, settings)


def declared_value(key: str, raw: Any) -> Any:
    """One key as parse_config reads it, the default when None; ValueError says what is wrong."""
    field = _keys()[key].field
    if raw is None:
        if field.is_required():
            raise ValueError(f"{key}: required, not set. {field.description}")
        return field.default
    try:
        return _adapter(key).validate_python(raw)
    except ValidationError as err:
        raise ValueError(_key_line(key, err)) from None


def _key_line(key: str, err: ValidationError) -> str:
    """The line of a key checked alone, by _adapter."""
    return _line(_keys()[key].model, {**err.errors()[0], "loc": (key,)})


@functools.cache
def _adapter(key: str) -> TypeAdapter[Any]:
    """The key's type and its own rules, without any cloud's."""
    field = _keys()[key].field
    return TypeAdapter(Annotated[field.annotation, *field.metadata])


def _line(model: type[BaseModel], error: Mapping[str, Any]) -> str:
    """One pydantic error as the kit's one line; pydantic's own wording never shows."""
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, LineError):
        return str(cause)
    key = str(error["loc"][0])
    if key in model.model_fields:  # a field's name, when its default broke a rule
        key = model.model_fields[key].alias or key
    if isinstance(cause, RuleError):
        return f"{key} = {_shown(key, cause.value)}: {cause}."
    return f"{key} = {_shown(key, error['input'])}: not a valid value."


def _unused_keys(model: type[BaseModel], raw: Mapping[str, Any]) -> list[str]:
    """Keys the cloud does not read, set to something else than their default (Pulumi hands
    the program every key with its default filled in): each after its own rules, the only
    check left when the cloud is unknown (CommonSettings)."""
    problems = []
    read = _aliases(model)
    for key, k in _keys().items():
        if key in read or raw.get(key) is None:
            continue
        try:
            value = _adapter(key).validate_python(raw[key])
        except ValidationError as err:
            problems.append(_key_line(key, err))
            continue
        if value != k.field.default and model is not CommonSettings:
            owners = " and ".join(c for c, m in MODELS.items() if key in _aliases(m))
            why = _extra(key, "elsewhere") or f"only used on {owners}; cloud is {{cloud}}"
            problems.append(f"{key} = {_shown(key, value)}: {why.format(cloud=model.name)}.")
    return problems


def _aliases(model: type[BaseModel]) -> set[str | None]:
    return {field.alias for field in model.model_fields.values()}


def _kit_config(stack: str, settings: CommonSettings) -> KitConfig:
    """The KitConfig components read; keys the cloud does not read hold their defaults."""
    v = {k.name: k.field.default for k in _keys().values() if not k.field.is_required()}
    v.update(settings)
    return KitConfig(
        stack=stack,
        cloud=v["cloud"],
        cluster=ClusterConfig(
            region=v["region"],
            kubeconfig=v["kubeconfig"] or None,
            context=v["context"] or None,
            kubernetes_version=v["kubernetes_version"],
            node_count=v["node_count"],
            vm_size=settings.vm_size,
            fargate_tiers=tuple(v["fargate_tiers"]),
            api_server_allowed_cidrs=tuple(v["aks_api_server_allowed_cidrs"]),
        ),
        app=AppConfig(
            enabled=v["sample_app"],
            load_rps=v["load_rps"],
            frontend_allowed_cidrs=tuple(v["frontend_allowed_cidrs"]),
            frontend_open_to_internet=v["frontend_open_to_internet"],
            image=v["sample_app_image"] or None,
        ),
        alerting=AlertingConfig(
            emails=tuple(v["alert_emails"]),
            receiver=v["alert_receiver"],
            webhook_url=v["alert_webhook_url"] or None,
            smtp_smarthost=v["alert_smtp_smarthost"],
            smtp_from=v["alert_smtp_from"],
            smtp_username=v["alert_smtp_username"],
            smtp_password=v["alert_smtp_password"] or None,
        ),
        log_retention_days=v["log_retention_days"],
        log_daily_cap_gb=v["log_daily_cap_gb"],
    )


def _unknown_key_problem(key: str, declared: Mapping[str, Declaration]) -> str:
    close = difflib.get_close_matches(key, list(declared), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{key}: unknown key{hint} Known keys: {', '.join(declared)}."


def _foreign_key_problem(key: str, declared: Mapping[str, Declaration]) -> str:
    namespace, _, name = key.partition(":")
    close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.8)
    hint = f" Did you mean {PROJECT}:{close[0]}?" if close else ""
    return (
        f"{key}: namespace {namespace!r} is neither this project's ({PROJECT}) nor one of the "
        f"providers the kit configures ({', '.join(PROVIDER_NAMESPACES)}), so nothing reads "
        f"it.{hint}"
    )


def _shown(key: str, value: Any) -> str:
    return "[secret]" if key in SECRET_KEYS else repr(value)
