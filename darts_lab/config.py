"""Checks on a composed search config that must fail before any training starts.

Each failure is one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from darts_lab.search_space.ops import check_ops


class ConfigError(ValueError):
    pass


def check(key: str, value: Any, ok: Callable[[Any], bool], allowed: str) -> None:
    """One line naming the key, the value and what is allowed; a wrong type is not allowed."""
    try:
        good = not isinstance(value, (bool, str)) and bool(ok(value))
    except TypeError:
        good = False
    if not good:
        raise ValueError(f"{key}={value!r} is not allowed: it must be {allowed}")


def _get(cfg: DictConfig, key: str) -> object:
    return OmegaConf.select(cfg, key, default=None)


def _positive(cfg: DictConfig, key: str, integer: bool = False) -> None:
    value = _get(cfg, key)
    if value is None:
        return
    kind = "integer" if integer else "number"
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or value <= 0:
        raise ConfigError(f"{key}={value!r} is not allowed: it must be a positive {kind}")


def validate(cfg: DictConfig) -> None:
    for key in ("w_optimizer.lr", "arch_optimizer.lr"):
        _positive(cfg, key)
    for key in (
        "dataset.batch_size",
        "trainer.max_epochs",
        "search_space.layers",
        "search_space.init_channels",
    ):
        _positive(cfg, key, integer=True)
    for key in ("w_optimizer.lr_min", "w_optimizer.weight_decay", "w_optimizer.momentum"):
        value = _get(cfg, key)
        if value is not None and value < 0:
            raise ConfigError(f"{key}={value!r} is not allowed: it must be >= 0")
    _positive(cfg, "w_optimizer.grad_clip")
    fraction = _get(cfg, "dataset.train_fraction")
    if fraction is not None and not (isinstance(fraction, (int, float)) and 0 < fraction < 1):
        raise ConfigError(
            f"dataset.train_fraction={fraction!r} is not allowed: the w-train "
            f"share of the split must lie strictly between 0 and 1 (or null to "
            f"follow the schedule)"
        )
    ops = _get(cfg, "search_space.ops")
    if ops is not None:
        try:
            check_ops(list(ops))
        except ValueError as e:
            raise ConfigError(str(e)) from None
