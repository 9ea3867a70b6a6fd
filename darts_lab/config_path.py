"""Where the Hydra configs are: one answer for the source tree and for an installed wheel.

In a checkout (and an editable install) they are conf/ at the repository root, beside the
darts_lab package; a wheel carries the same files as darts_lab/conf/ (setup.py maps conf/ into
the package). Every reader of the configs asks here: the entry points' `@hydra.main`, the
retraining presets (conf/eval/), the registries of oracles, proxies and baselines
(`group_targets`).
"""

from __future__ import annotations

import functools
from pathlib import Path

from omegaconf import OmegaConf

PACKAGE = Path(__file__).resolve().parent


def conf_dir() -> Path:
    """The folder holding search.yaml, train.yaml and one folder per config group."""
    for candidate in (PACKAGE / "conf", PACKAGE.parent / "conf"):  # wheel, then checkout
        if (candidate / "search.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        f"no Hydra configs (search.yaml) in {PACKAGE / 'conf'} or {PACKAGE.parent / 'conf'}: "
        "reinstall darts_lab (a wheel carries them as darts_lab/conf/)"
    )


@functools.cache
def group_targets(group: str) -> dict[str, str]:
    """conf/<group>/: each option's name → the class (`_target_`) it configures, sorted by name;
    an option without one (`none`, a variant that inherits another's) is left out."""
    paths = sorted((conf_dir() / group).glob("*.yaml"))
    targets = {path.stem: OmegaConf.load(path).get("_target_") for path in paths}
    return {name: target for name, target in targets.items() if target}


def option_name(cls: type, group: str) -> str | None:
    """The option of conf/<group>/ that configures `cls`, if one does."""
    dotted = f"{cls.__module__}.{cls.__qualname__}"
    return next((name for name, target in group_targets(group).items() if target == dotted), None)
