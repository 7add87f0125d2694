"""The clouds the kit deploys to, each with the model of its config: a new cloud is one line."""

from __future__ import annotations

from typing import Literal

from components.settings.aks import AksSettings
from components.settings.common import CommonSettings
from components.settings.eks import EksSettings
from components.settings.local import LocalSettings

Cloud = Literal["local", "aks", "eks"]
MODELS: dict[str, type[CommonSettings]] = {
    model.name: model for model in (LocalSettings, AksSettings, EksSettings)
}
CLOUDS: tuple[str, ...] = tuple(MODELS)
