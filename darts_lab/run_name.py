"""How a run is named wherever it is shown (W&B group, name and tags, the console's first line,
the embedded oracle's context line): its experiment and the option chosen in each config group."""

from __future__ import annotations

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

GROUPS = (
    "method",
    "search_space",
    "activation",
    "arch_optimizer",
    "schedule",
    "regularizer",
    "selection",
)


def choice(cfg: DictConfig, group: str) -> str:
    """The option chosen for a config group: Hydra's choice under the CLI, the chosen class's
    name (lower case) when composed in-process, "none" for an empty group."""
    if HydraConfig.initialized() and (name := HydraConfig.get().runtime.choices.get(group)):
        return name
    target = OmegaConf.select(cfg, f"{group}._target_")
    return target.rsplit(".", 1)[-1].lower() if target else "none"


def experiment_name() -> str:
    """The +experiment= of this run, or "adhoc"."""
    choices = HydraConfig.get().runtime.choices if HydraConfig.initialized() else {}
    return choices.get("experiment") or "adhoc"


def run_labels(cfg: DictConfig) -> tuple[str, list[str]]:
    """(experiment name, one tag per config-group choice)."""
    tags = [f"{g}={choice(cfg, g)}" for g in (*GROUPS, "dataset")]
    return experiment_name(), tags
