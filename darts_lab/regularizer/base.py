"""The interface for terms added to the architecture loss (conf/regularizer/): DARTS-PRIME's
proximity and ADMM, DrNAS's KL, β-DARTS's Beta-Decay, FairDARTS's zero-one loss."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from darts_lab.arch.activation import Domain
from darts_lab.arch.architecture import Architecture
from darts_lab.config import check


class Regularizer(nn.Module):
    """`penalty` is added to the α loss; `progress` runs 0 → 1 over the search."""

    # the activation domains (arch/activation.py) whose α it is defined on; None: any
    activation_domains: ClassVar[tuple[Domain, ...] | None] = None

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        """The term added to the α loss (a scalar tensor, differentiable in α)."""
        raise NotImplementedError

    def set_epoch(self, epoch: int, epochs: int) -> None:
        """An epoch of the supernet's `epochs` starts (β-DARTS's λ)."""

    def after_arch_step(self, arch: Architecture) -> None:
        """Hook for regularizers with their own updates (ADMM's z, u)."""

    def metrics(self) -> dict[str, torch.Tensor | float]:
        """Values worth logging after an α-step (no host sync needed)."""
        return {}

    def epoch_metrics(self, arch: Architecture) -> dict[str, float]:
        """Values worth logging once per epoch, at its end."""
        return {}


class WeightedPenalty(Regularizer):
    """weight · value(α), the value logged under `name` after each α-step."""

    name: ClassVar[str]

    def __init__(self, weight: float) -> None:
        super().__init__()
        check("regularizer.weight", weight, lambda v: v >= 0, "a number >= 0")
        self.weight = weight
        self._last: dict[str, torch.Tensor | float] = {}

    def value(self, arch: Architecture) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, arch: Architecture, progress: float) -> torch.Tensor:
        value = self.value(arch)
        self._last = {self.name: value.detach()}
        return self.weight * value

    def metrics(self) -> dict[str, torch.Tensor | float]:
        return self._last
