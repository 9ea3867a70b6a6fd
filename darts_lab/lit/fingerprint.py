"""What a search checkpoint says about the search that wrote it, so that `resume=` refuses a file
that is not a darts_lab search checkpoint, or one of another search (space, op set, method,
experiment), in one line naming what differs, before any compute is spent.

The file is loaded safely first (darts_lab/safe_load.py): a checkpoint holds only tensors and
plain data, and anything else is refused before Lightning reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
from omegaconf import DictConfig, OmegaConf

from darts_lab.config import ConfigError
from darts_lab.safe_load import load_torch

FORMAT = "darts_lab search checkpoint 1"
KEY = "darts_lab"  # the checkpoint's top-level entry holding the fingerprint
# the config groups whose choice changes what the checkpoint's tensors and states mean
GROUPS = (
    "method",
    "search_space",
    "activation",
    "arch_optimizer",
    "schedule",
    "regularizer",
    "task",
    "dataset",
)


def fingerprint(cfg: DictConfig, ops: list[str], experiment: str) -> dict[str, Any]:
    """The identity of a search: experiment, the class of each group's choice, the
    supernet's op set and the search space's options (sizes, partial channels, ...)."""
    space = OmegaConf.to_container(cfg.search_space, resolve=True)
    return {
        "format": FORMAT,
        "experiment": experiment,
        "ops": list(ops),
        **{g: OmegaConf.select(cfg, f"{g}._target_", default=None) or "none" for g in GROUPS},
        **{f"search_space.{k}": v for k, v in space.items() if k not in ("_target_", "ops")},
    }


class Fingerprint(L.Callback):
    """Writes the search's fingerprint into every checkpoint Lightning saves."""

    def __init__(self, identity: dict[str, Any]) -> None:
        self.identity = identity

    def on_save_checkpoint(
        self, trainer: L.Trainer, module: L.LightningModule, checkpoint: dict
    ) -> None:
        checkpoint[KEY] = self.identity


def check_resume(path: str | Path, identity: dict[str, Any]) -> None:
    """Refuse, in one line, a `resume=` file that is not a safe darts_lab search checkpoint of
    the search described by `identity`."""
    what = "darts_lab search checkpoint"
    checkpoint = load_torch(path, what, option="resume")
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ConfigError(f"resume={path}: not a Lightning checkpoint (no state_dict in it)")
    theirs = checkpoint.get(KEY)
    if not isinstance(theirs, dict) or theirs.get("format") != FORMAT:
        raise ConfigError(
            f"resume={path}: a Lightning checkpoint, but not of a darts_lab search (no "
            f"'{FORMAT}' fingerprint; checkpoints of darts_lab before safe loading lack it)"
        )
    differ = [
        f"{key}={theirs.get(key)!r} there, {value!r} here"
        for key, value in identity.items()
        if theirs.get(key) != value
    ]
    if differ:
        raise ConfigError(
            f"resume={path} is a checkpoint of another search: "
            + "; ".join(differ)
            + " (resume with the options it was written with)"
        )
