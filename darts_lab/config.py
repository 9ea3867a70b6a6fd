"""Checks on a composed search config that must fail before any training starts.

Each failure is one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, get_args

from omegaconf import DictConfig, OmegaConf


class ConfigError(ValueError):
    pass


def check(key: str, value: Any, ok: Callable[[Any], bool], allowed: str) -> None:
    """One line naming the key, the value and what is allowed; a wrong type is not allowed."""
    try:
        good = not isinstance(value, (bool, str)) and bool(ok(value))
    except TypeError:
        good = False
    if not good:
        raise ConfigError(f"{key}={value!r} is not allowed: it must be {allowed}")


def check_horizon(key: str, value: Any) -> None:
    """A schedule's horizon in epochs: an integer > 0, or null for the run's own epochs."""
    check(key, value, lambda v: v is None or (isinstance(v, int) and v > 0),
          "an integer > 0 or null (the run's epochs)")  # fmt: skip


def check_choice(key: str, value: Any, choices: Iterable[str]) -> None:
    """One line naming the key, the value and the allowed options."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{key}={value!r} is not allowed: it must be one of {', '.join(choices)}")


SEED_MAX = 2**32 - 1  # numpy's seed range, which Lightning's seed_everything feeds


def validate(cfg: DictConfig) -> None:
    """The value checks shared by a search (conf/search.yaml) and a retraining
    (conf/train.yaml); keys a config does not have are skipped."""
    rules: list[tuple[tuple[str, ...], Callable[[Any], bool], str]] = [
        (
            (
                "w_optimizer.lr",
                "arch_optimizer.lr",
                "w_optimizer.grad_clip",
                "optimizer.lr",  # retraining (conf/train.yaml)
                "grad_clip",
            ),
            lambda v: v > 0 and math.isfinite(v),
            "a positive finite number",
        ),
        (
            (
                "dataset.batch_size",
                "trainer.max_epochs",
                "search_space.layers",
                "search_space.init_channels",
                "model.layers",
                "model.init_channels",
                "checkpoint.every_n_train_steps",
            ),
            lambda v: isinstance(v, int) and v > 0,
            "a positive integer",
        ),
        (
            (
                "w_optimizer.lr_min",
                "w_optimizer.weight_decay",
                "w_optimizer.momentum",
                "optimizer.lr_min",
                "optimizer.weight_decay",
                "optimizer.momentum",
                "optimizer.auxiliary_weight",
            ),
            lambda v: v >= 0,
            ">= 0",
        ),
    ]
    rules += [
        (
            ("seed",),
            lambda v: isinstance(v, int) and 0 <= v <= SEED_MAX,
            f"an integer from 0 to {SEED_MAX} (2^32 - 1)",
        ),
        (("cutout",), lambda v: isinstance(v, int) and v >= 0, "an integer >= 0 (0: none)"),
        (("optimizer.drop_path_prob",), lambda v: 0 <= v < 1, "a probability in [0, 1)"),
        (("arch_init_scale",), lambda v: 0 <= v < math.inf, "a finite number >= 0"),
    ]
    for keys, ok, allowed in rules:
        for key in keys:
            value = OmegaConf.select(cfg, key, default=None)
            if value is not None:  # keys a config does not have are not checked
                check(key, value, ok, allowed)
    for key in (
        "arch_lr_anneal",
        "figures",
        "perf.compile",
        "perf.deterministic",
        "w_optimizer.nesterov",
    ):
        value = OmegaConf.select(cfg, key, default=None)
        if value is not None and not isinstance(value, bool):
            raise ConfigError(f"{key}={value!r} is not allowed: it must be true or false")
    check_trainer(cfg)
    ops = OmegaConf.select(cfg, "search_space.ops", default=None)
    if ops is not None and len(ops) == 0:
        raise ConfigError("search_space.ops=[] is not allowed: a supernet needs at least one op")
    # arch_warmup_epochs is checked by SearchModule, the w_optimizer's values by its object
    # search_space.ops is checked by each search space against its own op set


def check_trainer(cfg: DictConfig) -> None:
    """Lightning's precision and accelerator, checked before Lightning is asked (it would stop
    with a traceback once the search is built)."""
    from lightning.fabric.connector import _PRECISION_INPUT
    from lightning.pytorch.accelerators import AcceleratorRegistry

    precision = OmegaConf.select(cfg, "trainer.precision", default=None)
    if precision is not None:
        values = (str(v) for literal in get_args(_PRECISION_INPUT) for v in get_args(literal))
        allowed = list(dict.fromkeys(values))
        check_choice("trainer.precision", str(precision), allowed)
    accelerator = OmegaConf.select(cfg, "trainer.accelerator", default=None)
    if accelerator is None:
        return
    names = sorted({"auto", "gpu", *AcceleratorRegistry.available_accelerators()})
    check_choice("trainer.accelerator", accelerator, names)
    wanted = "cuda" if accelerator == "gpu" else accelerator
    if wanted != "auto" and not AcceleratorRegistry.get(wanted).is_available():
        raise ConfigError(
            f"trainer.accelerator={accelerator} is not available on this machine: use "
            f"trainer.accelerator=auto (the best one here) or cpu"
        )
