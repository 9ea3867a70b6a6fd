"""DARTS's w-optimizer (`w_optimizer=sgd`): SGD with momentum and weight decay (Nesterov as an
option), the learning rate annealed by a cosine to `lr_min` over the run — or over
`lr_horizon` epochs, as gaea_release anneals over 50 whatever the run length — stepped per
epoch (DARTS) or per w-step."""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn
from torch.optim import SGD, Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR

from darts_lab.config import check
from darts_lab.w_optimizer.base import WeightOptimizer
from darts_lab.w_optimizer.lr import w_cosine


class SgdCosine(WeightOptimizer):
    def __init__(
        self,
        lr: float = 0.025,
        lr_min: float = 0.001,
        momentum: float = 0.9,
        weight_decay: float = 3e-4,
        nesterov: bool = False,
        lr_interval: str = "epoch",
        lr_horizon: int | None = None,
        grad_clip: float = 5.0,
        warmup_epochs: int = 0,
    ) -> None:
        super().__init__(grad_clip, warmup_epochs, lr_interval)
        if lr_horizon is not None:
            check(
                "w_optimizer.lr_horizon",
                lr_horizon,
                lambda v: isinstance(v, int) and v > 0,
                "a positive integer (epochs) or null",
            )
        self.lr, self.lr_min, self.lr_horizon = lr, lr_min, lr_horizon
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    def optimizer(self, params: Iterable[nn.Parameter]) -> Optimizer:
        return SGD(
            params,
            self.lr,
            momentum=self.momentum,
            weight_decay=self.weight_decay,
            nesterov=self.nesterov,
        )

    def scheduler(self, optimizer: Optimizer, epochs: int, steps: int) -> CosineAnnealingLR:
        return w_cosine(optimizer, self.lr_min, epochs, self.lr_horizon, steps)
