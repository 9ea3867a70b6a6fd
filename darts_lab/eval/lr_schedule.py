"""The retraining learning-rate schedules, stepped once per epoch.

- `cosine` (DARTS on CIFAR): cosine from lr to lr_min over the run.
- `step` (DARTS on ImageNet): lr · gamma^(epoch + 1) (gamma 0.97): quark0's train_imagenet.py
  steps its StepLR at the start of every epoch, the first included, so epoch 0 already trains
  at lr · 0.97.
- `linear` (PC-DARTS on ImageNet, train_imagenet.py): lr · (E − 5 − e)/(E − 5), and a gentler
  slope lr · (E − e)/(5 (E − 5)) over the last 5 epochs so it does not reach 0 early.
A linear warm-up over the first `warmup_epochs` multiplies any of them by (e + 1)/warmup_epochs
(PC-DARTS's train_imagenet.py: 5 epochs, when the batch exceeds 256; it multiplies there too).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LRScheduler

from darts_lab.config import check_choice
from darts_lab.w_optimizer.lr import warmup_factor

SCHEDULES = ("cosine", "step", "linear")


def linear_factor(epoch: int, epochs: int) -> float:
    if epochs - epoch > 5:
        return (epochs - 5 - epoch) / (epochs - 5)
    return (epochs - epoch) / ((epochs - 5) * 5)


def make_schedule(
    optimizer: Optimizer,
    name: str,
    epochs: int,
    lr_min: float = 0.0,
    gamma: float = 0.97,
    warmup_epochs: int = 0,
) -> LRScheduler:
    check_choice("optimizer.lr_schedule", name, SCHEDULES)
    if name == "cosine" and not warmup_epochs:  # the CIFAR protocol, exactly as before
        return CosineAnnealingLR(optimizer, T_max=epochs, eta_min=lr_min)
    floor = lr_min / optimizer.defaults["lr"]
    factors: dict[str, Callable[[int], float]] = {
        "step": lambda e: gamma ** (e + 1),
        "linear": lambda e: linear_factor(e, max(epochs, 6)),
        "cosine": lambda e: floor + (1 - floor) * (1 + math.cos(math.pi * e / epochs)) / 2,
    }
    base = factors[name]

    def factor(epoch: int) -> float:
        return base(epoch) * warmup_factor(epoch, warmup_epochs)

    return LambdaLR(optimizer, factor)
