"""The clouds the kit deploys to, each with the model of its config: a new cloud is its module,
one line here and its name in config.Cloud."""

from __future__ import annotations

from components.settings.aks import AksSettings
from components.settings.common import CommonSettings
from components.settings.eks import EksSettings
from components.settings.local import LocalSettings

MODELS: dict[str, type[CommonSettings]] = {
    model.name: model for model in (LocalSettings, AksSettings, EksSettings)
}
CLOUDS: tuple[str, ...] = tuple(MODELS)
