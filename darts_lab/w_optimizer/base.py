"""The interface of a w-optimizer: the optimizer over the supernet's weights, its learning-rate
schedule and when that steps (per epoch or per w-step), the gradient clip and a linear warm-up.
`SearchModule` asks it for these and never reads a hyperparameter of its own; a new optimizer
is one module here and one yaml in conf/w_optimizer/."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from darts_lab.config import check, check_choice
from darts_lab.w_optimizer.lr import warmup_factor


class WeightOptimizer(ABC):
    def __init__(
        self, grad_clip: float = 5.0, warmup_epochs: int = 0, lr_interval: str = "epoch"
    ) -> None:
        check("w_optimizer.grad_clip", grad_clip, lambda v: v > 0, "a positive number")
        check(
            "w_optimizer.warmup_epochs",
            warmup_epochs,
            lambda v: isinstance(v, int) and v >= 0,
            "an integer >= 0",
        )
        check_choice("w_optimizer.lr_interval", lr_interval, ("epoch", "step"))
        self.grad_clip, self.warmup_epochs = grad_clip, warmup_epochs
        self.per_step = lr_interval == "step"  # the schedule steps after each w-step

    @abstractmethod
    def optimizer(self, params: Iterable[nn.Parameter]) -> Optimizer: ...

    @abstractmethod
    def scheduler(self, optimizer: Optimizer, epochs: int, steps: int) -> LRScheduler:
        """The learning-rate schedule over a run of `epochs` epochs, stepped `steps` times in
        it (`epochs` times, or once per w-step when `per_step`)."""

    def warmup_scale(self, epoch: int) -> float:
        """The learning rate × (epoch + 1) / warmup_epochs in the first `warmup_epochs` epochs
        (PC-DARTS's ImageNet search: 5, for batches over 256); 1 after."""
        return warmup_factor(epoch, self.warmup_epochs)
